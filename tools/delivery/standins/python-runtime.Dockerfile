# STAND-IN for gcr.io/distroless/python3-debian12:nonroot, built locally
# (tools/delivery/standins.sh, ADR 0112, 0114). Same layout: Debian 12's
# python3.11 at /usr/bin/python3.11 (python3 and python link to it) with its
# standard library and glibc, libstdc++ and libgcc, the `nonroot` user 65532,
# no shell, no pip, no package manager.
FROM scratch
ADD rootfs.tar /
USER 65532:65532
WORKDIR /home/nonroot
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL fig.stand-in="true" \
      fig.stand-in.for="gcr.io/distroless/python3-debian12:nonroot"
ENTRYPOINT ["/usr/bin/python3.11"]
