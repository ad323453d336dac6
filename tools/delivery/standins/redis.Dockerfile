# STAND-IN for redis:7.4 (tools/delivery/standins.sh, ADR 0112): Debian 12's
# redis-server (7.0) on the bookworm stand-in, with the official image's
# layout where the manifests rely on it: user and group 999, /data owned by
# them, redis-server and redis-cli on the PATH, `sh` for the exec probe.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# Unpinned on purpose: a stand-in takes Debian 12's current security update of
# redis-server; a pinned version would stop installing once it is superseded.
# hadolint ignore=DL3008
RUN groupadd --system --gid 999 redis \
 && useradd --system --uid 999 --gid redis --home-dir /data --no-create-home redis \
 && apt-get update -q \
 && apt-get install -y -q --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
LABEL fig.stand-in="true" \
      fig.stand-in.for="redis:7.4"
WORKDIR /data
USER 999:999
EXPOSE 6379
CMD ["redis-server"]
