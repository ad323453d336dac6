// Start-up (spawn → /readyz 200) and idle RSS (2 s after ready) of every built
// service, with tracing on (the bootstrap loaded and exporting to an OTLP
// receiver) and off (OTEL_SDK_DISABLED=true), against a bare node:http server
// measured the same way. The rounds are interleaved: each round starts the
// baseline and then every variant once, so load from elsewhere on a shared
// machine falls on all of them alike; the median round is reported.
//
//   node dist/tools/bench/startup.js [--rounds 5] [--json out.json] [--apps a,b] [--boutique <checkout>]
//     [--node-defaults] [--node <binary>]
//
// --boutique: the path of a local checkout of Online Boutique
// (GoogleCloudPlatform/microservices-demo); its currencyservice is installed
// (npm ci) and started with DISABLE_PROFILER=1, as its manifests do, and timed
// to gRPC health SERVING in the same rounds.
//
// Each service runs with the Node options of the images' CMD and the ENV of
// their last stage (the Dockerfile), as a pod runs it; --node-defaults also
// starts each one, tracing on, without the options, in the same rounds. --node <binary> runs the services and the baseline
// with another Node (the images' major, say) than the one running the benchmark.
// CPU time to ready (user + system, in 10 ms ticks) is reported beside wall
// time: on a shared machine it varies far less between rounds than the wall
// clock does. It is given in ms, not as a ratio: the baseline's 20-30 ms are
// two or three ticks.
//
// --compare <label>=<instrument.js>: also start every service, tracing on,
// with another build of the telemetry bootstrap (e.g. the one before a change),
// in the same rounds, so before and after are measured side by side.
// --compare <label>=<folder>: the same with another build of the services
// themselves (a copy of dist/apps made before a change), tracing off and on.
//
// Readiness needs dependencies: Redis, a store-svc and a monolith (untraced)
// run for the whole benchmark, so the frontend's and gateway's /readyz mean
// what they mean in a cluster.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { startBundle, startOtlpReceiver } from '@fig/testing';
import { writeBenchReport, type BenchRow } from './report';
import { cpuMs, defaultDockerfile, imageEnv, imageNodeFlags } from './startup-image';
import { freePort, median, root, rssMiB, sleep, startRedis } from './support';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    json: { type: 'string', default: path.join(root, 'test-output/bench/startup.json') },
    boutique: { type: 'string' },
    compare: { type: 'string', multiple: true },
    apps: { type: 'string', default: 'monolith,store-svc,frontend,gateway,live-view' },
    'node-defaults': { type: 'boolean', default: false },
    node: { type: 'string', default: process.execPath },
  },
});
const nodeBinary = values.node as string;
const imageFlags = imageNodeFlags(defaultDockerfile(root));
const imageEnvironment = imageEnv(defaultDockerfile(root));
const rounds = Number(values.rounds);
const readyTimeoutMs = 30_000;

interface Variant {
  name: string;
  /** Fig's service, or undefined for the baseline and peers. */
  app?: string;
  tracing?: 'on' | 'off';
  /** The --compare label of another bootstrap build. */
  bootstrap?: string;
  /** Started without the image's Node options (--node-defaults). */
  nodeDefaults?: boolean;
  command: string;
  args: () => string[];
  cwd?: string;
  env: (ports: { port: number; opsPort: number }) => Record<string, string>;
  /** Resolves once the process is ready, throws when it is not within the bound. */
  ready: (ports: { port: number; opsPort: number }, exited: () => boolean) => Promise<void>;
}

interface Flavour {
  tracing: 'on' | 'off';
  label?: string;
  /** Another build of the telemetry bootstrap (--compare). */
  instrument?: string;
  /** Another build of the services, a dist/apps folder (--compare). */
  build?: string;
  /** Without the image's Node options (--node-defaults). */
  nodeDefaults?: boolean;
}

async function untilHttpOk(url: string, exited: () => boolean) {
  const deadline = performance.now() + readyTimeoutMs;
  while (performance.now() < deadline) {
    if (exited()) throw new Error(`exited before ${url} answered 200`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  throw new Error(`${url} not 200 within ${readyTimeoutMs} ms`);
}

/** gRPC health Check → SERVING, for the peer (it has no HTTP probe). */
async function untilGrpcServing(port: number, exited: () => boolean) {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': 5,
    'grpc.max_reconnect_backoff_ms': 5,
  });
  // HealthCheckRequest{service: ""} is empty; HealthCheckResponse{status: SERVING} is 08 01.
  const check = () =>
    new Promise<boolean>((resolve) =>
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (x: Buffer) => x,
        (x: Buffer) => x,
        Buffer.alloc(0),
        { deadline: Date.now() + 1_000 },
        (err, res) => resolve(!err && res?.[0] === 0x08 && res[1] === 0x01),
      ),
    );
  const deadline = performance.now() + readyTimeoutMs;
  try {
    while (performance.now() < deadline) {
      if (exited()) throw new Error('exited before gRPC health said SERVING');
      if (await check()) return;
      await sleep(5);
    }
    throw new Error(`gRPC health not SERVING within ${readyTimeoutMs} ms`);
  } finally {
    client.close();
  }
}

// Every Node process here is started with this preload: on SIGUSR2 it writes
// how many CommonJS modules it has loaded, counted when RSS is sampled.
const probeDir = mkdtempSync(path.join(tmpdir(), 'fig-bench-startup-'));
const probe = path.join(probeDir, 'count-modules.js');
writeFileSync(
  probe,
  "process.on('SIGUSR2', () => require('node:fs').writeFileSync(process.env.FIG_MODULES_OUT, String(Object.keys(require.cache).length)));\n",
);

async function moduleCount(child: ChildProcess, file: string) {
  child.kill('SIGUSR2');
  for (let i = 0; i < 200 && !existsSync(file); i++) await sleep(5);
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : NaN;
}

async function measure(variant: Variant) {
  const [port, opsPort] = await Promise.all([freePort(), freePort()]);
  const ports = { port, opsPort };
  const modulesOut = path.join(probeDir, `${port}.count`);
  const started = performance.now();
  const child = spawn(variant.command, ['--require', probe, ...variant.args()], {
    cwd: variant.cwd ?? root,
    env: { PATH: process.env.PATH ?? '', FIG_MODULES_OUT: modulesOut, ...variant.env(ports) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4_000)));
  const exit = new Promise((resolve) => child.once('exit', resolve));
  try {
    await variant.ready(ports, () => child.exitCode !== null || child.signalCode !== null);
    const readyMs = performance.now() - started;
    const cpu = cpuMs(child.pid);
    await sleep(2_000);
    const rss = rssMiB(child.pid);
    return { readyMs, cpuMs: cpu, rssMiB: rss, modules: await moduleCount(child, modulesOut) };
  } catch (err) {
    throw new Error(`${variant.name}: ${(err as Error).message}\n${stderr}`);
  } finally {
    child.kill('SIGKILL');
    await exit;
  }
}

const nodeArgs =
  (
    app: string,
    {
      build = path.join(root, 'dist/apps'),
      instrument = path.join(build, app, 'instrument.js'),
      flags = imageFlags,
    }: { build?: string; instrument?: string; flags?: string[] } = {},
  ) =>
  () => [...flags, '--import', instrument, path.join(build, app, 'main.js')];

/** --compare label=path → [label, absolute path, whether it is a build folder]. */
const comparisons = (values.compare ?? []).map((spec) => {
  const [label, file] = spec.split('=') as [string, string | undefined];
  if (!file || !existsSync(file))
    throw new Error(`--compare ${spec}: expected <label>=<existing instrument.js or folder>`);
  return [label, path.resolve(file), statSync(file).isDirectory()] as const;
});

/** Installs the peer's dependencies once (npm ci in its folder) and returns its variant. */
function boutiqueCurrency(checkout: string): Variant {
  const dir = path.join(path.resolve(checkout), 'src/currencyservice');
  if (!existsSync(path.join(dir, 'server.js'))) {
    throw new Error(`--boutique: ${dir}/server.js not found (give a microservices-demo checkout)`);
  }
  if (!existsSync(path.join(dir, 'node_modules'))) {
    const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--omit=dev'], {
      cwd: dir,
      stdio: 'inherit',
    });
    if (install.status !== 0) throw new Error(`npm ci failed in ${dir}`);
  }
  return {
    name: 'peer: Online Boutique currencyservice',
    command: process.execPath,
    args: () => ['server.js'],
    cwd: dir,
    env: ({ port }) => ({ PORT: String(port), DISABLE_PROFILER: '1' }),
    ready: ({ port }, exited) => untilGrpcServing(port, exited),
  };
}

/**
 * The live view with a cluster source configured, as in a pod: its Kubernetes
 * client is loaded only then (ADR 0502). The kubeconfig names an API server
 * that refuses connections, so what is measured is the client, not a cache.
 */
function liveViewWithCluster(env: Record<string, string>): Variant {
  const kubeconfig = path.join(probeDir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]',
      'users: [{ name: u, user: { token: bench } }]',
      'contexts: [{ name: c, context: { cluster: c, user: u, namespace: fig } }]',
      'current-context: c',
      '',
    ].join('\n'),
  );
  return {
    name: 'live-view, tracing on, cluster source',
    command: nodeBinary,
    args: nodeArgs('live-view'),
    env: ({ port, opsPort }) => ({
      ...imageEnvironment,
      ...env,
      KUBECONFIG: kubeconfig,
      PORT: String(port),
      OPS_PORT: String(opsPort),
    }),
    ready: ({ opsPort }, exited) => untilHttpOk(`http://127.0.0.1:${opsPort}/readyz`, exited),
  };
}

async function main() {
  const redis = await startRedis();
  const otlp = await startOtlpReceiver();
  const [store, monolith] = await Promise.all([
    startBundle('store-svc', { env: { REDIS_URL: redis.url } }),
    startBundle('monolith', { env: { REDIS_URL: redis.url } }),
  ]);

  const baselineScript =
    "require('node:http').createServer((q,s)=>s.end('ok')).listen(process.env.OPS_PORT, '127.0.0.1')";
  const appEnv = (app: string, tracing: 'on' | 'off') => ({
    REDIS_URL: redis.url,
    LOG_LEVEL: 'warn',
    POD_NAME: `${app}-bench`,
    STORE_ADDR: `ipv4:127.0.0.1:${store.port}`,
    MONOLITH_URL: monolith.base,
    GATEWAY_ROUTES: path.join(root, 'apps/gateway/routes/stage-1-facade.yaml'),
    ...(tracing === 'on'
      ? { OTEL_SERVICE_NAME: app, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint }
      : { OTEL_SDK_DISABLED: 'true' }),
  });
  const apps = (values.apps as string)
    .split(',')
    .filter((app) => existsSync(path.join(root, 'dist/apps', app, 'main.js')));
  // How each service is started: tracing off and on, then the comparisons asked for.
  const flavours: Flavour[] = [
    { tracing: 'off' },
    { tracing: 'on' },
    ...comparisons.flatMap(([label, file, isBuild]): Flavour[] =>
      isBuild
        ? [
            { tracing: 'off', label, build: file },
            { tracing: 'on', label, build: file },
          ]
        : [{ tracing: 'on', label, instrument: file }],
    ),
    ...(values['node-defaults']
      ? [{ tracing: 'on' as const, label: 'node defaults', nodeDefaults: true }]
      : []),
  ];
  const variants: Variant[] = [
    {
      name: 'baseline: bare node:http',
      command: nodeBinary,
      args: () => ['-e', baselineScript],
      env: ({ opsPort }) => ({ OPS_PORT: String(opsPort) }),
      ready: ({ opsPort }, exited) => untilHttpOk(`http://127.0.0.1:${opsPort}/`, exited),
    },
    ...apps.flatMap((app) =>
      flavours.map((flavour): Variant => ({
        name: `${app}, tracing ${flavour.tracing}${flavour.label ? `, ${flavour.label}` : ''}`,
        app,
        tracing: flavour.tracing,
        ...(flavour.nodeDefaults
          ? { nodeDefaults: true }
          : flavour.label
            ? { bootstrap: flavour.label }
            : {}),
        command: nodeBinary,
        args: nodeArgs(app, {
          build: flavour.build,
          instrument: flavour.instrument,
          flags: flavour.nodeDefaults ? [] : imageFlags,
        }),
        env: ({ port, opsPort }) => ({
          ...imageEnvironment,
          ...appEnv(app, flavour.tracing),
          PORT: String(port),
          OPS_PORT: String(opsPort),
        }),
        ready: ({ opsPort }, exited) => untilHttpOk(`http://127.0.0.1:${opsPort}/readyz`, exited),
      })),
    ),
    ...(apps.includes('live-view') ? [liveViewWithCluster(appEnv('live-view', 'on'))] : []),
    ...(values.boutique ? [boutiqueCurrency(values.boutique)] : []),
  ];

  const samples = new Map<
    string,
    { readyMs: number; cpuMs: number; rssMiB: number; modules: number; round: number }[]
  >(variants.map((v) => [v.name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        const sample = await measure(variant);
        samples.get(variant.name)?.push({ ...sample, round });
        process.stdout.write(
          `round ${round + 1}/${rounds}  ${variant.name.padEnd(40)} ${sample.readyMs.toFixed(0).padStart(6)} ms (CPU ${sample.cpuMs.toFixed(0).padStart(5)} ms) ${sample.rssMiB.toFixed(1).padStart(7)} MiB ${String(sample.modules).padStart(5)} modules\n`,
        );
      }
    }
  } finally {
    await Promise.all([store.kill(), monolith.kill()]);
    await otlp.close();
    await redis.dispose();
    rmSync(probeDir, { recursive: true, force: true });
  }

  // Ratios per round (each against the baseline of the same round), then the median.
  const base = samples.get(variants[0]?.name ?? '') ?? [];
  const results = variants.map((v) => {
    const own = samples.get(v.name) ?? [];
    const ratio = (key: 'readyMs' | 'rssMiB') =>
      median(own.map((s, i) => s[key] / (base[i]?.[key] ?? NaN)));
    return {
      name: v.name,
      ...(v.app ? { app: v.app, tracing: v.tracing } : {}),
      ...(v.bootstrap ? { bootstrap: v.bootstrap } : {}),
      ...(v.nodeDefaults ? { nodeDefaults: true } : {}),
      readyMs: Math.round(median(own.map((s) => s.readyMs))),
      cpuMs: Math.round(median(own.map((s) => s.cpuMs))),
      rssMiB: Number(median(own.map((s) => s.rssMiB)).toFixed(1)),
      modules: median(own.map((s) => s.modules)),
      readyRatio: Number(ratio('readyMs').toFixed(2)),
      rssRatio: Number(ratio('rssMiB').toFixed(2)),
      rounds: own.map((s) => ({
        readyMs: Math.round(s.readyMs),
        cpuMs: Math.round(s.cpuMs),
        rssMiB: Number(s.rssMiB.toFixed(1)),
        modules: s.modules,
      })),
    };
  });

  process.stdout.write(
    `\nspawn → ready and idle RSS after 2 s, median of ${rounds} interleaved rounds (ratios per round against the baseline)\n`,
  );
  process.stdout.write(
    `${'process'.padEnd(40)} ready ms   ×base   CPU ms   RSS MiB   ×base  modules\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `${r.name.padEnd(40)} ${String(r.readyMs).padStart(8)} ${r.readyRatio.toFixed(2).padStart(7)} ${String(r.cpuMs).padStart(8)} ${r.rssMiB.toFixed(1).padStart(9)} ${r.rssRatio.toFixed(2).padStart(7)} ${String(r.modules).padStart(8)}\n`,
    );
  }

  const command =
    `node dist/tools/bench/startup.js --rounds ${rounds}` +
    (values['node-defaults'] ? ' --node-defaults' : '') +
    (nodeBinary !== process.execPath ? ' --node <binary>' : '') +
    comparisons.map(([label]) => ` --compare ${label}=…`).join('') +
    (values.boutique ? ' --boutique <checkout>' : '');
  const baseline = results[0];
  const rows: BenchRow[] = [];
  for (const app of new Set(results.flatMap((r) => (r.app ? [r.app] : [])))) {
    const mine = results.filter((r) => r.app === app && !r.bootstrap && !r.nodeDefaults);
    const off = mine.find((r) => r.tracing === 'off');
    const on = mine.find((r) => r.tracing === 'on');
    if (!off || !on || !baseline) continue;
    rows.push({
      what: `${app}: spawn → \`/readyz\` 200, tracing off / on`,
      figure: `${off.readyMs} / ${on.readyMs} ms (CPU ${off.cpuMs} / ${on.cpuMs} ms)`,
      baseline: `${off.readyRatio.toFixed(1)}× / ${on.readyRatio.toFixed(1)}× a bare \`node:http\` server (${baseline.readyMs} ms), services started with \`${imageFlags.join(' ')}\` as in the images`,
      command,
      ratios: [
        { label: `${app} ready, tracing off (× bare node)`, value: off.readyRatio, target: 6 },
        { label: `${app} ready, tracing on (× bare node)`, value: on.readyRatio, target: 6 },
      ],
    });
    rows.push({
      what: `${app}: idle RSS 2 s after ready, tracing off / on (CommonJS modules loaded)`,
      figure: `${off.rssMiB} / ${on.rssMiB} MiB (${off.modules} / ${on.modules})`,
      baseline: `${off.rssRatio.toFixed(2)}× / ${on.rssRatio.toFixed(2)}× a bare \`node:http\` server (${baseline.rssMiB} MiB)`,
      command,
      ratios: [
        { label: `${app} idle RSS, tracing off (× bare node)`, value: off.rssRatio, target: 1.7 },
        { label: `${app} idle RSS, tracing on (× bare node)`, value: on.rssRatio, target: 1.7 },
      ],
    });
  }
  for (const [label] of comparisons) {
    const pairs = results.flatMap((other) => {
      const own = results.find((r) => r.app === other.app && r.tracing === 'on' && !r.bootstrap);
      return other.bootstrap === label && other.tracing === 'on' && own
        ? [{ app: other.app, own, other }]
        : [];
    });
    if (!pairs.length) continue;
    rows.push({
      what: `tracing on: this bootstrap vs ${label}, spawn → \`/readyz\` 200 and idle RSS`,
      figure: pairs
        .map(
          (p) =>
            `${p.app} ${p.own.readyMs} vs ${p.other.readyMs} ms, ${p.own.rssMiB} vs ${p.other.rssMiB} MiB, ${p.own.modules} vs ${p.other.modules} modules`,
        )
        .join('; '),
      baseline:
        pairs
          .map(
            (p) =>
              `${p.app} ${p.own.readyRatio.toFixed(1)}× vs ${p.other.readyRatio.toFixed(1)}×, ${p.own.rssRatio.toFixed(2)}× vs ${p.other.rssRatio.toFixed(2)}×`,
          )
          .join('; ') + ' a bare `node:http` server',
      command,
    });
  }
  const plain = results.filter((r) => r.nodeDefaults);
  if (plain.length) {
    rows.push({
      what: `tracing on: the images' Node options (\`${imageFlags.join(' ')}\`) vs Node's defaults, spawn → \`/readyz\` 200 and idle RSS`,
      figure: plain
        .map((p) => {
          const own = results.find(
            (r) => r.app === p.app && r.tracing === 'on' && !r.bootstrap && !r.nodeDefaults,
          );
          return own
            ? `${p.app} ${own.readyMs} vs ${p.readyMs} ms, CPU ${own.cpuMs} vs ${p.cpuMs} ms, ${own.rssMiB} vs ${p.rssMiB} MiB`
            : '';
        })
        .join('; '),
      baseline: 'the same service in the same rounds',
      command,
    });
  }
  const withCluster = results.find((r) => r.name === 'live-view, tracing on, cluster source');
  if (withCluster && baseline) {
    rows.push({
      what: 'live-view with a cluster source (its Kubernetes client loaded): idle RSS, tracing on',
      figure: `${withCluster.rssMiB} MiB (${withCluster.modules} modules)`,
      baseline: `${withCluster.rssRatio.toFixed(2)}× a bare \`node:http\` server (${baseline.rssMiB} MiB)`,
      command,
    });
  }
  const peer = results.find((r) => r.name.startsWith('peer:'));
  if (peer && baseline) {
    rows.push({
      what: 'peer: Online Boutique currencyservice, spawn → gRPC health SERVING; idle RSS',
      figure: `${peer.readyMs} ms; ${peer.rssMiB} MiB`,
      baseline: `${peer.readyRatio.toFixed(1)}× / ${peer.rssRatio.toFixed(2)}× a bare \`node:http\` server`,
      command,
    });
  }
  writeBenchReport(values.json as string, {
    bench: 'startup',
    command,
    cores: cpus().length,
    rows,
    data: { rounds, results },
  });
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
