#!/usr/bin/env bash
# Build every service image with its Dockerfile on the local engine, from the
# stand-in base images (labelled as such), and report size and layers.
#   tools/delivery/images.sh [app ...]     (default: every app in apps/)
# The Node apps are built by the project's Dockerfile (ADR 0101) on the Node
# stand-ins; an app with a recipe of its own (apps/model-svc/Dockerfile,
# Python, ADR 0114) by that file on the Python stand-ins.
# Images are tagged fig-<app>:delivery. The report goes to stdout and to
# ~/.cache/fig-delivery/state/images.tsv (app, bytes, layers, base, build time,
# gzipped bytes, Dockerfile).
# shellcheck source=tools/delivery/lib.sh
. "$(dirname "$0")/lib.sh"
. "$DELIVERY_DIR/engine-lib.sh"
IMAGE_TAG="${FIG_IMAGE_TAG:-delivery}"

all_apps() {
  local dir
  for dir in "$REPO_ROOT"/apps/*/; do basename "$dir"; done
}

# recipe APP -> the Dockerfile that builds it, relative to the repository.
recipe() { if [ -f "$REPO_ROOT/apps/$1/Dockerfile" ]; then echo "apps/$1/Dockerfile"; else echo Dockerfile; fi; }

main() {
  local apps=("$@"); [ ${#apps[@]} -gt 0 ] || mapfile -t apps < <(all_apps)
  engine_start
  local standins; standins="$("$DELIVERY_DIR/standins.sh")"
  local report="$FIG_DELIVERY_STATE/images.tsv" app start dockerfile build_image runtime_image
  : >"$report.new"
  for app in "${apps[@]}"; do
    start=$(date +%s)
    dockerfile="$(recipe "$app")"
    if [ "$dockerfile" = Dockerfile ]; then
      build_image="$(sed -n 's/^BUILD_IMAGE=//p' <<<"$standins")"
      runtime_image="$(sed -n 's/^RUNTIME_IMAGE=//p' <<<"$standins")"
    else
      # A recipe of its own is model-svc's Python one; fail loudly on anything else.
      grep -q '^ARG RUNTIME_IMAGE=gcr.io/distroless/python3-' "$REPO_ROOT/$dockerfile" ||
        die "$dockerfile: no stand-ins for its base images (only distroless python3 has some)"
      build_image="$(sed -n 's/^PYTHON_BUILD_IMAGE=//p' <<<"$standins")"
      runtime_image="$(sed -n 's/^PYTHON_RUNTIME_IMAGE=//p' <<<"$standins")"
    fi
    log "docker build -f $dockerfile APP=$app (base images: STAND-INS $build_image, $runtime_image)"
    docker_ build --progress=plain -f "$REPO_ROOT/$dockerfile" \
      --build-arg "APP=$app" --build-arg "BUILD_IMAGE=$build_image" \
      --build-arg "RUNTIME_IMAGE=$runtime_image" --build-arg "VERSION=$IMAGE_TAG" \
      -t "fig-$app:$IMAGE_TAG" "$REPO_ROOT" >"$FIG_DELIVERY_STATE/build-$app.log" 2>&1 ||
      { tail -n 40 "$FIG_DELIVERY_STATE/build-$app.log" >&2; die "image build of $app failed"; }
    local size layers gz
    size="$(docker_ image inspect -f '{{.Size}}' "fig-$app:$IMAGE_TAG")"
    layers="$(docker_ image inspect -f '{{len .RootFS.Layers}}' "fig-$app:$IMAGE_TAG")"
    # What a registry would store and a node would pull: the gzipped layers.
    # Measured once per image ID: gzip of ~160 MB is slow on busy cores.
    local id; id="$(docker_ image inspect -f '{{.Id}}' "fig-$app:$IMAGE_TAG" | cut -d: -f2)"
    mkdir -p "$FIG_DELIVERY_STATE/gzipped"
    [ -s "$FIG_DELIVERY_STATE/gzipped/$id" ] ||
      docker_ save "fig-$app:$IMAGE_TAG" | gzip -6 | wc -c >"$FIG_DELIVERY_STATE/gzipped/$id"
    gz="$(cat "$FIG_DELIVERY_STATE/gzipped/$id")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$size" "$layers" "stand-in:$runtime_image" \
      "$(($(date +%s) - start))s" "$gz" "$dockerfile" >>"$report.new"
  done
  mv "$report.new" "$report"
  print_report "$report"
}

print_report() {
  printf '%-14s %9s %11s %7s %11s  %s\n' image size gzipped layers "above base" "base (a STAND-IN, not the real distroless image)"
  local app size layers base took gz base_bytes
  while IFS=$'\t' read -r app size layers base took gz _; do
    base_bytes="$(docker_ image inspect -f '{{.Size}}' "${base#stand-in:}")"
    printf '%-14s %7.1fMB %9.1fMB %7s %9.1fMB  %s (built in %s)\n' "fig-$app" "$(echo "$size/1000000" | bc -l)" \
      "$(echo "$gz/1000000" | bc -l)" "$layers" "$(echo "($size-$base_bytes)/1000000" | bc -l)" "${base#stand-in:}" "$took"
  done <"$1"
}

main "$@"
