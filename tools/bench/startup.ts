// Start-up time (spawn → /readyz 200) and idle RSS of every built service,
// each with the telemetry bootstrap loaded as in production, against a bare
// node:http server measured the same way in the same run.
//
//   node dist/tools/bench/startup.js [--runs 5] [--json out.json]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, median, root, rssMiB, sleep, startRedis } from './support';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, json: { type: 'string' } },
});
const runs = Number(values.runs);

async function measure(args: string[], env: Record<string, string>, readyUrl: string) {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
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
    child.once('exit', () => r(undefined));
    child.kill('SIGKILL');
  });
  return { readyMs, rss };
}

async function main() {
  // A private Redis for the services that need one.
  const redis = await startRedis();
  const redisUrl = redis.url;

  const baselineScript =
    "require('node:http').createServer((q,s)=>s.end('ok')).listen(process.env.OPS_PORT)";
  const services: { name: string; args: () => string[]; env: Record<string, string> }[] = [
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

  const results: { name: string; readyMs: number; rssMiB: number }[] = [];
  try {
    for (const svc of services) {
      const samples: { readyMs: number; rss: number }[] = [];
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
    await redis.dispose();
  }

  const base = results[0] as (typeof results)[number];
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
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
