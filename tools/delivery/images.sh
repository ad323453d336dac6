#!/usr/bin/env bash
# Build every service image with the project's Dockerfile on the local engine,
# from the stand-in base images (labelled as such), and report size and layers.
#   tools/delivery/images.sh [app ...]     (default: every app in apps/)
# Images are tagged fig-<app>:delivery. The report goes to stdout and to
# ~/.cache/fig-delivery/state/images.tsv (app, bytes, layers, base, build time, gzipped bytes).
# shellcheck source=tools/delivery/lib.sh
. "$(dirname "$0")/lib.sh"
. "$DELIVERY_DIR/engine-lib.sh"
IMAGE_TAG="${FIG_IMAGE_TAG:-delivery}"

# The apps the project's Dockerfile builds: every app without a recipe of its
# own. apps/model-svc (Python) has its own Dockerfile on a distroless Python
# base, for which no stand-in is built yet, so it is not built here.
all_apps() {
  local dir
  for dir in "$REPO_ROOT"/apps/*/; do
    [ -f "$dir/Dockerfile" ] || basename "$dir"
  done
}

main() {
  local apps=("$@"); [ ${#apps[@]} -gt 0 ] || mapfile -t apps < <(all_apps)
  engine_start
  local standins; standins="$("$DELIVERY_DIR/standins.sh")"
  local build_image runtime_image
  build_image="$(sed -n 's/^BUILD_IMAGE=//p' <<<"$standins")"
  runtime_image="$(sed -n 's/^RUNTIME_IMAGE=//p' <<<"$standins")"
  local report="$FIG_DELIVERY_STATE/images.tsv" app start
  : >"$report.new"
  for app in "${apps[@]}"; do
    start=$(date +%s)
    log "docker build APP=$app (base images: STAND-INS $build_image, $runtime_image)"
    docker_ build --progress=plain \
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
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$size" "$layers" "stand-in:$runtime_image" "$(($(date +%s) - start))s" "$gz" >>"$report.new"
  done
  mv "$report.new" "$report"
  print_report "$report"
}

print_report() {
  local base_bytes
  base_bytes="$(docker_ image inspect -f '{{.Size}}' "$(cut -f4 "$1" | head -1 | sed 's/^stand-in://')")"
  printf '%-14s %9s %11s %7s %11s  %s\n' image size gzipped layers "above base" "base (a STAND-IN, not the real distroless image)"
  while IFS=$'\t' read -r app size layers base took gz; do
    printf '%-14s %7.1fMB %9.1fMB %7s %9.1fMB  %s (built in %s)\n' "fig-$app" "$(echo "$size/1000000" | bc -l)" \
      "$(echo "$gz/1000000" | bc -l)" "$layers" "$(echo "($size-$base_bytes)/1000000" | bc -l)" "${base#stand-in:}" "$took"
  done <"$1"
}

main "$@"
