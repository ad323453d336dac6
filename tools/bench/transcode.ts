// Transcoding HTTP/JSON to gRPC: `GET /api/entries` through the gateway (its
// transcoder calls store-svc's ListEntries) against the same request answered
// by the monolith straight from Redis, and against grpc-gateway (Go), the
// usual transcoder, in front of the same store-svc under the same load.
//
//   node dist/tools/bench/transcode.js [--rounds 3] [--seconds 5] [--connections 32]
//     [--node <binary>] [--json out.json]
//
// The three alternate in rounds (wrk -t1, keep-alive) and each ratio is the
// median of the per-round ratios, so a burst of other work on a shared machine
// falls on all alike. Production bundles, tracing off in all three; `--node`
// runs Fig's services on another Node binary (the images run Node 24; the
// host's by default), which moves every figure here (ADR 0217).
//
// grpc-gateway is built here, outside the repository (~/.cache/fig-bench),
// from its Go module with Debian's protoc and the http-rule.yaml and main.go
// beside this file; when Go or protoc cannot be had, its row is left out and
// the report says why. Its JSON is protobuf's (createTime, nextPageToken),
// Fig's is the API's: the same entries, spelled differently.
//
// --compare <label>=<folder>: also run store-svc and the gateway of another
// build (a copy of dist/apps made before a change, inside the workspace so its
// packages resolve) in the same rounds, and print each build's ratio to the
// monolith and the CPU time per request of its gateway and store-svc (ADR
// 0217). The report keeps this build's rows only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBundle, type RunningBundle } from '@fig/testing';
import { writeBenchReport, type BenchRow } from './report';
import { appBuildComparisons, median, pids, root, startRedis } from './support';
import { startGrpcGateway } from './transcode/grpc-gateway';
import { requireWrk, runWrk, runWrkWithCpu, wrkCommand } from './wrk';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    json: { type: 'string', default: path.join(root, 'test-output/bench/transcode.json') },
    node: { type: 'string', default: process.execPath },
    compare: { type: 'string', multiple: true },
  },
});
const comparisons = appBuildComparisons(values.compare, 'gateway');
const node = values.node as string;
const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
const [rounds, seconds, connections] = [values.rounds, values.seconds, values.connections].map(
  Number,
) as [number, number, number];

/** The gateway's route file: the transcoded read as stage 2 serves it, the rest to the monolith. */
const routes = (monolithUrl: string) => `version: 1
upstreams:
  monolith: { endpoints: ["${monolithUrl}"] }
routes:
  - name: entries-read
    match: { methods: [GET], path: /api/entries }
    transcode: { rpc: ListEntries }
  - name: everything-else
    match: { prefix: / }
    proxy: { upstream: monolith }
`;

/** One wrk run, with the CPU time each of the processes serving it spent per request. */
const loadWithCpu = (url: string, processes: Record<string, RunningBundle>) =>
  runWrkWithCpu(url, connections, seconds, pids(processes));

async function main() {
  requireWrk();
  const started: RunningBundle[] = [];
  const redis = await startRedis();
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const monolith = await startBundle('monolith', { env: { REDIS_URL: redis.url }, node });
    started.push(monolith);
    const dir = mkdtempSync(path.join(tmpdir(), 'fig-bench-transcode-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'routes.yaml'), routes(`http://127.0.0.1:${monolith.port}`));
    /** store-svc and the gateway transcoding to it, of this build or another. */
    const startPath = async (distDir?: string) => {
      const build = distDir ? { distDir } : {};
      const store = await startBundle('store-svc', {
        env: { REDIS_URL: redis.url },
        node,
        ...build,
      });
      started.push(store);
      const gateway = await startBundle('gateway', {
        env: {
          GATEWAY_ROUTES: path.join(dir, 'routes.yaml'),
          STORE_ADDR: `ipv4:127.0.0.1:${store.port}`,
          ACCESS_LOG: 'false',
          MAX_IN_FLIGHT_PER_CLIENT: String(connections * 2),
        },
        node,
        ...build,
      });
      started.push(gateway);
      return { store, gateway };
    };
    const { store, gateway } = await startPath();
    const others: Record<string, Awaited<ReturnType<typeof startPath>>> = {};
    for (const [label, distDir] of comparisons) others[label] = await startPath(distDir);
    const storeAddr = `127.0.0.1:${store.port}`;
    const peer = await startGrpcGateway(storeAddr);
    if (peer.running) stops.push(peer.running.stop);

    const monolithUrl = `http://127.0.0.1:${monolith.port}/api/entries`;
    for (let i = 0; i < 20; i++) {
      await fetch(monolithUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ author: 'Bench', text: `entry ${i}, quite a nice one` }),
      });
    }
    const targets: Record<string, string> = {
      monolith: monolithUrl,
      gateway: `http://127.0.0.1:${gateway.port}/api/entries`,
      ...(peer.running ? { 'grpc-gateway': `${peer.running.url}/api/entries` } : {}),
      ...Object.fromEntries(
        Object.entries(others).map(([label, other]) => [
          `gateway@${label}`,
          `http://127.0.0.1:${other.gateway.port}/api/entries`,
        ]),
      ),
    };
    /** The processes whose CPU time each target's requests are charged with. */
    const serving: Record<string, Record<string, RunningBundle>> = {
      monolith: { monolith },
      gateway: { gateway, store },
      ...Object.fromEntries(
        Object.entries(others).map(([label, other]) => [`gateway@${label}`, other]),
      ),
    };
    // Every target must answer the same 20 entries before it is timed.
    for (const [name, url] of Object.entries(targets)) {
      const body = (await fetch(url).then((r) => r.json())) as { entries?: unknown[] };
      if (body.entries?.length !== 20) throw new Error(`${name} did not list 20 entries at ${url}`);
      runWrk(url, connections, 2);
    }
    const measured: Record<string, ReturnType<typeof loadWithCpu>[]> = {};
    const names = Object.keys(targets);
    for (let round = 0; round < rounds; round++) {
      // With --compare, every other round runs backwards, so no build always goes first.
      const order = comparisons.length && round % 2 ? [...names].reverse() : names;
      for (const name of order) {
        (measured[name] ??= []).push(loadWithCpu(targets[name] as string, serving[name] ?? {}));
      }
    }
    const perRound = (a: string, b: string) =>
      (measured[a] ?? []).map((r, i) => r.rps / (measured[b]?.[i]?.rps ?? NaN));
    const middle = (name: string) => {
      const runs = [...(measured[name] ?? [])].sort((x, y) => x.rps - y.rps);
      return runs[Math.floor(runs.length / 2)];
    };
    const tool = wrkCommand(connections, seconds);
    const command =
      `node dist/tools/bench/transcode.js --rounds ${rounds} --seconds ${seconds} --connections ${connections}` +
      (node !== process.execPath ? ' --node <binary>' : '');
    const figure = (name: string) => {
      const r = middle(name);
      return r ? `${(r.rps / 1000).toFixed(2)}k req/s, p99 ${r.p99Ms.toFixed(1)} ms` : 'n/a';
    };
    const vsMonolith = perRound('gateway', 'monolith');
    const rows: BenchRow[] = [
      {
        what: `gateway transcoding \`GET /api/entries\` (20 entries) to store-svc's ListEntries, ${tool}, Node ${nodeVersion}`,
        figure: figure('gateway'),
        baseline: `${median(vsMonolith).toFixed(2)}× the monolith's \`GET /api/entries\` straight from Redis (${figure('monolith')}), median of ${rounds} alternating rounds (${vsMonolith.map((x) => x.toFixed(2)).join(', ')})`,
        command,
        ratios: [
          {
            label: 'gateway transcoded GET /api/entries (× monolith direct)',
            value: Number(median(vsMonolith).toFixed(2)),
            target: 0.8,
            higherIsBetter: true,
          },
        ],
      },
    ];
    if (!peer.running) {
      rows.push({
        what: `gateway vs grpc-gateway ${peer.version} (Go) in front of the same store-svc`,
        figure: 'not measured',
        baseline: peer.why ?? 'grpc-gateway did not start',
        command,
      });
    } else {
      const vsPeer = perRound('gateway', 'grpc-gateway');
      rows.push({
        what: `gateway vs grpc-gateway ${peer.version} (Go, GOMAXPROCS=1) transcoding the same \`GET /api/entries\` to the same store-svc, ${tool}, Node ${nodeVersion}`,
        figure: `gateway ${figure('gateway')}; grpc-gateway ${figure('grpc-gateway')}`,
        baseline: `${median(vsPeer).toFixed(2)}× grpc-gateway, median of ${rounds} alternating rounds (${vsPeer.map((x) => x.toFixed(2)).join(', ')})`,
        command,
        ratios: [
          {
            label: 'gateway transcoder (× grpc-gateway)',
            value: Number(median(vsPeer).toFixed(2)),
            target: 0.8,
            higherIsBetter: true,
          },
        ],
      });
    }
    const data = {
      measured,
      compare: Object.keys(others).map((label) => ({
        label,
        vsMonolith: perRound(`gateway@${label}`, 'monolith').map((x) => Number(x.toFixed(2))),
      })),
      peer: peer.running ? { version: peer.version } : { missing: peer.why },
    };
    process.stdout.write(`${JSON.stringify({ rows, data }, null, 2)}\n`);
    writeBenchReport(values.json as string, {
      bench: 'transcode',
      command,
      cores: cpus().length,
      rows,
      data,
    });
  } finally {
    for (const stop of stops.reverse()) await stop();
    await Promise.all(started.map((b) => b.kill()));
    await redis.dispose();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
