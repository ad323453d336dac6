# shellcheck shell=bash
# The skaffold section of test:delivery (sourced by test-delivery.sh):
# diagnose and render every profile with and without FIG_STAGE, build with the
# local engine, then `skaffold run -p <stage>` against a kwok cluster whose
# etcd, kube-apiserver, controller-manager and scheduler are the ones built
# here, so skaffold's build → tag → render → deploy → status-check path runs.

# Every stage of the catalogue (stages.yaml) is a skaffold profile of the same name.
mapfile -t SKAFFOLD_STAGES < <(node "$BUILD/stages.cjs" ids)
SKAFFOLD_ADDONS=(istio observability istio-observability)

skaffold_() { # skaffold with the engine's 20.10 client first on the PATH (BuildKit builds)
  local shim="$RUN_DIR/shim"
  mkdir -p "$shim"
  rm -f "$shim/docker" # never write through an old symlink to the real client
  # skaffold 2.x passes buildx's --load to `docker build`; docker 20.10's
  # built-in BuildKit has no such flag and loads the image anyway.
  printf '#!/usr/bin/env bash\nargs=()\nfor a in "$@"; do [ "$a" = --load ] || args+=("$a"); done\nexec %q "${args[@]}"\n' "$DOCKER" >"$shim/docker"
  chmod +x "$shim/docker"
  ln -sf "$(kubectl_bin)" "$shim/kubectl"
  (cd "$REPO_ROOT" && PATH="$shim:$PATH" SKAFFOLD_UPDATE_CHECK=false SKAFFOLD_INTERACTIVE=false \
    "$(tool_path skaffold)" "$@")
}

skaffold_stage() { # skaffold_stage FIG_STAGE|"" ARGS...: skaffold with FIG_STAGE set or unset
  local stage="$1"; shift
  (if [ -n "$stage" ]; then export FIG_STAGE="$stage"; else unset FIG_STAGE; fi; skaffold_ "$@")
}

count_objects() { grep -c '^kind: ' "$1" || true; }

# skaffold.yaml with the stand-in base images as build arguments (ADR 0112),
# git-ignored, next to skaffold.yaml so relative paths resolve alike.
SKAFFOLD_STANDIN_CONFIG="$REPO_ROOT/.skaffold-delivery.yaml"
skaffold_standin_config() {
  local standins build_image runtime_image
  standins="$("$DELIVERY_DIR/standins.sh" 2>/dev/null)"
  build_image="$(sed -n 's/^BUILD_IMAGE=//p' <<<"$standins")"; runtime_image="$(sed -n 's/^RUNTIME_IMAGE=//p' <<<"$standins")"
  node "$BUILD/skaffold-config.cjs" "$REPO_ROOT/skaffold.yaml" "$SKAFFOLD_STANDIN_CONFIG" "$build_image" "$runtime_image" \
    "$(sed -n 's/^PYTHON_BUILD_IMAGE=//p' <<<"$standins")" "$(sed -n 's/^PYTHON_RUNTIME_IMAGE=//p' <<<"$standins")"
}

sec_skaffold_static() {
  section "skaffold $SKAFFOLD_VERSION: diagnose and render every profile"
  # diagnose reads each artifact's base image (ONBUILD): with the real
  # defaults that needs a registry, so it reads the stand-in copy; render
  # reads skaffold.yaml itself.
  echo "    diagnose reads $SKAFFOLD_STANDIN_CONFIG (base images: STAND-INS); render reads skaffold.yaml"
  local p s dcfg=(-f "$SKAFFOLD_STANDIN_CONFIG")
  check "skaffold diagnose (default profile)" skaffold_ diagnose "${dcfg[@]}"
  for p in "${SKAFFOLD_STAGES[@]}"; do
    check "skaffold diagnose -p $p" skaffold_ diagnose "${dcfg[@]}" -p "$p"
    skaffold_render_matches "$p" "" "$p"
  done
  for p in "${SKAFFOLD_ADDONS[@]}"; do
    check "skaffold diagnose -p $p (FIG_STAGE unset)" skaffold_ diagnose "${dcfg[@]}" -p "$p"
    skaffold_render_matches "$p" "" "${DEFAULT_STAGE}_$p"
    for s in "${SKAFFOLD_STAGES[@]}"; do
      check "skaffold diagnose -p $p with FIG_STAGE=$s" skaffold_stage "$s" diagnose "${dcfg[@]}" -p "$p"
      skaffold_render_matches "$p" "$s" "${s}_$p"
    done
  done
}

# skaffold render -p PROFILE [FIG_STAGE] must give the objects our render of that target has.
skaffold_render_matches() {
  local p="$1" stage="$2" slug="$3" out="$RUN_DIR/skaffold-render-$1-${2:-default}.yaml"
  if skaffold_stage "$stage" render -p "$p" --offline=true --digest-source=none --output "$out" >"$out.log" 2>&1; then
    local ours theirs
    ours="$(count_objects "$RUN_DIR/rendered/$slug.yaml")"; theirs="$(count_objects "$out")"
    if [ "$ours" = "$theirs" ] && [ "$theirs" -gt 0 ]; then
      pass "skaffold render -p $p${stage:+ FIG_STAGE=$stage}: $theirs objects, as rendered for $slug"
    else
      fail "skaffold render -p $p${stage:+ FIG_STAGE=$stage}: $theirs objects, $ours expected ($slug)"
    fi
  else
    fail "skaffold render -p $p${stage:+ FIG_STAGE=$stage} (log: $out.log)"
  fi
}

KWOK_CLUSTER=fig-delivery
kwok_env() {
  export KWOK_RUNTIME=binary KWOK_KUBE_VERSION="$KUBERNETES_VERSION"
  export KWOK_KUBE_APISERVER_BINARY KWOK_KUBE_CONTROLLER_MANAGER_BINARY KWOK_KUBE_SCHEDULER_BINARY
  export KWOK_CONTROLLER_BINARY KWOK_ETCD_BINARY KWOK_KUBECTL_BINARY
  KWOK_KUBE_APISERVER_BINARY="$(tool_path kube-apiserver)"
  KWOK_KUBE_CONTROLLER_MANAGER_BINARY="$(tool_path kube-controller-manager)"
  KWOK_KUBE_SCHEDULER_BINARY="$(tool_path kube-scheduler)"
  KWOK_CONTROLLER_BINARY="$(tool_path kwok)"
  KWOK_ETCD_BINARY="$(tool_path etcd)"
  KWOK_KUBECTL_BINARY="$(tool_path kubectl)"
}

sec_skaffold_run() {
  section "skaffold build with dockerd, then skaffold run -p <stage> against kwok (apiserver/etcd/controllers built here)"
  local t; for t in kwok kwokctl kube-controller-manager kube-scheduler kubectl; do need "$t" "skaffold run on kwok" || return 0; done
  local cfg="$SKAFFOLD_STANDIN_CONFIG"
  check "skaffold build (every artifact, base images: STAND-INS) on dockerd" \
    skaffold_ build -f "$cfg" --file-output "$RUN_DIR/skaffold-build.json"

  kwok_env
  local kwokctl; kwokctl="$(tool_path kwokctl)"
  "$kwokctl" delete cluster --name "$KWOK_CLUSTER" >/dev/null 2>&1 || true
  if ! "$kwokctl" create cluster --name "$KWOK_CLUSTER" --kubeconfig "$RUN_DIR/kwok.kubeconfig" --wait 120s >"$RUN_DIR/kwok.log" 2>&1; then
    tail -n 30 "$RUN_DIR/kwok.log"; fail "kwokctl create cluster (log: $RUN_DIR/kwok.log)"; return 0
  fi
  KWOK_UP=1
  pass "kwok cluster up: $(KUBECONFIG="$RUN_DIR/kwok.kubeconfig" "$(kubectl_bin)" version -o json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log("kube-apiserver "+JSON.parse(s).serverVersion.gitVersion))')"
  local k=("$(kubectl_bin)" --kubeconfig "$RUN_DIR/kwok.kubeconfig")
  check "kwok: two fake nodes" "$kwokctl" scale node --name "$KWOK_CLUSTER" --replicas 2
  local p
  for p in "${SKAFFOLD_STAGES[@]}"; do
    # Redis's claim needs a volume to bind to; kwok has no provisioner, and a
    # volume released by the previous stage's delete does not bind again.
    "${k[@]}" apply -f - >/dev/null <<PV
apiVersion: v1
kind: PersistentVolume
metadata: { name: fig-delivery-redis-data-$p }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  hostPath: { path: /tmp/fig-delivery-redis-data }
PV
    check "skaffold run -p $p on kwok: build, tag, render, deploy, status check" \
      env KUBECONFIG="$RUN_DIR/kwok.kubeconfig" bash -c "cd '$REPO_ROOT' && PATH='$RUN_DIR/shim':\$PATH SKAFFOLD_UPDATE_CHECK=false '$(tool_path skaffold)' run -f '$cfg' -p $p --status-check=true --port-forward=off"
    "${k[@]}" -n fig get deploy,statefulset,pods -o wide >"$RUN_DIR/kwok-$p.txt" 2>&1 || true
    # Next stage from a clean namespace: skaffold delete removes what it deployed.
    env KUBECONFIG="$RUN_DIR/kwok.kubeconfig" bash -c "cd '$REPO_ROOT' && PATH='$RUN_DIR/shim':\$PATH '$(tool_path skaffold)' delete -f '$cfg' -p $p" >/dev/null 2>&1 || true
  done
  "$kwokctl" delete cluster --name "$KWOK_CLUSTER" >/dev/null 2>&1 || true
  # shellcheck disable=SC2034 # read by cleanup in test-delivery.sh
  KWOK_UP=
}

sec_skaffold() {
  need skaffold "skaffold" || return 0
  skaffold_standin_config | record
  sec_skaffold_static
  sec_skaffold_run
}
