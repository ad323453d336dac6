# shellcheck shell=bash disable=SC2034
# Shared helpers for k8s/node/*.sh (sourced, not run). Builds on
# tools/delivery/lib.sh (tool paths, log/pass/fail, the cache directory).
# shellcheck source=tools/delivery/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools/delivery" && pwd)/lib.sh"
# shellcheck source=k8s/node/versions.env
. "$REPO_ROOT/k8s/node/versions.env"
NODE_KUBE_BINARIES="kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy"

# node_tool_path NAME -> cached binary of NAME (the delivery tools, plus ours).
node_tool_path() {
  case "$1" in
    coredns) echo "$FIG_DELIVERY_BIN/coredns-$COREDNS_VERSION" ;;
    kube-router) echo "$FIG_DELIVERY_BIN/kube-router-$KUBE_ROUTER_VERSION" ;;
    prometheus) echo "$FIG_DELIVERY_BIN/prometheus-$PROMETHEUS_VERSION" ;;
    jaeger) echo "$FIG_DELIVERY_BIN/jaeger-$JAEGER_VERSION" ;;
    otelcol) echo "$FIG_DELIVERY_BIN/otelcol-$OTELCOL_VERSION" ;;
    *) tool_path "$1" ;;
  esac
}

# --- the node's layout (everything the cluster creates lives under these) ---
NODE_STATE="${FIG_NODE_STATE:-$FIG_DELIVERY_STATE/node}"  # certs, configs, logs, pids, etcd
NODE_VAR=/var/lib/fig-node                                # containerd + kubelet roots, PV data
NODE_RUN=/run/fig-node                                    # containerd state + socket, CNI config
NODE_NAME=fig-node
CONTAINERD_SOCK="$NODE_RUN/containerd.sock"
NODE_BRIDGE=fig-cni0
# The bridge's own, fixed address (locally administered). Without one the
# kernel gives the bridge the lowest address of its ports, which changes
# whenever that pod's veth goes (ADR 0121).
NODE_BRIDGE_MAC=02:66:69:67:00:01
POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1 # the bridge's address: pods reach the apiserver and kubelet here
SERVICE_CIDR=10.97.0.0/16
CLUSTER_DNS=10.97.0.10
ETCD_PORT=23890
ETCD_PEER_PORT=23900
# kind's and kubeadm's port: the live view's and the migrator's NetworkPolicies
# allow egress to it, the port their traffic has after the Service's DNAT.
APISERVER_PORT=6443
KUBELET_PORT=10350
NODE_KUBECONFIG="$NODE_STATE/admin.kubeconfig"
PAUSE_IMAGE=fig.local/pause:catatonit
COREDNS_IMAGE="fig.local/coredns:$COREDNS_VERSION"
# The observability add-on's images, each its binary (build.sh) on an empty
# image, standing in for the upstream image the manifests name (ADR 0517):
# "upstream name=local image", the rename deploy.sh applies.
NODE_TELEMETRY_IMAGES=(
  "prom/prometheus=fig.local/prometheus:$PROMETHEUS_VERSION"
  "jaegertracing/jaeger=fig.local/jaeger:$JAEGER_VERSION"
  "otel/opentelemetry-collector=fig.local/otel-collector:$OTELCOL_VERSION"
)
FIG_IMAGE_TAG="${FIG_IMAGE_TAG:-delivery}"
# The apps whose images the node runs: every app a stage or the platform runs
# (stages.yaml), and the migrator, an exercise component test:cluster deploys
# as k8s/variants/migrator.
NODE_APPS=(frontend gateway monolith store-svc model-svc live-view migrator)
export KUBECONFIG="$NODE_KUBECONFIG"

kc() { "$(tool_path kubectl)" --kubeconfig "$NODE_KUBECONFIG" --request-timeout=60s "$@"; }
ctr_() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

# daemon_start NAME CMD...: CMD in the background once (pid file + log in $NODE_STATE).
daemon_start() {
  local name="$1"
  shift
  local pidf="$NODE_STATE/$name.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then return 0; fi
  setsid nohup "$@" >"$NODE_STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$pidf"
}

# daemon_supervised NAME CMD...: like daemon_start, restarted whenever it exits
# (on a loaded machine a controller can exit on a first etcd time-out).
daemon_supervised() {
  local name="$1"
  shift
  daemon_start "$name" bash -c 'while :; do "$@"; echo "exited with $?; restarting in 2s"; sleep 2; done' "$name" "$@"
}

# daemon_stop NAME [GRACE_SECONDS]: SIGTERM the recorded process group (setsid
# made the pid its leader), SIGKILL after the grace.
daemon_stop() {
  local pidf="$NODE_STATE/$1.pid" grace="${2:-15}" pid
  [ -f "$pidf" ] || return 0
  pid="$(cat "$pidf")"
  kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 2))); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 -- "-$pid" 2>/dev/null || true
  rm -f "$pidf"
}

daemon_alive() { [ -f "$NODE_STATE/$1.pid" ] && kill -0 "$(cat "$NODE_STATE/$1.pid")" 2>/dev/null; }

# wait_for SECONDS DESCRIPTION CMD...: polls CMD once a second.
wait_for() {
  local secs="$1" what="$2"
  shift 2
  for _ in $(seq 1 "$secs"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  log "timed out after ${secs}s waiting for $what"
  return 1
}
