#!/usr/bin/env bash
# `npm run test:cluster`: Fig on a real single-node Kubernetes cluster built
# from its components here (k8s/node/up.sh): every stage overlay deployed and
# rolled out, the deployed e2e suite through the `fig` Service's NodePort
# (127.0.0.1:30080) checking who served the page, then on stage 3 a rolling
# restart, pod kills and the frontend's in-place v1 -> v2 under steady load.
# Before each stage's e2e, the workshop's cluster-track checks that start from it,
# each NOT YET then PASS around the doc's steps (k8s/node/workshop.ts, ADR 0516).
# NetworkPolicies are enforced from the start by kube-router's policy controller,
# and stage 3 probes edges they allow and forbid (ADR 0122). Tears everything
# down (k8s/node/down.sh) at the end.
# Prints a table of set-up, rollout and e2e times, then "N passed, N failed".
#   FIG_CLUSTER_STAGES="stage-3-frontend" limits the stages (for iterating; default: all of stages.yaml,
#   then the migrator variant; FIG_CLUSTER_MIGRATOR=1 adds that to a narrowed run).
set -uo pipefail
NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=k8s/node/node-lib.sh
. "$NODE_DIR/node-lib.sh"
set +e
RUN_DIR="$NODE_STATE/../node-run"
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
RESULTS_FILE="$RUN_DIR/results.txt"
: >"$RESULTS_FILE"
export RESULTS_FILE
TABLE="$RUN_DIR/table.txt"
: >"$TABLE"
BASE_URL=http://127.0.0.1:30080
# Every stage of the catalogue, in its order.
STAGES="${FIG_CLUSTER_STAGES:-$(sed -n 's/^  - id: \(stage-[a-z0-9-]*\)$/\1/p' "$REPO_ROOT/stages.yaml" | tr '\n' ' ')}"
BUILD="$REPO_ROOT/node_modules/.cache/fig-node"
row() { printf '%-44s %9s  %s\n' "$1" "$2" "$3" | tee -a "$TABLE" >/dev/null; }
record() { local l; while IFS= read -r l; do case "$l" in PASS\ *) pass "${l#PASS }" ;; FAIL\ *) fail "${l#FAIL }" ;; esac; done; }

dump() { # pods, events and logs, for a failure
  kc get pods -A -o wide
  kc -n fig get events --sort-by=.lastTimestamp | tail -n 30
  local p
  for p in $(kc -n fig get pods -o name 2>/dev/null); do kc -n fig logs "$p" --all-containers --tail=30 2>&1 | sed "s|^|$p: |"; done
}

cleanup() {
  echo "== teardown"
  if bash "$NODE_DIR/down.sh" >"$RUN_DIR/down.log" 2>&1; then pass "teardown: no process, mount, netns, bridge or iptables rule left"; else
    cat "$RUN_DIR/down.log"; fail "teardown left something behind (log: $RUN_DIR/down.log)"; fi
  echo
  printf '%-44s %9s  %s\n' "step" "seconds" "result"
  cat "$TABLE"
  local passed failed
  passed="$(grep -c '^PASS' "$RESULTS_FILE")"
  failed="$(grep -c '^FAIL' "$RESULTS_FILE")"
  [ "$failed" -eq 0 ] || grep '^FAIL' "$RESULTS_FILE" | sed 's/^/  /'
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}
trap cleanup EXIT

echo "== binaries (k8s/node/build.sh; cached in $FIG_DELIVERY_BIN)"
t=$(date +%s)
if nice -n 10 bash "$NODE_DIR/build.sh" >"$RUN_DIR/build.log" 2>&1; then pass "binaries built or cached"; else tail -n 20 "$RUN_DIR/build.log"; fail "binary builds (log: $RUN_DIR/build.log)"; exit 1; fi
row "build/cached binaries" "$(($(date +%s) - t))" ok
(cd "$REPO_ROOT" && npx esbuild k8s/node/scenario.ts --bundle --platform=node --target=node20 \
  --outfile="$BUILD/scenario.cjs" --log-level=warning) || fail "bundle k8s/node/scenario.ts"
# The workshop's checks, whose cluster tracks the scenarios run against the node.
(cd "$REPO_ROOT" && node tools/build/bundle.mjs --tools >/dev/null) || fail "bundle the workshop's checks"
# Exercise 15 runs the monolith on the host, beside the node, from its bundle.
(cd "$REPO_ROOT" && NX_DAEMON=false npx nx run monolith:build >"$RUN_DIR/monolith-build.log" 2>&1) ||
  fail "build the monolith for exercise 15 (log: $RUN_DIR/monolith-build.log)"

echo "== cluster: etcd, kube-apiserver, controller-manager, scheduler, containerd, kubelet, kube-proxy, CoreDNS"
bash "$NODE_DIR/down.sh" >/dev/null 2>&1 # a previous run's leftovers
t=$(date +%s)
if bash "$NODE_DIR/up.sh" >"$RUN_DIR/up.log" 2>&1; then
  pass "node $NODE_NAME Ready ($(kc get node "$NODE_NAME" -o jsonpath='{.status.nodeInfo.kubeletVersion}, {.status.nodeInfo.containerRuntimeVersion}, {.status.nodeInfo.osImage}')), CoreDNS ready"
  row "cluster set-up (incl. image import)" "$(($(date +%s) - t))" ok
else
  tail -n 40 "$RUN_DIR/up.log"
  fail "cluster set-up (log: $RUN_DIR/up.log)"
  row "cluster set-up" "$(($(date +%s) - t))" FAILED
  exit 1
fi
# The Service range leads to Services only (up.sh, ADR 0518): an address of it
# that no Service holds is refused on the node, not answered by whatever the
# host's default route reaches (here, a network that accepts every connection).
unheld="$(cut -d. -f1,2 <<<"$SERVICE_CIDR").255.254" # SERVICE_CIDR is a /16
if kc get svc -A -o jsonpath='{.items[*].spec.clusterIP}' | grep -qw "$unheld"; then
  fail "Service range: $unheld is held by a Service; pick another address to probe"
else
  verdict="$(node -e '
    const s = require("net").connect(4317, process.argv[1]);
    s.setTimeout(3000, () => { console.log("timeout"); process.exit(1); });
    s.on("connect", () => { console.log("connected"); process.exit(0); });
    s.on("error", (e) => { console.log(e.code); process.exit(1); });' "$unheld")"
  if [ "$verdict" = ENETUNREACH ]; then pass "Service range: $unheld:4317, held by no Service, is unreachable ($verdict)"
  else fail "Service range: $unheld:4317, held by no Service, was not refused: $verdict"; fi
fi
# Every stage below runs with its NetworkPolicies enforced: an edge the
# architecture uses and a policy forgot fails that stage's e2e suite.
t=$(date +%s)
bash "$NODE_DIR/netpol.sh" install 2>&1 | tee "$RUN_DIR/netpol.log" | record
row "NetworkPolicy controller (kube-router)" "$(($(date +%s) - t))" "$(grep -q '^PASS' "$RUN_DIR/netpol.log" && echo ok || echo FAILED)"

# live_view OVERLAY: the stage's live view, read through the API server's
# service proxy, names the stage, lists every Deployment of the namespace and
# reports no source it cannot read: its Role, its NetworkPolicy (egress to the
# API server and the gateway's ops port) and its informers work on a real cluster.
live_view() {
  local want doc verdict
  want="$(kc -n fig get deploy -o jsonpath='{.items[*].metadata.name}')"
  for _ in $(seq 1 30); do
    doc="$(kc -n fig get --raw /api/v1/namespaces/fig/services/live-view:http/proxy/api/view 2>&1)"
    # shellcheck disable=SC2016 # JavaScript's template literals, not the shell's
    verdict="$(node -e '
      const [doc, want] = [process.argv[1], process.argv[2].split(" ")];
      try {
        const v = JSON.parse(doc);
        const have = new Set((v.cluster?.deployments ?? []).map((d) => d.name));
        const missing = want.filter((d) => !have.has(d));
        const problems = (v.problems ?? []).map((p) => `${p.source}: ${p.message}`);
        if (missing.length || problems.length)
          console.log(`missing ${missing.join(",") || "none"}; problems: ${problems.join("; ") || "none"}`);
        else console.log(`ok: ${v.stage}, ${have.size} Deployments, ${v.cluster.pods.length} pods, gateway ${v.gateway ? "read" : "none"}`);
      } catch { console.log(`no document: ${doc.slice(0, 200)}`); }' "$doc" "$want")"
    case "$verdict" in ok:*) break ;; esac
    sleep 2
  done
  case "$verdict" in
    ok:*) pass "$1: the live view sees the cluster (${verdict#ok: })" ;;
    *) fail "$1: the live view, after 60 s: $verdict" ;;
  esac
}

deploy_stage() { # deploy_stage OVERLAY (a stage id, or variants/<name>)
  local overlay="$1" secs name="${1//\//-}" # name: for file names
  echo "== $overlay"
  if secs="$(bash "$NODE_DIR/deploy.sh" "$overlay" 2>"$RUN_DIR/deploy-$name.log")"; then
    pass "$overlay: every Deployment and the StatefulSet rolled out (${secs}s)"
    row "$overlay rollout" "$secs" ok
  else
    tail -n 20 "$RUN_DIR/deploy-$name.log"
    dump >"$RUN_DIR/dump-$name.txt" 2>&1
    fail "$overlay rollout (log: $RUN_DIR/deploy-$name.log, dump: $RUN_DIR/dump-$name.txt)"
    row "$overlay rollout" "-" FAILED
    return 1
  fi
}

e2e_stage() { # e2e_stage OVERLAY PAGE-SERVICE
  local overlay="$1" page="$2" t name="${1//\//-}"
  t=$(date +%s)
  if (cd "$REPO_ROOT" && E2E_BASE_URL="$BASE_URL" E2E_PAGE_SERVICE="$page" timeout 600 npm run e2e:deployed --silent) >"$RUN_DIR/e2e-$name.log" 2>&1; then
    pass "$overlay: deployed e2e through the fig Service, page served by $page ($(grep -E '^Tests:' "$RUN_DIR/e2e-$name.log" | tr -s ' '))"
    row "$overlay e2e" "$(($(date +%s) - t))" "$(grep -E '^Tests:' "$RUN_DIR/e2e-$name.log" | tr -s ' ')"
  else
    tail -n 40 "$RUN_DIR/e2e-$name.log"
    dump >"$RUN_DIR/dump-$name.txt" 2>&1
    fail "$overlay: deployed e2e (log: $RUN_DIR/e2e-$name.log)"
    row "$overlay e2e" "$(($(date +%s) - t))" "FAILED $(grep -E '^Tests:' "$RUN_DIR/e2e-$name.log" | tr -s ' ')"
  fi
  live_view "$overlay"
}

scenario() { # scenario rolling|kill|handover|migrate | workshop STAGE
  local t out keep keeper what="$1${2:+ $2}"
  t=$(date +%s)
  out="$RUN_DIR/scenario-$1${2:+-$2}.log"
  # Every container's log, hard-linked as it appears: the kubelet deletes a
  # replaced pod's logs, and the pods that answered a failure are often gone.
  keep="$RUN_DIR/pod-logs-$1-$s"
  mkdir -p "$keep"
  (while :; do cp -al -n "$NODE_VAR/pod-logs/." "$keep/" 2>/dev/null; sleep 0.5; done) &
  keeper=$!
  (cd "$REPO_ROOT" && KUBECTL="$(tool_path kubectl)" CONTAINERD_SOCK="$CONTAINERD_SOCK" NODE_BRIDGE="$NODE_BRIDGE" timeout 900 node "$BUILD/scenario.cjs" "$1" "$BASE_URL" ${2:+"$2"}) >"$out" 2>&1
  kill "$keeper"
  wait "$keeper" 2>/dev/null
  record <"$out"
  grep -E "^(rollout|failure|load):" "$out" | sed "s/^/    /"
  if grep -q '^FAIL' "$out"; then
    # What the cluster saw meanwhile: restarts, readiness flips, and each pod's last words.
    dump >"$RUN_DIR/dump-$1-$s.txt" 2>&1
    echo "    pods after the scenario (dump: $RUN_DIR/dump-$1-$s.txt, logs: $keep):"
    kc -n fig get pods --no-headers -o custom-columns='NAME:.metadata.name,READY:.status.containerStatuses[0].ready,RESTARTS:.status.containerStatuses[0].restartCount' | sed 's/^/      /'
    kc -n fig get events --no-headers --field-selector reason=Unhealthy 2>/dev/null | tail -n 10 | sed 's/^/      /'
  else
    rm -rf "$keep"
  fi
  grep -q '^FIGURES' "$out" || fail "$what scenario gave no figures (log: $out)"
  row "$what scenario" "$(($(date +%s) - t))" "$(sed -n 's/^FIGURES //p' "$out")"
}

for s in $STAGES; do
  # From stage 3 on the frontend serves the page.
  case "$s" in stage-3-frontend | stage-3a-mirror-model | stage-4-model) page=frontend ;; *) page=monolith ;; esac
  deploy_stage "$s" || continue
  # The workshop's exercises that start from this stage, each check both ways
  # (k8s/node/workshop.ts), before the e2e suite, which then proves the stage
  # was left as deployed.
  scenario workshop "$s"
  e2e_stage "$s" "$page"
  # Load scenarios on the frontend's stage and on the last one (no monolith).
  if [ "$s" = stage-3-frontend ] || [ "$s" = stage-4-model ]; then
    scenario rolling
    scenario kill
  fi
  # The workshop's in-place v1 -> v2 (ADR 0512), once: the frontend's first stage.
  # And the policies themselves: allowed edges connect, forbidden ones are cut.
  if [ "$s" = stage-3-frontend ]; then
    bash "$NODE_DIR/netpol.sh" probe 2>&1 | tee -a "$RUN_DIR/netpol.log" | record
    scenario handover
  fi
done
# The migrator (stage 1 plus its component) moving a route through the
# gateway's ConfigMap by itself (ADR 0602), unless the stages were narrowed.
if [ -z "${FIG_CLUSTER_STAGES:-}" ] || [ -n "${FIG_CLUSTER_MIGRATOR:-}" ]; then
  s=migrator
  deploy_stage variants/migrator && e2e_stage variants/migrator monolith && scenario migrate
fi
