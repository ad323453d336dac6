// The frontend's figures, on stage 3 as local processes (Redis, store-svc,
// monolith, frontend, production bundles started as their images start them:
// the Dockerfile's Node options and ENV, the telemetry bootstrap):
// start-up to ready (spawn → /readyz 200, which needs store-svc SERVING),
// idle RSS 2 s after ready, and `GET /` throughput and p99 at concurrency 32
// (with the monolith's `GET /` under the same load as a yardstick).
//
//   node dist/tools/bench/frontend-page.js [--runs 5] [--rounds 3] [--seconds 10] [--connections 32] [--json out.json]
//
// The load rounds alternate frontend and monolith, and the ratio is the median
// of the per-round ratios, so a burst of other work falls on both alike.
//
// --compare <label>=<folder>: also run store-svc and the frontend of another
// build (a copy of dist/apps made before a change, inside the workspace so its
// packages resolve) against the same Redis and monolith, in the same rounds,
// and print each build's ratios and CPU time per request (frontend and its
// store-svc, from /proc, ADR 0217: it varies far less between rounds than the
// rate on a shared machine). The report keeps this build's row only.
//
// Needs the bundles (npx nx run-many -t build) and redis-server; measures with
// wrk only (installed first; the run stops when it cannot be).
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBundle, type RunningBundle } from '@fig/testing';
import { writeBenchReport } from './report';
import { appBuildComparisons, median, pids, root, rssMiB, sleep, startRedis } from './support';
import { asInImage } from './startup-image';
import { requireWrk, runWrkWithCpu, wrkCommand } from './wrk';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    json: { type: 'string', default: path.join(root, 'test-output/bench/frontend-page.json') },
    compare: { type: 'string', multiple: true },
  },
});

const comparisons = appBuildComparisons(values.compare, 'frontend');

const started: RunningBundle[] = [];

/** A production bundle started as its image does (traced), timed from spawn to /readyz 200. */
async function startApp(app: string, env: Record<string, string>, distDir?: string) {
  const begin = performance.now();
  const bundle = await startBundle(app, {
    ...asInImage(root, env),
    readyPollMs: 5,
    ...(distDir ? { distDir } : {}),
  });
  started.push(bundle);
  return { bundle, port: bundle.port, readyMs: performance.now() - begin };
}

const withoutNumbers = (html: string) => html.replace(/\d+/g, '#');

/** A frontend with its own store-svc, as one build runs them. */
interface PageBuild {
  label: string;
  url: string;
  frontend: RunningBundle;
  store: RunningBundle;
}

/** One load run, with the CPU time each of the processes serving it spent per request. */
function loadWithCpu(url: string, processes: Record<string, RunningBundle>) {
  const [connections, seconds] = [Number(values.connections), Number(values.seconds)];
  return {
    tool: wrkCommand(connections, seconds),
    ...runWrkWithCpu(url, connections, seconds, pids(processes)),
  };
}

const loadBuild = ({ url, frontend, store }: PageBuild) => loadWithCpu(url, { frontend, store });

async function main() {
  requireWrk();
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
    const others: PageBuild[] = [];
    for (const [label, distDir] of comparisons) {
      const otherStore = await startApp('store-svc', { REDIS_URL: redisUrl }, distDir);
      const other = await startApp(
        'frontend',
        { ...env, STORE_ADDR: `ipv4:127.0.0.1:${otherStore.port}` },
        distDir,
      );
      const otherUrl = `http://127.0.0.1:${other.port}/`;
      // The builds must serve the same page, visit counts aside, before they are compared.
      const otherPage = await fetch(otherUrl).then((r) => r.text());
      if (withoutNumbers(otherPage) !== withoutNumbers(page))
        throw new Error(`--compare ${label}: its page differs from this build's`);
      others.push({ label, url: otherUrl, frontend: other.bundle, store: otherStore.bundle });
    }
    const current: PageBuild = {
      label: 'this build',
      url,
      frontend: frontend.bundle,
      store: store.bundle,
    };
    const rounds: {
      frontend: ReturnType<typeof loadBuild>;
      monolith: ReturnType<typeof loadWithCpu>;
      others: ReturnType<typeof loadBuild>[];
    }[] = [];
    for (let i = 0; i < Number(values.rounds); i++) {
      // Builds take turns going first, so neither always meets a warmer machine.
      const order = i % 2 ? [...others, current] : [current, ...others];
      const measured = new Map(order.map((build) => [build, loadBuild(build)]));
      rounds.push({
        frontend: measured.get(current) as ReturnType<typeof loadBuild>,
        others: others.map((build) => measured.get(build) as ReturnType<typeof loadBuild>),
        // The monolith's page straight from Redis under the same load, in the same round, for scale.
        monolith: loadWithCpu(monolithUrl, { monolith: monolith.bundle }),
      });
    }
    const byRatio = [...rounds].sort(
      (a, b) => a.frontend.rps / a.monolith.rps - b.frontend.rps / b.monolith.rps,
    );
    const middle = byRatio[Math.floor(byRatio.length / 2)];
    if (!middle) throw new Error('--rounds must be at least 1');
    const result = {
      runs: samples.length,
      readyMs: Math.round(median(samples.map((s) => s.readyMs))),
      idleRssMiB: Number(median(samples.map((s) => s.rssMiB)).toFixed(1)),
      pageBytes: Buffer.byteLength(page),
      scriptBytes: Buffer.byteLength(script),
      // The round with the median ratio.
      getPage: middle.frontend,
      monolithGetPage: middle.monolith,
      ratios: rounds.map((r) => Number((r.frontend.rps / r.monolith.rps).toFixed(2))),
      cpuUsPerRequest: rounds.map((r) => ({
        ...r.frontend.cpuUsPerRequest,
        ...r.monolith.cpuUsPerRequest,
      })),
      compare: others.map((other, b) => ({
        label: other.label,
        ratios: rounds.map((r) => Number(((r.others[b]?.rps ?? NaN) / r.monolith.rps).toFixed(2))),
        cpuUsPerRequest: rounds.map((r) => r.others[b]?.cpuUsPerRequest),
      })),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const ratio = result.getPage.rps / result.monolithGetPage.rps;
    const command = `node dist/tools/bench/frontend-page.js --runs ${values.runs} --rounds ${values.rounds} --seconds ${values.seconds} --connections ${values.connections}`;
    writeBenchReport(values.json as string, {
      bench: 'frontend-page',
      command,
      cores: cpus().length,
      rows: [
        {
          what: `frontend \`GET /\` (stage 3: page from store-svc over gRPC), ${result.getPage.tool}`,
          figure: `${(result.getPage.rps / 1000).toFixed(2)}k req/s, p99 ${result.getPage.p99Ms.toFixed(0)} ms`,
          baseline: `${ratio.toFixed(2)}× the monolith's \`GET /\` (${(result.monolithGetPage.rps / 1000).toFixed(2)}k req/s), median of ${rounds.length} alternating rounds (${result.ratios.join(', ')})`,
          command,
          ratios: [
            {
              label: 'frontend GET / (× monolith GET /)',
              value: Number(ratio.toFixed(2)),
              target: 0.6,
              higherIsBetter: true,
            },
          ],
        },
      ],
      data: result,
    });
  } finally {
    await Promise.all(started.map((b) => b.kill()));
    await redis.dispose();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
