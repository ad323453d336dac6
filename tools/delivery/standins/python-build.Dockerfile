# STAND-IN for debian:12-slim, the build stage of model-svc's image, built
# locally because no registry is reachable here (tools/delivery/standins.sh,
# ADR 0112, 0114). Same layout: Debian bookworm (minbase) with apt, whose
# sources point at the Debian mirror, so `apt-get install python3-venv` in
# apps/model-svc/Dockerfile works as with the real image.
FROM scratch
ADD rootfs.tar /
# The CA bundle this machine trusts: its egress re-signs TLS, so pip in the
# build needs it, as pip on the host does (PIP_CERT). Only the stand-in
# carries it; apps/model-svc/Dockerfile does not. Kept outside /etc/ssl/certs,
# which update-ca-certificates rewrites when the build installs python3-venv.
COPY ca-certificates.crt /etc/ssl/fig-standin-ca.crt
ENV PIP_CERT=/etc/ssl/fig-standin-ca.crt
LABEL fig.stand-in="true" \
      fig.stand-in.for="debian:12-slim"
CMD ["bash"]
