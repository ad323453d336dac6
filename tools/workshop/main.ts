// `npm run workshop -- …`: the workshop's companion (docs/workshop/README.md).
//
//   npm run workshop -- list                 the exercises, their stage and tracks
//   npm run workshop -- check 7              is exercise 7 done? (exit 0 yes, 1 not yet, 2 usage)
//       --url http://localhost:8080          the front door (env FIG_URL; default: the stage's entry port,
//                                            8080 on a cluster, where skaffold forwards it)
//       --ops http://localhost:9080          the entry's ops port (env FIG_OPS_URL; on a cluster,
//                                            kubectl -n fig port-forward deploy/gateway 9080)
//       --track local|cluster                cluster adds what kubectl can see (default local)
//       --log .data/fig.log --jaeger URL     for exercise 14
//       --migrator http://localhost:8086     for exercise 17 (env MIGRATOR_URL)
//   npm run workshop -- load --seconds 60    steady traffic, a line a second: requests, failures, who served
import { parseArgs } from 'node:util';
import { findRoot, loadCatalogue } from '@fig/stages';
import { docFile, exercises, type Exercise } from './exercises';
import { formatSummary, runLoad } from './load';
import { Missing, Probe, type Track } from './probe';

const catalogue = loadCatalogue(findRoot(__dirname));

function usage(message: string): never {
  process.stderr.write(
    `workshop: ${message}\nusage: npm run workshop -- list | check <1-${exercises.length}> [--url U] [--ops U] [--track local|cluster] | load [--url U] [--seconds N]\n`,
  );
  process.exit(2);
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.FIG_URL },
    ops: { type: 'string', default: process.env.FIG_OPS_URL },
    track: { type: 'string', default: 'local' },
    log: { type: 'string' },
    jaeger: { type: 'string' },
    migrator: { type: 'string', default: process.env.MIGRATOR_URL },
    seconds: { type: 'string', default: '30' },
    clients: { type: 'string', default: '4' },
    'no-writes': { type: 'boolean', default: false },
  },
});

/** The stage's entry on its standard ports (npm start's defaults), or the forwarded front door. */
function defaults(exercise: Exercise, track: Track) {
  const stage = catalogue.resolve(exercise.stage);
  const entry = catalogue.apps.get(stage.entry);
  return {
    url: `http://localhost:${track === 'cluster' ? 8080 : entry?.port}`,
    ops: `http://localhost:${entry?.ops}`,
  };
}

function list() {
  for (const e of exercises) {
    const tracks = e.tracks.join('+').padEnd(13);
    process.stdout.write(
      `${String(e.n).padStart(2)}  ${e.title}\n    docs/workshop/${docFile(e)}  ${catalogue.resolve(e.stage).id}  ${tracks} ~${e.minutes} min\n`,
    );
  }
}

async function check(n: string | undefined) {
  const exercise = exercises.find((e) => String(e.n) === n);
  if (!exercise) usage(`no exercise ${n ?? ''}`.trim());
  const track = args.track as Track;
  if (!['local', 'cluster'].includes(track)) usage('--track must be local or cluster');
  const fallback = defaults(exercise, track);
  const alias = catalogue.resolve(exercise.stage).aliases[0];
  const probe = new Probe({
    url: args.url ?? fallback.url,
    ops: args.ops ?? fallback.ops,
    track,
    startHint:
      track === 'local'
        ? `is the stage running? npm start -- --stage ${alias}`
        : `is the stage deployed and forwarded? skaffold dev -p ${catalogue.resolve(exercise.stage).id}`,
    ...(args.log ? { log: args.log } : {}),
    ...(args.jaeger ? { jaeger: args.jaeger } : {}),
    ...(args.migrator ? { migrator: args.migrator } : {}),
  });
  process.stdout.write(
    `Exercise ${exercise.n}: ${exercise.title} (${track} track, ${probe.options.url})\n`,
  );
  try {
    await exercise.check(probe);
    for (const line of probe.passed) process.stdout.write(`  ✓ ${line}\n`);
    process.stdout.write(`PASS: exercise ${exercise.n} is done\n`);
  } catch (err) {
    for (const line of probe.passed) process.stdout.write(`  ✓ ${line}\n`);
    if (!(err instanceof Missing)) throw err;
    process.stdout.write(
      `  ✗ ${err.message}\n    hint: ${err.hint}\nNOT YET: exercise ${exercise.n}\n`,
    );
    process.exitCode = 1;
  }
}

async function load() {
  const seconds = Number(args.seconds);
  const clients = Number(args.clients);
  if (!(seconds > 0 && seconds <= 3600)) usage('--seconds must be 1-3600');
  if (!(Number.isInteger(clients) && clients > 0 && clients <= 32)) usage('--clients must be 1-32');
  const url = args.url ?? 'http://localhost:8080';
  process.stdout.write(
    `load on ${url} for ${seconds} s, ${clients} readers${args['no-writes'] ? '' : ' and a writer'}\n`,
  );
  let last = { requests: 0, failed: 0 };
  const summary = await runLoad({
    url,
    seconds,
    clients,
    writes: !args['no-writes'],
    onTick: (s) => {
      process.stdout.write(
        `  +${s.requests - last.requests} requests, +${s.failed - last.failed} failed | ${formatSummary(s)}\n`,
      );
      last = { requests: s.requests, failed: s.failed };
    },
  });
  process.stdout.write(`done: ${formatSummary(summary)}\n`);
  process.exitCode = summary.failed ? 1 : 0;
}

const [command, n] = positionals;
const run =
  command === 'list'
    ? async () => list()
    : command === 'check'
      ? () => check(n)
      : command === 'load'
        ? load
        : undefined;
if (!run) usage(command ? `unknown command ${command}` : 'a command is needed');
run().catch((err: Error) => {
  process.stderr.write(`workshop: ${err.stack ?? err.message}\n`);
  process.exitCode = 2;
});
