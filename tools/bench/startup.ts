// Start-up time (spawn → /readyz 200) and idle RSS of every built service,
// each with the telemetry bootstrap loaded as in production, against a bare
// node:http server measured the same way in the same run.
//
//   node tools/bench/startup.mjs [--runs 5] [--json out.json]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, median, rssMiB, sleep } from './support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, json: { type: 'string' } },
});
const runs = Number(values.runs);

async function measure(args, env, readyUrl) {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: 'ignore',
  });
  for (;;) {
    try {
      if ((await fetch(readyUrl)).ok) break;
    } catch {
      // not yet listening
    }
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    await sleep(5);
  }
  const readyMs = performance.now() - started;
  await sleep(2_000);
  const rss = rssMiB(child.pid);
  await new Promise((r) => {
    child.once('exit', r);
    child.kill('SIGKILL');
  });
  return { readyMs, rss };
}

// A private Redis for the services that need one.
const redisPort = await freePort();
const redisDir = mkdtempSync(path.join(tmpdir(), 'fig-bench-'));
if (spawnSync('redis-server', ['--version']).error)
  throw new Error('redis-server is required (apt-get install redis-server)');
const redis = spawn(
  'redis-server',
  ['--port', String(redisPort), '--save', '', '--dir', redisDir],
  { stdio: 'ignore' },
);
await sleep(300);
const redisUrl = `redis://127.0.0.1:${redisPort}`;

const baselineScript =
  "require('node:http').createServer((q,s)=>s.end('ok')).listen(process.env.OPS_PORT)";
const services = [
  { name: 'baseline: bare node:http', args: () => ['-e', baselineScript], env: {} },
  ...['monolith', 'store-svc', 'frontend', 'gateway']
    .filter((app) => existsSync(path.join(root, 'dist/apps', app, 'main.js')))
    .map((app) => ({
      name: app,
      args: () => [
        '--import',
        path.join(root, 'dist/apps', app, 'instrument.js'),
        path.join(root, 'dist/apps', app, 'main.js'),
      ],
      env: {
        REDIS_URL: redisUrl,
        LOG_LEVEL: 'warn',
        OTEL_SERVICE_NAME: app,
        // The gateway needs a route table; upstreams are only dialled on demand.
        GATEWAY_ROUTES: path.join(root, 'apps/gateway/routes/stage-1-facade.yaml'),
        MONOLITH_URL: 'http://127.0.0.1:8081',
      },
    })),
];

const results = [];
try {
  for (const svc of services) {
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const [port, opsPort] = await Promise.all([freePort(), freePort()]);
      const ready = svc.name.startsWith('baseline')
        ? `http://127.0.0.1:${opsPort}/`
        : `http://127.0.0.1:${opsPort}/livez`;
      samples.push(
        await measure(
          svc.args(),
          { ...svc.env, PORT: String(port), OPS_PORT: String(opsPort) },
          ready,
        ),
      );
    }
    results.push({
      name: svc.name,
      readyMs: median(samples.map((s) => s.readyMs)),
      rssMiB: median(samples.map((s) => s.rss)),
    });
  }
} finally {
  redis.kill('SIGKILL');
  rmSync(redisDir, { recursive: true, force: true });
}

const [base] = results;
process.stdout.write(
  `start-up to listening and idle RSS after 2 s (median of ${runs}, telemetry bootstrap loaded)\n`,
);
process.stdout.write('service                     listen ms   ×base   RSS MiB   ×base\n');
for (const r of results) {
  process.stdout.write(
    `${r.name.padEnd(28)} ${r.readyMs.toFixed(0).padStart(8)} ${(r.readyMs / base.readyMs).toFixed(2).padStart(7)} ${r.rssMiB
      .toFixed(1)
      .padStart(9)} ${(r.rssMiB / base.rssMiB).toFixed(2).padStart(7)}\n`,
  );
}
if (values.json) {
  mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
  writeFileSync(values.json, JSON.stringify({ runs, results }, null, 2));
}
