#!/usr/bin/env bash
# The project's own container engine: dockerd from Debian's docker.io package,
# on its own socket and data root, started idempotently (ADR 0111).
#   tools/delivery/engine.sh start|stop|status|env
# `env` prints the DOCKER_HOST line to eval; scripts source lib.sh and call
# engine_start. The docker 20.10 client (/usr/bin/docker) is used, not the
# machine's docker 28 CLI, which has no buildx plugin for BuildKit builds.
# shellcheck source=tools/delivery/lib.sh
. "$(dirname "$0")/lib.sh"
. "$DELIVERY_DIR/engine-lib.sh"
case "${1:-status}" in
  start) engine_start ;;
  stop) engine_stop ;;
  status) engine_running && echo "running: $DOCKER_HOST" || { echo "stopped"; exit 1; } ;;
  env) echo "export DOCKER_HOST=$DOCKER_HOST DOCKER_BUILDKIT=1" ;;
  *) die "usage: engine.sh start|stop|status|env" ;;
esac
