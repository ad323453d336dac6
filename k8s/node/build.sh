#!/usr/bin/env bash
# Build every binary the single-node cluster needs into ~/.cache/fig-delivery/bin.
# Reuses tools/delivery/build-tools.sh for Kubernetes and etcd; adds CoreDNS,
# kube-router, and the observability add-on's Prometheus, Jaeger and OpenTelemetry
# Collector (ADR 0517). Idempotent (cached binaries are skipped). Usage:
#   k8s/node/build.sh [kubernetes|etcd|coredns|kube-router|prometheus|jaeger|otelcol ...]
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

# module_build DEST PKG MODULE@VERSION TAGS LDFLAGS: a program whose module has
# replace directives, which `go install PKG@VERSION` refuses. Built as the Go
# documentation says for that case: a throw-away module that requires it and
# carries the upstream's own replace directives (those to another module
# version; none points into a checkout), then `go build` with no cgo, so the
# binary runs on an empty image.
module_build() {
  local dest="$1" dir rc=0
  [ -x "$dest" ] && return 0
  dir="$(mktemp -d)"
  log "go build $2 (module $3)"
  (cd "$dir" && module_build_in "$@") || rc=$?
  rm -rf "$dir" "$dest.tmp"
  return $rc
}
module_build_in() { # the steps of module_build, in its throw-away directory
  local dest="$1" pkg="$2" modver="$3" tags="$4" ldflags="$5" gomod replaces
  go mod init "fig.local/build-$(basename "$dest")" 2>/dev/null || return 1
  gomod="$(go mod download -json "$modver" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
  [ -n "$gomod" ] || return 1
  replaces="$(go mod edit -json "$gomod" | node -e '
    const { Replace = [] } = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const at = (m) => (m.Version ? `${m.Path}@${m.Version}` : m.Path);
    for (const r of Replace) if (r.New.Version) console.log(`-replace=${at(r.Old)}=${at(r.New)}`);')" || return 1
  # shellcheck disable=SC2086 # one -replace flag per line
  [ -z "$replaces" ] || go mod edit $replaces || return 1
  go get "$pkg@${modver#*@}" || return 1
  CGO_ENABLED=0 go build -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$dest.tmp" "$pkg" || return 1
  mv "$dest.tmp" "$dest"
}

# otelcol_build DEST: the collector by its own builder (ocb), from a manifest
# naming the components collector-config.yaml uses, at the versions the core
# distribution's manifest of that release names, with its build tag.
otelcol_build() {
  local dest="$1" ocb dir
  [ -x "$dest" ] && return 0
  ocb="$FIG_DELIVERY_BIN/ocb-$OTELCOL_CORE_MODULE_VERSION"
  go_install_as "$ocb" "go.opentelemetry.io/collector/cmd/builder@$OTELCOL_CORE_MODULE_VERSION" "" || return 1
  dir="$(mktemp -d)"
  local core="go.opentelemetry.io/collector" contrib="github.com/open-telemetry/opentelemetry-collector-contrib"
  cat >"$dir/builder.yaml" <<YAML
dist:
  name: otelcol
  description: OpenTelemetry Collector (Fig's node stand-in, ADR 0517)
  version: ${OTELCOL_VERSION}
  output_path: $dir/out
  build_tags: grpcnotrace
receivers:
  - gomod: $core/receiver/otlpreceiver $OTELCOL_CORE_MODULE_VERSION
processors:
  - gomod: $core/processor/batchprocessor $OTELCOL_CORE_MODULE_VERSION
  - gomod: $core/processor/memorylimiterprocessor $OTELCOL_CORE_MODULE_VERSION
exporters:
  - gomod: $core/exporter/otlpexporter $OTELCOL_CORE_MODULE_VERSION
extensions:
  - gomod: $contrib/extension/healthcheckextension $OTELCOL_CONTRIB_MODULE_VERSION
providers:
  - gomod: $core/confmap/provider/envprovider $OTELCOL_PROVIDER_MODULE_VERSION
  - gomod: $core/confmap/provider/fileprovider $OTELCOL_PROVIDER_MODULE_VERSION
YAML
  log "ocb: the collector $OTELCOL_VERSION"
  if CGO_ENABLED=0 "$ocb" --config "$dir/builder.yaml" >"$dir/ocb.log" 2>&1 && mv "$dir/out/otelcol" "$dest"; then
    rm -rf "$dir"
  else
    tail -n 20 "$dir/ocb.log" >&2
    rm -rf "$dir"
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
    prometheus)
      timed prometheus module_build "$(node_tool_path prometheus)" github.com/prometheus/prometheus/cmd/prometheus \
        "github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION" netgo \
        "-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}" ;;
    jaeger)
      timed jaeger module_build "$(node_tool_path jaeger)" github.com/jaegertracing/jaeger/cmd/jaeger \
        "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" "" \
        "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=v$JAEGER_VERSION" ;;
    otelcol) timed otelcol otelcol_build "$(node_tool_path otelcol)" ;;
    *) die "unknown tool $1" ;;
  esac
}

main() {
  local tools=("$@") rc=0 t
  [ ${#tools[@]} -eq 0 ] && tools=(kubernetes etcd coredns kube-router otelcol prometheus jaeger)
  for t in "${tools[@]}"; do build_one "$t" || { rc=1; log "build of $t failed"; }; done
  return $rc
}
main "$@"
