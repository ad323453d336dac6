# STAND-IN for gcr.io/distroless/nodejs<major>-debian12:nonroot, built locally
# (tools/delivery/standins.sh, ADR 0112). Same layout: glibc, libstdc++ and
# libgcc from Debian 12, node at /nodejs/bin/node as the ENTRYPOINT, the
# `nonroot` user 65532, no shell, no package manager.
FROM scratch
ADD rootfs.tar /
COPY node/bin/node /nodejs/bin/node
USER 65532:65532
WORKDIR /home/nonroot
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/nodejs/bin
LABEL fig.stand-in="true" \
      fig.stand-in.for="gcr.io/distroless/nodejs-debian12:nonroot"
ENTRYPOINT ["/nodejs/bin/node"]
