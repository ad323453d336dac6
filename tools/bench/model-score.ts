// model-svc: ModelService/Score calls per second and p50/p99 latency per model
// version, from one client (one channel) at a fixed concurrency, against the
// TypeScript ModelService (libs/model-service, the same contract over
// grpc-js: the baseline of each row) and the monolith's in-process model
// (libs/sentiment called directly, no network: what scoring alone costs),
// all measured the same way in the same run; plus model-svc's start-up to
// gRPC health SERVING and its idle RSS.
//
//   npm run build && node dist/tools/bench/model-score.js [--concurrency 16] [--seconds 5] [--runs 3] [--json out.json]
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { credentials, Metadata } from '@grpc/grpc-js';
import { createModelServer } from '@fig/model-service';
import { model as pb } from '@fig/proto';
import { createModel, evaluationSet, MODEL_VERSIONS, type ModelVersion } from '@fig/sentiment';
import { startBundle } from '@fig/testing';
import { kill, untilServing } from './grpc';
import { writeBenchReport, type BenchRow } from './report';
import {
  freePort,
  measureThroughput,
  rssMiB,
  root,
  sleep,
  reportStartup,
  throughputRow,
  type Startup,
  type Throughput,
} from './support';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    json: { type: 'string', default: path.join(root, 'test-output/bench/model-score.json') },
    // Internal: this bundle run as the TypeScript ModelService in a process of its own.
    serve: { type: 'string' },
    port: { type: 'string' },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const runs = Number(values.runs);
const versions = MODEL_VERSIONS;
const texts = evaluationSet.map((e) => e.text);

/** The Python model-svc as Kubernetes runs it (`python -m model_svc`), timed from start to gRPC health SERVING. */
async function startPython(version: ModelVersion) {
  const started = performance.now();
  const svc = await startBundle('model-svc', {
    env: { MODEL_VERSION: version },
    waitFor: 'nothing',
  });
  // startBundle's children never hold a test runner open; a benchmark waits on its own.
  svc.proc.child.ref();
  await untilServing(svc.proc.child, svc.port);
  return { child: svc.proc.child, port: svc.port, servingMs: performance.now() - started };
}

/** The TypeScript ModelService in a process of its own, as model-svc is. */
async function startTypeScript(version: ModelVersion) {
  const port = await freePort();
  const child = spawn(process.execPath, [__filename, '--serve', version, '--port', String(port)], {
    stdio: 'ignore',
  });
  await untilServing(child, port);
  return { child, port };
}

function scoreLoad(port: number): Promise<Throughput> {
  const client = new pb.ModelServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const score = (i: number) =>
    new Promise((resolve, reject) =>
      client.score(
        { text: texts[i % texts.length]! },
        new Metadata(),
        { deadline: Date.now() + 2_000 },
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );
  return measureThroughput(score, { concurrency, seconds }).finally(() => client.close());
}

/**
 * The monolith's way: the model called in process, one text at a time. The
 * calls are synchronous, so they are timed in a plain loop (a promise-based
 * worker would never let the clock's timer fire).
 */
function inProcessLoad(version: ModelVersion): Throughput {
  const model = createModel(version);
  const run = (ms: number, record: boolean) => {
    const latencies: number[] = [];
    const end = performance.now() + ms;
    for (let i = 0; performance.now() < end; i++) {
      const t = performance.now();
      model.score(texts[i % texts.length]!);
      if (record) latencies.push(performance.now() - t);
    }
    return latencies;
  };
  run(1_000, false); // warm-up: JIT
  const latencies = run(seconds * 1_000, true).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.floor(latencies.length * p)] ?? NaN;
  return {
    callsPerSecond: latencies.length / seconds,
    errors: 0,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
}

async function main() {
  const children: ChildProcess[] = [];
  try {
    const startups: Startup[] = [];
    for (let i = 0; i < runs; i++) {
      const svc = await startPython('v1');
      await sleep(2_000);
      startups.push({ servingMs: svc.servingMs, rss: rssMiB(svc.child.pid) });
      await kill(svc.child);
    }
    const rows: { version: ModelVersion; name: string; result: Throughput }[] = [];
    for (const version of versions) {
      const ts = await startTypeScript(version);
      children.push(ts.child);
      const baseline = await scoreLoad(ts.port);
      await kill(ts.child);
      const python = await startPython(version);
      children.push(python.child);
      const result = await scoreLoad(python.port);
      await kill(python.child);
      rows.push(
        { version, name: `baseline: TypeScript ModelService ${version}`, result: baseline },
        { version, name: `model-svc (Python) ${version}`, result },
        {
          version,
          name: `monolith in-process model ${version}`,
          result: inProcessLoad(version),
        },
      );
    }
    const summary = {
      concurrency,
      seconds,
      startup: reportStartup('model-svc', startups),
      rows,
    };
    process.stdout.write(
      `Score, one text of the evaluation set per call, one client, concurrency ${concurrency} (in process: 1), ${seconds} s\n`,
    );
    process.stdout.write(
      'target                                      calls/s   ×base   p50 ms   p99 ms  errors\n',
    );
    for (const version of versions) {
      const mine = rows.filter((r) => r.version === version);
      const base = mine[0]!.result;
      for (const r of mine) process.stdout.write(throughputRow(r.name, r.result, base, 42));
    }
    const command = `node dist/tools/bench/model-score.js --concurrency ${concurrency} --seconds ${seconds} --runs ${runs}`;
    const reportRows: BenchRow[] = versions.map((version) => {
      const [base, python, inProcess] = rows
        .filter((r) => r.version === version)
        .map((r) => r.result) as [Throughput, Throughput, Throughput];
      const ratio = python.callsPerSecond / base.callsPerSecond;
      return {
        what: `model-svc (Python) \`Score\`, model ${version}, one client, concurrency ${concurrency}`,
        figure: `${(python.callsPerSecond / 1000).toFixed(2)}k calls/s, p99 ${python.p99Ms.toFixed(1)} ms, ${python.errors} errors`,
        baseline:
          `${ratio.toFixed(2)}× the TypeScript ModelService (same contract over grpc-js, ${(base.callsPerSecond / 1000).toFixed(2)}k calls/s); ` +
          `the model in process, no network: ${(inProcess.callsPerSecond / 1000).toFixed(0)}k calls/s`,
        command,
        ratios: [
          {
            label: `model-svc Score ${version} (× TypeScript ModelService)`,
            value: Number(ratio.toFixed(2)),
            higherIsBetter: true,
          },
        ],
      };
    });
    reportRows.push({
      what: 'model-svc (Python): start → gRPC health SERVING; idle RSS 2 s after',
      figure: `${summary.startup.servingMs.toFixed(0)} ms; ${summary.startup.idleRssMiB.toFixed(1)} MiB`,
      baseline: `median of ${summary.startup.runs} start-ups (no baseline: the only Python service)`,
      command,
    });
    writeBenchReport(values.json as string, {
      bench: 'model-score',
      command,
      cores: cpus().length,
      rows: reportRows,
      data: summary,
    });
  } finally {
    await Promise.all(children.map(kill));
  }
}

if (values.serve) {
  const server = createModelServer(values.serve as ModelVersion);
  void server.listen(Number(values.port));
} else {
  main().catch((err: Error) => {
    process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  });
}
