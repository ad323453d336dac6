// `npm run bench`: every benchmark in turn, each measuring its figures as
// ratios against a baseline in the same run and writing a report to
// test-output/bench/<name>.json; then the reports are gathered into
// docs/benchmarks/results.json, and the charts (docs/benchmarks/*.svg) and the
// README's "Measured here" table are drawn from that file.
//
//   node dist/tools/bench/run-all.js [--only startup,gateway/run] [--render]
//     [--compare label=instrument.js] [--boutique <microservices-demo checkout>] [--node-defaults]
//
// --render draws the charts and the table again from the committed
// results.json without measuring anything.
//
// The benchmarks are the ones listed below, in that order, then any other
// bundled one in dist/tools/bench/ (a new benchmark needs only its entry in
// tools/build/bundle.mjs, a `--json <file>` option, and a report in the shape
// of report.ts to appear in the table).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  renderCharts,
  renderTable,
  replaceTable,
  type BenchReport,
  type BenchResults,
} from './report';
import { root } from './support';
import { ensureCommands, requireWrk } from './wrk';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    render: { type: 'boolean', default: false },
    /** Passed to the start-up benchmark: another bootstrap build to measure beside this one. */
    compare: { type: 'string', multiple: true },
    /** Passed to the start-up benchmark: a checkout of Online Boutique, its currencyservice as the peer. */
    boutique: { type: 'string' },
    /** Passed to the start-up benchmark: each service also started without the images' Node options. */
    'node-defaults': { type: 'boolean', default: false },
  },
});

const out = path.join(root, 'test-output/bench');
const docs = path.join(root, 'docs/benchmarks');
const resultsFile = path.join(docs, 'results.json');
const ordered = [
  'startup',
  'store-list',
  'model-score',
  'frontend-page',
  'transcode',
  'gateway/run',
];
/** Bundled next to the benchmarks but not benchmarks themselves. */
const helpers = new Set(['run-all', 'gateway/upstream', 'gateway/express-proxy']);

function benchmarks(): string[] {
  const dir = path.join(root, 'dist/tools/bench');
  const found = (sub: string): string[] =>
    readdirSync(path.join(dir, sub), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? found(path.join(sub, entry.name))
        : entry.name.endsWith('.js')
          ? [path.join(sub, entry.name.slice(0, -3))]
          : [],
    );
  const all = found('').filter((name) => !helpers.has(name));
  const listed = ordered.filter((name) => all.includes(name));
  return [...listed, ...all.filter((name) => !listed.includes(name)).sort()];
}

const order = (bench: string) => {
  const i = ordered.findIndex((name) => name.replace(/\/.*/, '') === bench);
  return i < 0 ? ordered.length : i;
};

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

function publish(results: BenchResults) {
  mkdirSync(docs, { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  for (const [name, svg] of Object.entries(renderCharts(results))) {
    writeFileSync(path.join(docs, `${name}.svg`), svg);
  }
  const readme = path.join(root, 'README.md');
  writeFileSync(readme, replaceTable(readFileSync(readme, 'utf8'), renderTable(results)));
  process.stdout.write(`\nwritten: ${path.relative(root, resultsFile)}, charts, README.md table\n`);
}

function measureAll(): BenchResults {
  // The instruments come first: Redis for the services, wrk for the load,
  // nginx and haproxy as the gateway's peers. Installed once (apt, idempotent),
  // before anything is measured, so no benchmark changes instrument mid-run.
  const missing = ensureCommands(['redis-server', 'nginx', 'haproxy']);
  if (missing.length) process.stdout.write(`still missing: ${missing.join(', ')}\n`);
  requireWrk();

  const only = values.only?.split(',');
  const names = benchmarks().filter((name) => !only || only.includes(name));
  const before = loadAverage();
  const benches: BenchReport[] = [];
  const failed: string[] = [];
  for (const name of names) {
    const json = path.join(out, `${name.replace(/\//g, '-')}.json`);
    rmSync(json, { force: true }); // a failed run must not report the previous figures
    const started = new Date().toISOString();
    const load = loadAverage();
    process.stdout.write(`\n== ${name}\n`);
    const extra =
      name === 'startup'
        ? [
            ...(values.compare ?? []).flatMap((c) => ['--compare', c]),
            ...(values.boutique ? ['--boutique', values.boutique] : []),
            ...(values['node-defaults'] ? ['--node-defaults'] : []),
          ]
        : [];
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'dist/tools/bench', `${name}.js`), '--json', json, ...extra],
      {
        stdio: 'inherit',
      },
    );
    if (run.status !== 0 || !existsSync(json)) {
      failed.push(name);
      continue;
    }
    const measured = {
      measuredAt: started,
      loadAverage: [load[0], loadAverage()[0]] as [number, number],
    };
    const report = JSON.parse(readFileSync(json, 'utf8'));
    benches.push(
      // A benchmark that writes only its raw figures gets no rows in the table.
      typeof report.bench === 'string' && Array.isArray(report.rows)
        ? { ...(report as BenchReport), ...measured }
        : {
            ...measured,
            bench: name,
            command: `node dist/tools/bench/${name}.js`,
            cores: cpus().length,
            rows: [],
            data: report,
          },
    );
  }
  // --only re-measures some benchmarks and keeps the others' figures from the file.
  const kept =
    only && existsSync(resultsFile)
      ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults).benches.filter(
          (b) => !benches.some((n) => n.bench === b.bench),
        )
      : [];
  return {
    generatedAt: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      loadAverage: { before, after: loadAverage() },
    },
    benches: [...benches, ...kept].sort(
      (a, b) => order(a.bench) - order(b.bench) || a.bench.localeCompare(b.bench),
    ),
    failed,
  };
}

const results = values.render
  ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults)
  : measureAll();
publish(results);
process.exit(results.failed.length ? 1 : 0);
