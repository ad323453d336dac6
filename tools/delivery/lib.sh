# shellcheck shell=bash
# Shared helpers for tools/delivery/*.sh (sourced, not run).
# Issue 12 reuses these: tool paths, the engine, image names, results.
set -euo pipefail
DELIVERY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export REPO_ROOT
REPO_ROOT="$(cd "$DELIVERY_DIR/../.." && pwd)"
# shellcheck source=tools/delivery/versions.env
. "$DELIVERY_DIR/versions.env"
FIG_DELIVERY_CACHE="${FIG_DELIVERY_CACHE:-$HOME/.cache/fig-delivery}"
FIG_DELIVERY_BIN="$FIG_DELIVERY_CACHE/bin"
FIG_DELIVERY_SRC="$FIG_DELIVERY_CACHE/src"
FIG_DELIVERY_STATE="${FIG_DELIVERY_STATE:-$FIG_DELIVERY_CACHE/state}"
mkdir -p "$FIG_DELIVERY_BIN" "$FIG_DELIVERY_SRC" "$FIG_DELIVERY_STATE"

log() { printf '[delivery %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# tool_path NAME -> the cached binary for the pinned version of NAME.
tool_path() {
  case "$1" in
    kubeconform) echo "$FIG_DELIVERY_BIN/kubeconform-$KUBECONFORM_VERSION" ;;
    kube-score) echo "$FIG_DELIVERY_BIN/kube-score-$KUBE_SCORE_VERSION" ;;
    istioctl) echo "$FIG_DELIVERY_BIN/istioctl-$ISTIO_LABEL" ;;
    etcd) echo "$FIG_DELIVERY_BIN/etcd-$ETCD_VERSION" ;;
    kube-apiserver | kubectl | kube-controller-manager | kube-scheduler | kubelet | kube-proxy)
      echo "$FIG_DELIVERY_BIN/$1-$KUBERNETES_VERSION" ;;
    skaffold) echo "$FIG_DELIVERY_BIN/skaffold-$SKAFFOLD_VERSION" ;;
    kwok | kwokctl) echo "$FIG_DELIVERY_BIN/$1-$KWOK_VERSION" ;;
    *) die "unknown tool $1" ;;
  esac
}

# Results: every check calls pass/fail; summary prints "N passed, N failed".
RESULTS_FILE="${RESULTS_FILE:-$FIG_DELIVERY_STATE/results.txt}"
pass() { echo "PASS $*" >>"$RESULTS_FILE"; printf '  \033[32mPASS\033[0m %s\n' "$*"; }
fail() { echo "FAIL $*" >>"$RESULTS_FILE"; printf '  \033[31mFAIL\033[0m %s\n' "$*"; }
# check NAME CMD...: runs CMD, records pass/fail by its exit code, keeps its output.
check() {
  local name="$1"; shift
  local out
  out="$FIG_DELIVERY_STATE/logs/$(echo "$name" | tr -c 'A-Za-z0-9_.-' '_').log"
  mkdir -p "$FIG_DELIVERY_STATE/logs"
  if "$@" >"$out" 2>&1; then pass "$name"; else fail "$name (log: $out)"; tail -n 30 "$out" | sed 's/^/      /'; fi
}
