# STAND-IN for node:<major>-bookworm-slim, built locally because no registry is
# reachable here (tools/delivery/standins.sh, ADR 0112). Same layout: Debian
# bookworm (minbase), node/npm/npx in /usr/local/bin, a `node` user (1000).
FROM scratch
ADD rootfs.tar /
COPY node/ /usr/local/
# The CA bundle this machine trusts: its egress re-signs TLS, so npm in the
# build needs it, as npm on the host does (NODE_EXTRA_CA_CERTS). Only the
# stand-in carries it; the Dockerfile does not.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
LABEL fig.stand-in="true" \
      fig.stand-in.for="node:bookworm-slim"
ENV NODE_VERSION=stand-in
CMD ["node"]
