#!/usr/bin/env bash
# Build the pinned Go tools from their modules into ~/.cache/fig-delivery/bin.
# Idempotent: a tool whose cached binary exists is skipped. Usage:
#   tools/delivery/build-tools.sh [tool ...]   (default: all)
# Tools: kubeconform kube-score etcd kubernetes istioctl kwok skaffold
# `kubernetes` builds KUBE_BINARIES (default: apiserver, controller-manager,
# scheduler, kubectl); issue 12 adds kubelet/kube-proxy by setting it.
# Times go to ~/.cache/fig-delivery/state/build-times.txt.
# shellcheck source=tools/delivery/lib.sh
. "$(dirname "$0")/lib.sh"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
KUBE_BINARIES="${KUBE_BINARIES:-kube-apiserver kube-controller-manager kube-scheduler kubectl}"
TIMES="$FIG_DELIVERY_STATE/build-times.txt"

timed() { # timed LABEL CMD...
  local label="$1" start rc=0; shift; start=$(date +%s)
  "$@" || rc=$?
  echo "$(date -u +%FT%TZ) $label $(( $(date +%s) - start ))s rc=$rc" >>"$TIMES"
  log "$label: $(( $(date +%s) - start ))s (rc=$rc)"
  return $rc
}

# go_install TOOL PKG VERSION [LDFLAGS]: plain `go install` (go.mod has no replace).
go_install() {
  local tool="$1" pkg="$2" version="$3" ldflags="${4:-}" dest tmp
  dest="$(tool_path "$tool")"; [ -x "$dest" ] && return 0
  tmp="$(mktemp -d)"
  log "go install $pkg@$version"
  # Explicit returns: callers run this in an `||` list, where set -e is off.
  GOBIN="$tmp" go install -ldflags "-s -w $ldflags" "$pkg@$version" || { rm -rf "$tmp"; return 1; }
  mv "$tmp/$(basename "$pkg")" "$dest" || { rm -rf "$tmp"; return 1; }
  rm -rf "$tmp"
}

# upstream_gomod MODULE VERSION: path of the module's go.mod in the module cache.
upstream_gomod() {
  go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p'
}

# wrapper_dir NAME: a throw-away module directory (under the cache, not the repo).
wrapper_dir() {
  local d="$FIG_DELIVERY_SRC/$1"; rm -rf "$d"; mkdir -p "$d"; echo "$d"
}

build_etcd() {
  local dest; dest="$(tool_path etcd)"; [ -x "$dest" ] && return 0
  local d; d="$(wrapper_dir "etcd-$ETCD_VERSION")"
  cat >"$d/main.go" <<'GO'
// Throw-away wrapper: etcd's server module replaces its sibling modules with
// relative paths, so `go install` cannot build it; require them by version.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  {
    echo "module fig.local/etcd-build"; echo; echo "go 1.26"; echo
    echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
    for m in api/v3 client/pkg/v3 client/v3 pkg/v3; do
      echo "replace go.etcd.io/etcd/$m => go.etcd.io/etcd/$m $ETCD_VERSION"
    done
  } >"$d/go.mod"
  (cd "$d" && go build -mod=mod -ldflags "-s -w" -o "$dest" .) || return 1
}

build_kubernetes() {
  local missing=() b
  for b in $KUBE_BINARIES; do [ -x "$(tool_path "$b")" ] || missing+=("$b"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local d gomod minor staging
  d="$FIG_DELIVERY_SRC/kubernetes-$KUBERNETES_VERSION"; mkdir -p "$d"
  staging="v0.${KUBERNETES_VERSION#v1.}"
  if [ ! -f "$d/go.mod" ]; then
    gomod="$(upstream_gomod k8s.io/kubernetes "$KUBERNETES_VERSION")"
    {
      echo "module fig.local/kubernetes-build"; echo; echo "go 1.26"; echo
      echo "require k8s.io/kubernetes $KUBERNETES_VERSION"; echo
      # k8s.io/kubernetes points each staging module at ./staging/src/...;
      # point it at the published module of the same release instead.
      grep -oE 'k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$gomod" | awk '{print $1}' |
        while read -r m; do
          if go mod download "$m@$staging" 2>/dev/null; then
            echo "replace $m => $m $staging"
          else # not published (sample code): an empty stand-in, never imported
            mkdir -p "$d/stub/${m#k8s.io/}"; echo "module $m" >"$d/stub/${m#k8s.io/}/go.mod"
            echo "replace $m => ./stub/${m#k8s.io/}"
          fi
        done
    } >"$d/go.mod.new"
    mv "$d/go.mod.new" "$d/go.mod"
  fi
  minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  for b in "${missing[@]}"; do
    timed "kubernetes:$b" bash -c "cd '$d' && go build -mod=mod -ldflags '$ld' -o '$(tool_path "$b")' k8s.io/kubernetes/cmd/$b"
  done
}

build_skaffold() {
  local dest; dest="$(tool_path skaffold)"; [ -x "$dest" ] && return 0
  local d gomod mod=github.com/GoogleContainerTools/skaffold/v2
  # The checksum database here has no entry for skaffold's own module (404 on
  # lookup); its dependencies are still verified against it.
  export GONOSUMDB=github.com/GoogleContainerTools/skaffold
  d="$(wrapper_dir "skaffold-$SKAFFOLD_VERSION")"
  gomod="$(upstream_gomod "$mod" "$SKAFFOLD_VERSION")"
  [ -f "$gomod" ] || { log "cannot download $mod@$SKAFFOLD_VERSION"; return 1; }
  {
    echo "module fig.local/skaffold-build"; echo; echo "go 1.26"; echo
    echo "require $mod $SKAFFOLD_VERSION"; echo
    # skaffold's go.mod pins some dependencies by replace/exclude; a dependent
    # module only gets them by copying them.
    grep -E '^(replace|exclude) ' "$gomod"
  } >"$d/go.mod"
  (cd "$d" && go build -mod=mod -ldflags "-s -w -X $mod/pkg/skaffold/version.version=$SKAFFOLD_VERSION" -o "$dest" "$mod/cmd/skaffold")
}

build_one() {
  case "$1" in
    kubeconform) timed kubeconform go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" ;;
    kube-score) timed kube-score go_install kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION" "-X main.version=$KUBE_SCORE_VERSION" ;;
    istioctl) timed istioctl go_install istioctl istio.io/istio/istioctl/cmd/istioctl "$ISTIO_MODULE_VERSION" "-X istio.io/istio/pkg/version.buildVersion=$ISTIO_LABEL" ;;
    etcd) timed etcd build_etcd ;;
    kubernetes) build_kubernetes ;;
    kwok)
      timed kwok go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"
      timed kwokctl go_install kwokctl sigs.k8s.io/kwok/cmd/kwokctl "$KWOK_VERSION" "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" ;;
    skaffold) timed skaffold build_skaffold ;;
    *) die "unknown tool $1" ;;
  esac
}

main() {
  local tools=("$@") rc=0
  [ ${#tools[@]} -eq 0 ] && tools=(kubeconform kube-score etcd kubernetes istioctl kwok skaffold)
  for t in "${tools[@]}"; do build_one "$t" || { rc=1; log "build of $t failed"; }; done
  return $rc
}
main "$@"
