# shellcheck shell=bash
# Engine helpers (sourced after lib.sh). See engine.sh.
ENGINE_ROOT="${FIG_ENGINE_ROOT:-/var/lib/fig-delivery/docker}"
ENGINE_RUN="${FIG_ENGINE_RUN:-/run/fig-delivery}"
export DOCKER_HOST="unix://$ENGINE_RUN/docker.sock"
export DOCKER_BUILDKIT=1
DOCKER=/usr/bin/docker
# A bridge of its own, so it never collides with another engine's docker0.
ENGINE_BRIDGE_CIDR="${FIG_ENGINE_BIP:-10.213.0.1/24}"

engine_running() { [ -S "$ENGINE_RUN/docker.sock" ] && "$DOCKER" version >/dev/null 2>&1; }

engine_start() {
  engine_running && return 0
  command -v dockerd >/dev/null || die "dockerd missing: apt-get install docker.io (tools/delivery/install-deps.sh does)"
  mkdir -p "$ENGINE_ROOT" "$ENGINE_RUN"
  if [ -f "$ENGINE_RUN/dockerd.pid" ] && kill -0 "$(cat "$ENGINE_RUN/dockerd.pid")" 2>/dev/null; then
    log "dockerd is starting (pid $(cat "$ENGINE_RUN/dockerd.pid"))"
  else
    rm -f "$ENGINE_RUN/dockerd.pid" "$ENGINE_RUN/docker.sock"
    log "starting dockerd ($(dockerd --version))"
    # cgroupfs: this machine has cgroup v1 and no systemd.
    setsid nohup dockerd \
      --host "$DOCKER_HOST" --data-root "$ENGINE_ROOT" --exec-root "$ENGINE_RUN/exec" \
      --pidfile "$ENGINE_RUN/dockerd.pid" --exec-opt native.cgroupdriver=cgroupfs \
      --bip "$ENGINE_BRIDGE_CIDR" --storage-driver overlay2 \
      >"$ENGINE_RUN/dockerd.log" 2>&1 </dev/null &
  fi

  for _ in $(seq 1 60); do engine_running && return 0; sleep 1; done
  tail -n 40 "$ENGINE_RUN/dockerd.log" >&2
  die "dockerd did not answer on $DOCKER_HOST within 60 s"
}

engine_stop() {
  [ -f "$ENGINE_RUN/dockerd.pid" ] || return 0
  local pid; pid="$(cat "$ENGINE_RUN/dockerd.pid")"
  kill "$pid" 2>/dev/null || true
  local _i; for _i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  rm -f "$ENGINE_RUN/dockerd.pid"
}

docker_() { "$DOCKER" "$@"; }
