#!/usr/bin/env bash
# Build every binary the single-node cluster needs into ~/.cache/fig-delivery/bin.
# Reuses tools/delivery/build-tools.sh for Kubernetes and etcd; adds CoreDNS and
# kube-router. Idempotent (cached binaries are skipped). Usage:
#   k8s/node/build.sh [kubernetes|etcd|coredns|kube-router ...]
set -euo pipefail
NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=k8s/node/node-lib.sh
. "$NODE_DIR/node-lib.sh"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
TIMES="$FIG_DELIVERY_STATE/build-times.txt"

timed() { # timed LABEL CMD...
  local label="$1" start rc=0
  shift
  start=$(date +%s)
  "$@" || rc=$?
  echo "$(date -u +%FT%TZ) $label $(($(date +%s) - start))s rc=$rc" >>"$TIMES"
  log "$label: $(($(date +%s) - start))s (rc=$rc)"
  return $rc
}

# go_install_as DEST PKG@VERSION LDFLAGS: `go install` into a temp GOBIN, then
# move the one binary it produced to DEST.
go_install_as() {
  local dest="$1" pkg="$2" ldflags="$3" tmp
  [ -x "$dest" ] && return 0
  tmp="$(mktemp -d)"
  log "go install $pkg"
  if GOBIN="$tmp" go install -ldflags "-s -w $ldflags" "$pkg" && mv "$tmp"/* "$dest"; then
    rm -rf "$tmp"
  else
    rm -rf "$tmp"
    return 1
  fi
}

build_one() {
  case "$1" in
    kubernetes) KUBE_BINARIES="$NODE_KUBE_BINARIES" bash "$REPO_ROOT/tools/delivery/build-tools.sh" kubernetes ;;
    etcd) bash "$REPO_ROOT/tools/delivery/build-tools.sh" etcd ;;
    coredns)
      timed coredns go_install_as "$(node_tool_path coredns)" "github.com/coredns/coredns@$COREDNS_VERSION" \
        "-X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" ;;
    kube-router)
      timed kube-router go_install_as "$(node_tool_path kube-router)" \
        "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION" "" ;;
    *) die "unknown tool $1" ;;
  esac
}

main() {
  local tools=("$@") rc=0 t
  [ ${#tools[@]} -eq 0 ] && tools=(kubernetes etcd coredns kube-router)
  for t in "${tools[@]}"; do build_one "$t" || { rc=1; log "build of $t failed"; }; done
  return $rc
}
main "$@"
