// The frontend's figures, on stage 3 as local processes (Redis, store-svc,
// monolith, frontend, production bundles with the telemetry bootstrap):
// start-up to ready (spawn → /readyz 200, which needs store-svc SERVING),
// idle RSS 2 s after ready, and `GET /` throughput and p99 at concurrency 32
// (with the monolith's `GET /` under the same load as a yardstick).
//
//   node dist/tools/bench/frontend-page.js [--runs 5] [--seconds 10] [--connections 32]
//
// Needs the bundles (npx nx run-many -t build) and redis-server; uses wrk
// when installed, autocannon otherwise. Writes test-output/bench/frontend.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBundle, type RunningBundle } from '@fig/testing';
import { median, root, rssMiB, sleep, startRedis } from './support';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
  },
});

const started: RunningBundle[] = [];

/** A production bundle with the telemetry bootstrap, timed from spawn to /readyz 200. */
async function startApp(app: string, env: Record<string, string>) {
  const begin = performance.now();
  const bundle = await startBundle(app, { env, traced: true, readyPollMs: 5 });
  started.push(bundle);
  return { bundle, port: bundle.port, readyMs: performance.now() - begin };
}

function load(url: string) {
  const [seconds, connections] = [values.seconds, values.connections];
  if (!spawnSync('wrk', ['--version']).error) {
    const out = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], {
      encoding: 'utf8',
    }).stdout;
    const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
    const factor = { us: 0.001, ms: 1, s: 1000 }[(p99?.[2] ?? 'ms') as 'us' | 'ms' | 's'];
    return {
      tool: `wrk -t1 -c${connections} -d${seconds}s --latency`,
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
      p99Ms: Number(p99?.[1]) * factor,
      errors: /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0',
    };
  }
  const out = spawnSync('npx', ['autocannon', '-j', '-c', connections, '-d', seconds, url], {
    encoding: 'utf8',
    cwd: root,
  }).stdout;
  const result = JSON.parse(out);
  return {
    tool: `autocannon -c ${connections} -d ${seconds}`,
    rps: result.requests.average,
    p99Ms: result.latency.p99,
    errors: String(result.non2xx),
  };
}

async function main() {
  const redis = await startRedis();
  try {
    const redisUrl = redis.url;
    const [store, monolith] = await Promise.all([
      startApp('store-svc', { REDIS_URL: redisUrl }),
      startApp('monolith', { REDIS_URL: redisUrl }),
    ]);
    const env = {
      STORE_ADDR: `ipv4:127.0.0.1:${store.port}`,
      MONOLITH_URL: `http://127.0.0.1:${monolith.port}`,
    };

    const samples: { readyMs: number; rssMiB: number }[] = [];
    let frontend: Awaited<ReturnType<typeof startApp>> | undefined;
    for (let i = 0; i < Number(values.runs); i++) {
      if (frontend) await frontend.bundle.stop();
      frontend = await startApp('frontend', env);
      await sleep(2_000);
      samples.push({ readyMs: frontend.readyMs, rssMiB: rssMiB(frontend.bundle.proc.child.pid) });
    }
    if (!frontend) throw new Error('--runs must be at least 1');
    const url = `http://127.0.0.1:${frontend.port}/`;
    const monolithUrl = `http://127.0.0.1:${monolith.port}/`;
    for (let i = 0; i < 20; i++) {
      await fetch(url.replace(/\/$/, '/api/entries'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ author: 'Bench', text: `entry ${i}, quite a nice one` }),
      });
    }
    const page = await fetch(url).then((r) => r.text());
    const script = await fetch(`${url}live.js`).then((r) => r.text());
    const result = {
      runs: samples.length,
      readyMs: Math.round(median(samples.map((s) => s.readyMs))),
      idleRssMiB: Number(median(samples.map((s) => s.rssMiB)).toFixed(1)),
      pageBytes: Buffer.byteLength(page),
      scriptBytes: Buffer.byteLength(script),
      getPage: load(url),
      // The same load on the monolith (page straight from Redis) in the same run, for scale.
      monolithGetPage: load(monolithUrl),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    mkdirSync(path.join(root, 'test-output/bench'), { recursive: true });
    writeFileSync(
      path.join(root, 'test-output/bench/frontend.json'),
      JSON.stringify(result, null, 2),
    );
  } finally {
    await Promise.all(started.map((b) => b.kill()));
    await redis.dispose();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
