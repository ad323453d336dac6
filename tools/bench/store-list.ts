// store-svc: start-up to gRPC health SERVING, idle RSS, and ListEntries calls
// per second from one client (one channel) at a fixed concurrency, against a
// bare grpc-js server answering the same page from memory, measured the same
// way in the same run (the baseline: what gRPC alone costs on this machine).
//
//   npm run build && node dist/tools/bench/store-list.js [--concurrency 32] [--seconds 5] [--runs 5] [--json out.json]
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startBundle } from '@fig/testing';
import { writeBenchReport } from './report';
import { kill, unary, untilServing, type ClientConstructor } from './grpc';
import { asInImage } from './startup-image';
import {
  freePort,
  measureThroughput,
  root,
  rssMiB,
  sleep,
  startRedis,
  reportStartup,
  type Startup,
  throughputRow,
} from './support';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '5' },
    json: { type: 'string', default: path.join(root, 'test-output/bench/store-list.json') },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const runs = Number(values.runs);

const protoFile = path.join(root, 'libs/proto/proto/fig/store/v1/store.proto');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loaded: any = grpc.loadPackageDefinition(
  protoLoader.loadSync([protoFile], { longs: Number, enums: String }),
);
const StoreService = loaded.fig.store.v1.StoreService as ClientConstructor;

function spawnNode(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  });
}

/** store-svc as the image runs it (its Node options, ENV and traced bootstrap), timed from start to gRPC health SERVING. */
async function startStore(redisUrl: string) {
  const started = performance.now();
  const store = await startBundle('store-svc', {
    ...asInImage(root, { REDIS_URL: redisUrl }),
    waitFor: 'nothing',
  });
  // startBundle's children never hold a test runner open; a benchmark waits on its own.
  store.proc.child.ref();
  await untilServing(store.proc.child, store.port);
  return { child: store.proc.child, port: store.port, servingMs: performance.now() - started };
}

// The baseline: the same service definition, the page held in memory.
const baselineScript = `
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const { HealthImplementation } = require('grpc-health-check');
const pkg = grpc.loadPackageDefinition(loader.loadSync(${JSON.stringify(protoFile)}, { longs: Number, enums: String }));
const page = JSON.parse(process.env.PAGE);
const server = new grpc.Server();
server.addService(pkg.fig.store.v1.StoreService.service, { ListEntries: (_c, cb) => cb(null, page) });
new HealthImplementation({ '': 'SERVING' }).addToServer(server);
server.bindAsync('127.0.0.1:' + process.env.PORT, grpc.ServerCredentials.createInsecure(), () => {});
`;

function load(port: number) {
  const client = new StoreService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const request = { page_size: 20, page_token: '' };
  return measureThroughput(() => unary(client, 'ListEntries', request), {
    concurrency,
    seconds,
  }).finally(() => client.close());
}

async function main() {
  const redis = await startRedis();
  const redisUrl = redis.url;
  const children: ChildProcess[] = [];
  try {
    const startups: Startup[] = [];
    for (let i = 0; i < runs; i++) {
      const store = await startStore(redisUrl);
      await sleep(2_000);
      startups.push({ servingMs: store.servingMs, rss: rssMiB(store.child.pid) });
      await kill(store.child);
    }

    const store = await startStore(redisUrl);
    children.push(store.child);
    const writer = new StoreService(`127.0.0.1:${store.port}`, grpc.credentials.createInsecure());
    for (let i = 0; i < 20; i++) {
      await unary(writer, 'AddEntry', {
        author: `Author ${i}`,
        text: `A guestbook entry of ordinary length, number ${i}, to list.`,
        sentiment: { label: 'SENTIMENT_LABEL_POSITIVE', score: 0.5, model: 'v2' },
      });
    }
    const page = await unary(writer, 'ListEntries', { page_size: 20 });
    writer.close();

    const basePort = await freePort();
    const baseline = spawnNode(['-e', baselineScript], {
      PORT: String(basePort),
      PAGE: JSON.stringify(page),
    });
    children.push(baseline);
    await untilServing(baseline, basePort);

    const results = [
      { name: 'baseline: bare grpc-js, page in memory', ...(await load(basePort)) },
      { name: 'store-svc ListEntries (Redis)', ...(await load(store.port)) },
    ];
    const summary = {
      concurrency,
      seconds,
      startup: reportStartup('store-svc', startups, 'telemetry bootstrap loaded'),
      results,
    };
    process.stdout.write(
      `ListEntries, page of 20, one client, concurrency ${concurrency}, ${seconds} s\n`,
    );
    process.stdout.write(
      'target                                  calls/s   ×base   p50 ms   p99 ms  errors\n',
    );
    const base = results[0] as (typeof results)[number];
    for (const r of results) process.stdout.write(throughputRow(r.name, r, base));
    const [bare, svc] = results as [(typeof results)[number], (typeof results)[number]];
    const ratio = svc.callsPerSecond / bare.callsPerSecond;
    const command = `node dist/tools/bench/store-list.js --concurrency ${concurrency} --seconds ${seconds} --runs ${runs}`;
    writeBenchReport(values.json as string, {
      bench: 'store-list',
      command,
      cores: cpus().length,
      rows: [
        {
          what: `store-svc \`ListEntries\` (page of 20 from Redis), one client, concurrency ${concurrency}`,
          figure: `${(svc.callsPerSecond / 1000).toFixed(1)}k calls/s, p99 ${svc.p99Ms.toFixed(0)} ms, ${svc.errors} errors`,
          baseline: `${ratio.toFixed(2)}× a bare grpc-js server answering the same page from memory`,
          command,
          ratios: [
            {
              label: 'store-svc ListEntries (× bare grpc-js)',
              value: Number(ratio.toFixed(2)),
              higherIsBetter: true,
            },
          ],
        },
      ],
      data: summary,
    });
  } finally {
    await Promise.all(children.map(kill));
    await redis.dispose();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
