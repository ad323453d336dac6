/* eslint-disable no-console -- a command-line step of test:cluster: its output is the interface */
// Load scenarios against the single-node cluster, through the `fig` Service's
// NodePort: the rolling-update spec's scenario with `kubectl rollout restart`,
// a pod kill (forced delete, then SIGKILL of a container), and the ramped
// v1 → v2 hand-over of the frontend in place, and the migrator moving a route
// by itself through the gateway's ConfigMap. Bundled and run by
// k8s/node/test-cluster.sh:
//   node scenario.cjs rolling|kill|handover|migrate BASE_URL   (KUBECTL, KUBECONFIG, CONTAINERD_SOCK)
//   node scenario.cjs workshop BASE_URL STAGE   the workshop's exercises on that stage (workshop.ts)
// Prints PASS/FAIL lines (results) and one `FIGURES {json}` line.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
// The rolling-update spec's own load generator and write check, bundled into
// this script by esbuild (never imported by the k8s project's code or tests).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { describeOutcome, startLoad, succeeded, type Load } from '../../e2e/src/support/load';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { allEntries } from '../../e2e/src/support/services';
import { workshop, type Forward } from './workshop';

const modes = { rolling, kill, handover, migrate, workshop: workshopSteps };
const [mode, base, stage] = process.argv.slice(2);
if (!base || !Object.hasOwn(modes, mode ?? '') || (mode === 'workshop' && !stage)) {
  console.error('usage: scenario rolling|kill|handover|migrate BASE_URL | workshop BASE_URL STAGE');
  process.exit(2);
}
const kubectl = process.env.KUBECTL ?? 'kubectl';
// Every command runs asynchronously: the load generator shares this event
// loop, and a synchronous `kubectl rollout status` froze it for the whole
// rollout, so the 5 s timers of the requests in flight fired as soon as it
// returned, answered or not. That was the 5 s "time-outs" (ADR 0121).
const run = promisify(execFile);
const kc = async (...args: string[]) =>
  (await run(kubectl, ['-n', 'fig', '--request-timeout=60s', ...args], { encoding: 'utf8' }))
    .stdout;
const result = (ok: boolean, what: string) => console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/**
 * A workshop check's cluster track against this node (`npm run workshop --
 * check`, bundled at dist/tools/workshop/run.js by test-cluster.sh). Both ways
 * count: before the step it must say NOT YET, after it PASS.
 */
async function workshopCheck(
  n: number,
  want: 'PASS' | 'NOT YET',
  when: string,
  args: string[] = [],
  url = base!,
) {
  const { stdout } = await run(
    process.execPath,
    ['dist/tools/workshop/run.js', 'check', String(n), '--track', 'cluster', '--url', url, ...args],
    { encoding: 'utf8', timeout: 120_000 },
  ).catch((err: { stdout?: string; message: string }) => ({ stdout: err.stdout ?? err.message }));
  const verdict = stdout.includes(`PASS: exercise ${n} is done`)
    ? 'PASS'
    : stdout.includes(`NOT YET: exercise ${n}`)
      ? 'NOT YET'
      : 'no verdict';
  const why = stdout.split('\n').find((l) => l.trim().startsWith('✗'));
  result(
    verdict === want,
    `workshop check ${n} (cluster track) ${when}: ${verdict}${why ? ` (${why.trim()})` : ''}`,
  );
}

/**
 * Every address the pods' bridge had while `during` ran. Each pod sends to the
 * node (10.244.0.1, also the source of NodePort traffic) at the address its
 * ARP entry holds, so a change cuts every pod off until that entry expires
 * (ADR 0121): the bridge must keep one address through any rollout.
 */
async function bridgeAddresses<T>(during: () => Promise<T>) {
  const bridge = process.env.NODE_BRIDGE ?? 'fig-cni0';
  const seen = new Map<string, number>();
  const sample = () => {
    const mac = readFileSync(`/sys/class/net/${bridge}/address`, 'utf8').trim();
    if (!seen.has(mac)) seen.set(mac, Date.now());
  };
  sample();
  const timer = setInterval(sample, 100);
  try {
    return await during();
  } finally {
    clearInterval(timer);
    sample();
    result(
      seen.size === 1,
      `bridge ${bridge} kept one address (${[...seen].map(([mac, at]) => `${mac} from ${clock(at)}`).join(', ')})`,
    );
  }
}

async function summary(load: Load, name: string) {
  const failed = load.outcomes.filter((o) => !succeeded(o));
  const acknowledged = load.writes.filter((w) => w.id).map((w) => w.id!);
  const listed = new Set((await allEntries(base!)).map((e) => e.id));
  const lost = acknowledged.filter((id) => !listed.has(id));
  result(load.outcomes.length > 100, `${name}: steady load ran (${load.outcomes.length} requests)`);
  result(
    failed.length === 0,
    `${name}: ${failed.length} failed requests` +
      (failed.length ? ` (first: ${failed.slice(0, 3).map(describeOutcome).join('; ')})` : ''),
  );
  if (load.writes.length)
    result(
      acknowledged.length > 0 && lost.length === 0,
      `${name}: ${acknowledged.length - lost.length} of ${acknowledged.length} acknowledged writes listed`,
    );
  return {
    requests: load.outcomes.length,
    failed: failed.length,
    acknowledged: acknowledged.length,
    kept: acknowledged.length - lost.length,
  };
}

/** Seconds until the Deployment has `want` ready replicas again. */
async function readyAgain(deploy: string, want: number, since: number) {
  for (;;) {
    const ready = Number(
      (await kc('get', 'deploy', deploy, '-o', 'jsonpath={.status.readyReplicas}')) || 0,
    );
    if (ready >= want) return (Date.now() - since) / 1000;
    if (Date.now() - since > 300_000) throw new Error(`${deploy} not ready after 300 s`);
    await sleep(250);
  }
}

async function rolling() {
  const load = startLoad(base!);
  const times: Record<string, number> = {};
  const windows: { deploy: string; from: number; to: number }[] = [];
  try {
    await sleep(1_000);
    // Every service the stage runs, callees first; model-svc only where it is deployed.
    const deployed = (await kc('get', 'deploy', '-o', 'name')).split('\n');
    const services = ['store-svc', 'model-svc', 'frontend', 'gateway'];
    for (const d of services.filter((s) => deployed.includes(`deployment.apps/${s}`))) {
      const t = Date.now();
      await kc('rollout', 'restart', `deployment/${d}`);
      await kc('rollout', 'status', `deployment/${d}`, '--timeout=300s');
      times[d] = (Date.now() - t) / 1000;
      windows.push({ deploy: d, from: t, to: Date.now() });
      console.log(`rollout: ${d} ${clock(t)} → ${clock(Date.now())}`);
      await sleep(2_000);
    }
  } finally {
    await load.stop();
  }
  // Each failure on the rollouts' timeline: which Deployment was rolling, how far in.
  for (const o of load.outcomes.filter((x) => !succeeded(x))) {
    const w = windows.find((x) => o.at >= x.from && o.at <= x.to + 2_000);
    console.log(
      `failure: ${describeOutcome(o)} sent at ${clock(o.at)}, ${w ? `${((o.at - w.from) / 1000).toFixed(1)} s into the ${w.deploy} rollout` : 'outside every rollout'}`,
    );
  }
  const figures = await summary(
    load,
    `rolling restart of ${windows.map((w) => w.deploy).join(', ')}`,
  );
  console.log(
    `FIGURES ${JSON.stringify({ scenario: 'rolling', ...figures, rolloutSeconds: times })}`,
  );
}

/** Time from t until a request through the Service succeeds again after the last failure. */
function recovery(load: Load, from: number, t0: number) {
  const after = load.outcomes.slice(from);
  const lastFailure = after
    .map((o, i) => (succeeded(o) ? -1 : i))
    .reduce((a, b) => Math.max(a, b), -1);
  return lastFailure < 0 ? 0 : (Date.now() - t0) / 1000;
}

async function kill() {
  const load = startLoad(base!);
  const figures: Record<string, unknown> = {};
  try {
    await sleep(1_000);
    // 1. A gateway pod force-deleted: the Service must drop it, the ReplicaSet replace it.
    const pod = await kc(
      'get',
      'pods',
      '-l',
      'app.kubernetes.io/name=gateway',
      '-o',
      'jsonpath={.items[0].metadata.name}',
    );
    let from = load.outcomes.length;
    let t0 = Date.now();
    await kc('delete', 'pod', pod, '--grace-period=0', '--force');
    figures.forceDeleteReadySeconds = await readyAgain('gateway', 2, t0);
    figures.forceDeleteFailed = load.outcomes.slice(from).filter((o) => !succeeded(o)).length;
    await sleep(2_000);
    // 2. SIGKILL of a store-svc container through containerd: kubelet restarts it.
    const [name, id, restarts] = (
      await kc(
        'get',
        'pods',
        '-l',
        'app.kubernetes.io/name=store-svc',
        '-o',
        'jsonpath={.items[0].metadata.name} {.items[0].status.containerStatuses[0].containerID} {.items[0].status.containerStatuses[0].restartCount}',
      )
    ).split(' ');
    from = load.outcomes.length;
    t0 = Date.now();
    await run('ctr', [
      '--address',
      process.env.CONTAINERD_SOCK!,
      '-n',
      'k8s.io',
      'tasks',
      'kill',
      '-s',
      'SIGKILL',
      id!.replace('containerd://', ''),
    ]);
    for (;;) {
      const [count, ready] = (
        await kc(
          'get',
          'pod',
          name!,
          '-o',
          'jsonpath={.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}',
        )
      ).split(' ');
      if (Number(count) > Number(restarts) && ready === 'true') break;
      if (Date.now() - t0 > 300_000) throw new Error(`${name} not restarted after 300 s`);
      await sleep(250);
    }
    figures.sigkillReadySeconds = (Date.now() - t0) / 1000;
    figures.sigkillFailed = load.outcomes.slice(from).filter((o) => !succeeded(o)).length;
    figures.sigkillRecoverySeconds = recovery(load, from, t0);
    await sleep(2_000);
  } finally {
    await load.stop();
  }
  const totals = await summary(
    load,
    'pod kills (forced delete of a gateway pod, SIGKILL of a store-svc container)',
  );
  console.log(`FIGURES ${JSON.stringify({ scenario: 'kill', ...totals, ...figures })}`);
}

/** Who answered `n` reads of `path` through the Service, as `who` names them, with their counts. */
async function tally(n: number, path: string, who: (res: Response) => Promise<string>) {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = await who(await fetch(`${base}${path}`));
    seen[name] = (seen[name] ?? 0) + 1;
  }
  return seen;
}

/** The versions that answered `n` reads of /api/info. */
const servedVersions = (n: number) =>
  tally(n, '/api/info', async (res) => ((await res.json()) as { version: string }).version);

/** The upstreams that answered `n` reads of /api/entries (X-Fig-Served-By). */
const entriesServedBy = (n: number) =>
  tally(n, '/api/entries', async (res) => {
    await res.arrayBuffer();
    return res.headers.get('x-fig-served-by') ?? `status ${res.status}`;
  });

/**
 * The ramped v1 → v2 of the workshop's exercise 4, for real: the frontend's
 * pod template changes version in place under steady load. The API server
 * refuses this while `version` is in the Deployment's selector, which is
 * immutable (ADR 0512); with name and track there, the ReplicaSets hand over.
 */
async function handover() {
  const load = startLoad(base!);
  const figures: Record<string, unknown> = {};
  try {
    await sleep(1_000);
    const before = await servedVersions(20);
    await workshopCheck(4, 'NOT YET', 'before the hand-over');
    const v2 = { version: 'v2', 'app.kubernetes.io/version': 'v2' };
    const t = Date.now();
    await kc(
      'patch',
      'deployment',
      'frontend',
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        metadata: { labels: v2 },
        spec: { template: { metadata: { labels: v2 } } },
      }),
    );
    await kc('rollout', 'status', 'deployment/frontend', '--timeout=300s');
    figures.rolloutSeconds = (Date.now() - t) / 1000;
    console.log(`rollout: frontend v1 → v2 ${clock(t)} → ${clock(Date.now())}`);
    await sleep(2_000);
    const after = await servedVersions(20);
    await workshopCheck(4, 'PASS', 'after it');
    Object.assign(figures, { before, after });
    result(
      JSON.stringify(before) === '{"v1":20}' && JSON.stringify(after) === '{"v2":20}',
      `frontend handed over in place: /api/info said ${JSON.stringify(before)} before, ${JSON.stringify(after)} after`,
    );
  } finally {
    await load.stop();
  }
  const totals = await summary(load, 'ramped v1 → v2 of the frontend');
  console.log(`FIGURES ${JSON.stringify({ scenario: 'handover', ...totals, ...figures })}`);
}

/** The short plan the scenario drives: the component's steps, minutes shortened to seconds. */
const quickPlan = `version: 1
migrations:
  - route: entries-read
    current: monolith
    candidate: monolith-v2
    steps: [{ mirror: 100 }, { weight: 50 }, { weight: 100 }]
    interval: 10s
    minRequests: 20
    gates:
      mismatchRate: 0.01
      errorRate: 0.01
      p99: { maxRatio: 3, toleranceMs: 50 }
`;

/**
 * Issue 16's ConfigMap mode on a real node (k8s/variants/migrator deployed):
 * the migrator, with its patch-only Role and its own ServiceAccount token,
 * moves `entries-read` from the monolith to monolith-v2 under steady reads; the
 * kubelet projects each patched `gateway-routes` into the gateway's volume and
 * the gateway reloads it. Ends with every read served by v2 and no failure.
 */
async function migrate() {
  // The component's plan takes minutes per step; the same plan, in seconds.
  const volumes = JSON.parse(
    await kc('get', 'deploy', 'migrator', '-o', 'jsonpath={.spec.template.spec.volumes}'),
  ) as { configMap?: { name: string } }[];
  const spec = volumes.find((v) => v.configMap?.name.startsWith('migrator-migrations'))!;
  const manifest = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: spec.configMap!.name },
    data: { 'migrations.yaml': quickPlan },
  });
  await new Promise<void>((resolve, reject) => {
    const apply = execFile(kubectl, ['-n', 'fig', 'apply', '-f', '-'], (err) =>
      err ? reject(err) : resolve(),
    );
    apply.stdin!.end(manifest);
  });
  await kc('rollout', 'restart', 'deployment/migrator');
  await kc('rollout', 'status', 'deployment/migrator', '--timeout=120s');
  // The control API is on the pod's loopback only (ADR 0602): port-forward, as an operator would.
  // The gateway's ops port too, for workshop check 17 (the gateway's live table).
  const forwards = [
    ['deploy/migrator', '18086:8086'],
    ['deploy/gateway', '19080:9080'],
  ].map(([target, ports]) =>
    spawn(kubectl, ['-n', 'fig', 'port-forward', target!, ports!], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  await Promise.all(forwards.map((f) => new Promise((resolve) => f.stdout.once('data', resolve))));
  const control = 'http://127.0.0.1:18086';
  const check17 = ['--migrator', control, '--ops', 'http://127.0.0.1:19080'];
  // Reads only: a write landing between the monolith's answer and the
  // candidate's makes a mirrored list differ (2% of them at 10 writes/s, above
  // the 1% gate), noise the mirror cannot yet tell from a real difference.
  const load = startLoad(base!, { writes: false });
  const figures: Record<string, unknown> = {};
  try {
    await sleep(1_000);
    const before = await entriesServedBy(20);
    await workshopCheck(17, 'NOT YET', 'before the migration', check17);
    const t = Date.now();
    const started = await fetch(`${control}/migrations/entries-read/start`, { method: 'POST' });
    result(started.ok, `migrator accepted start of entries-read (${started.status})`);
    let last: { state: string; step: { name: string }; reason?: string } | undefined;
    for (;;) {
      const { migrations } = (await (await fetch(`${control}/migrations`)).json()) as {
        migrations: { route: string; state: string; step: { name: string }; reason?: string }[];
      };
      last = migrations.find((m) => m.route === 'entries-read');
      if (last?.state !== 'running' || Date.now() - t > 300_000) break;
      await sleep(1_000);
    }
    figures.migrationSeconds = (Date.now() - t) / 1000;
    console.log(`rollout: migration of entries-read ${clock(t)} → ${clock(Date.now())}`);
    await sleep(12_000); // the last step's table, projected into the gateway's volume
    const after = await entriesServedBy(20);
    await workshopCheck(17, 'PASS', 'after it', check17);
    Object.assign(figures, { before, after, state: last?.state, step: last?.step.name });
    result(
      last?.state === 'succeeded',
      `migrator drove entries-read to its last step (${last?.state} at ${last?.step.name}${last?.reason ? `: ${last.reason}` : ''}, ${figures.migrationSeconds} s)`,
    );
    result(
      Object.keys(before).every((by) => by.startsWith('monolith/')) &&
        JSON.stringify(Object.keys(after)) === '["monolith-v2/v2"]',
      `GET /api/entries served by ${JSON.stringify(before)} before, ${JSON.stringify(after)} after`,
    );
  } finally {
    await load.stop();
    forwards.forEach((f) => f.kill());
  }
  const totals = await summary(load, 'the migrator moving entries-read through the ConfigMap');
  console.log(`FIGURES ${JSON.stringify({ scenario: 'migrate', ...totals, ...figures })}`);
}

/** The workshop's exercises that start from `stage` (workshop.ts). */
function workshopSteps() {
  return workshop(
    {
      base: base!,
      kc,
      result,
      check: (n, want, when, at?: Forward, args: string[] = []) =>
        workshopCheck(n, want, when, [...(at ? ['--ops', at.ops] : []), ...args], at?.url),
    },
    stage!,
  );
}

bridgeAddresses(modes[mode as keyof typeof modes]).catch((err: Error) => {
  result(false, `${mode} scenario: ${err.message}`);
  process.exitCode = 1;
});
