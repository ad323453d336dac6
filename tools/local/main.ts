// `npm start`: a stage of the migration as local processes on a real Redis.
//
//   npm start                            the catalogue's default stage behind the gateway on :8080
//   npm start -- --stage 0               any stage of stages.yaml, by id or alias (0, 1, 2a, 2, 3, 3a, 4)
//   npm start -- --frontend-replicas 2 --store-replicas 2
//   npm start -- --ports auto            free ports instead of the standard ones
//   npm start -- --routes my-routes.yaml the gateway's route file (or GATEWAY_ROUTES=…)
//   npm start -- --stage 4 --model-v2    model-svc v2 beside v1 (MODEL_V2_ADDR), for the presets
//                                        in apps/gateway/routes/model-rollout (canary, A/B, mirror)
//   npm start -- --bind 0.0.0.0          reachable from the network (or BIND_ADDRESS=…);
//                                        every port binds 127.0.0.1 otherwise
//   npm start -- --stage 1 --routes my-routes.yaml --migrations migrations.yaml
//                                        the migrator too (control API :8086, ADR 0601),
//                                        driving my-routes.yaml: then `npm run migrate -- status`
//
// Ctrl-C stops every service in reverse order (each drains), then Redis; a
// second Ctrl-C kills them at once. When a service dies on its own (a crash,
// kill -9) the others and Redis are stopped too and the runner exits 1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findRoot, loadCatalogue, StageCatalogueError, type Stage } from '@fig/stages';
import {
  freePort,
  requireBuilt,
  serviceCommand,
  startProcess,
  startRedis,
  type ManagedProcess,
  type RedisServer,
} from '@fig/testing';
import { requireTools } from '../prereqs/prereqs';
import { formatLine } from './format';
import { planStage, reachableHost, scalable, type LocalProcess } from './topology';

const root = findRoot(__dirname);
const catalogue = loadCatalogue(root);

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    stage: { type: 'string', default: catalogue.defaultStage.id },
    'frontend-replicas': { type: 'string', default: '1' },
    'store-replicas': { type: 'string', default: '1' },
    ports: { type: 'string', default: 'standard' },
    'log-format': { type: 'string', default: 'pretty' },
    routes: { type: 'string', default: process.env.GATEWAY_ROUTES },
    bind: { type: 'string', default: process.env.BIND_ADDRESS ?? '127.0.0.1' },
    build: { type: 'boolean', default: false },
    'model-v2': { type: 'boolean', default: false },
    migrations: { type: 'string' },
  },
});

let stage: Stage;
try {
  stage = catalogue.resolve(args.stage);
} catch (err) {
  fail(err instanceof StageCatalogueError ? err.message : String(err));
}
const replicas: Record<string, number> = {
  frontend: Number(args['frontend-replicas']),
  'store-svc': Number(args['store-replicas']),
};
for (const app of scalable) {
  const n = replicas[app] as number;
  if (!Number.isInteger(n) || n < 1 || n > 9) fail(`${app} replicas must be 1-9`);
}
if (!['standard', 'auto'].includes(args.ports)) fail('--ports must be standard or auto');
if (args['model-v2'] && !stage.apps.includes('model-svc'))
  fail(`--model-v2 needs a stage that runs model-svc; ${stage.id} does not`);
const logFormat = args['log-format'] === 'json' ? 'json' : 'pretty';
const routes = args.routes ? path.resolve(args.routes) : undefined;
if (routes && !existsSync(routes)) fail(`the route file ${routes} does not exist`);
const migrations = args.migrations ? path.resolve(args.migrations) : undefined;
if (migrations) {
  if (!existsSync(migrations)) fail(`the migration spec ${migrations} does not exist`);
  if (!stage.apps.includes('gateway')) fail(`--migrations needs a stage with the gateway`);
  // The migrator rewrites the route file: a file of the user's, never a committed preset.
  if (!routes) fail('--migrations needs --routes <file>, the route file the migrator may rewrite');
}

requireTools('npm start', process.env.REDIS_URL ? [] : ['redis-server']);

if (args.build) {
  const build = spawnSync(
    'npx',
    ['nx', 'run', 'tools:build-apps', '--output-style=stream-without-prefixes'],
    { cwd: root, stdio: 'inherit', env: { ...process.env, NX_TUI: 'false' } },
  );
  if (build.status !== 0) fail('building the apps failed');
}

const running: { proc: LocalProcess; managed: ManagedProcess }[] = [];
let redis: RedisServer | undefined;
let stopping: Promise<void> | undefined;

/** Stops everything, front to back (nothing is left calling a service that has gone), then Redis. */
function shutdown(code: number): Promise<void> {
  stopping ??= (async () => {
    process.stdout.write('\nstopping…\n');
    for (const { proc, managed } of [...running].reverse()) {
      managed.signal('SIGTERM');
      const drained = await Promise.race([
        managed.exited.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 10_000).unref()),
      ]);
      if (!drained) await managed.kill();
      process.stdout.write(`  ${proc.name} stopped\n`);
    }
    if (redis) {
      await (args.ports === 'auto' ? redis.dispose() : redis.stop());
      process.stdout.write('  redis stopped\n');
    }
    process.exit(code);
  })();
  return stopping;
}

/** A second Ctrl-C, or the runner itself ending: nothing may outlive it. */
function killEverything() {
  for (const { managed } of running) managed.child.kill('SIGKILL');
  void redis?.crash();
}

process.on('SIGINT', () => {
  if (!stopping) return void shutdown(0);
  killEverything();
  process.exit(130);
});
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
process.on('exit', killEverything);

async function launch(proc: LocalProcess, host: string) {
  // Node services from their bundles (traced as the image runs them), model-svc from its venv.
  const command = serviceCommand(proc.app, { root, traced: true });
  requireBuilt(proc.app, command);
  const managed = await startProcess({
    ...(command.command ? { command: command.command } : {}),
    args: command.args,
    cwd: command.cwd,
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...proc.env } as Record<
      string,
      string
    >,
    readyUrl: `http://${host}:${proc.opsPort}/readyz`,
    // Generous: a busy laptop building in the background still gets there.
    readyTimeoutMs: Math.max(30_000, command.readyTimeoutMs),
    detached: true,
    keepOutput: false,
    onLine: (line, stream) =>
      (stream === 'stdout' ? process.stdout : process.stderr).write(
        `${formatLine(proc.name, line, logFormat)}\n`,
      ),
  });
  // startProcess lets a test runner exit past its children; this runner lives as long as they do.
  managed.child.ref();
  running.push({ proc, managed });
  void managed.exited.then((how) => {
    if (stopping) return;
    process.stderr.write(`[${proc.name}] exited unexpectedly (${how}); stopping everything\n`);
    void shutdown(1);
  });
}

/** The migrator beside the stage, driving the gateway's route file from its metrics. */
async function migratorProcess(
  plan: LocalProcess[],
  host: string,
  spec: string,
): Promise<LocalProcess> {
  const gateway = plan.find((p) => p.app === 'gateway') as LocalProcess;
  const auto = args.ports === 'auto';
  const standard = catalogue.apps.get('migrator');
  const port = auto ? await freePort() : (standard?.port ?? 8086);
  const opsPort = auto ? await freePort() : (standard?.ops ?? 9086);
  return {
    name: 'migrator',
    app: 'migrator',
    port,
    opsPort,
    env: {
      PORT: String(port),
      OPS_PORT: String(opsPort),
      BIND_ADDRESS: args.bind,
      MIGRATIONS: spec,
      GATEWAY_ROUTES: routes as string,
      GATEWAY_OPS_URLS: `http://${host}:${gateway.opsPort}`,
      // A run that is not the learner's (the workshop spec) keeps its progress elsewhere.
      MIGRATOR_STATE: process.env.MIGRATOR_STATE ?? path.join(root, '.data/migrator-state.json'),
    },
  };
}

async function main() {
  const auto = args.ports === 'auto';
  if (!process.env.REDIS_URL) {
    // On the standard port the data persists in .data/redis; a run on free
    // ports (a second system, a test) gets a folder of its own, removed at exit.
    redis = await startRedis({
      aof: true,
      fsync: 'everysec',
      ...(auto
        ? {}
        : { port: catalogue.apps.get('redis')?.port ?? 6379, dir: path.join(root, '.data/redis') }),
    });
  }
  const redisUrl = process.env.REDIS_URL ?? (redis as RedisServer).url;
  const host = reachableHost(args.bind);
  const plan = await planStage({
    catalogue,
    stage,
    replicas,
    redisUrl,
    root,
    bindAddress: args.bind,
    routes,
    modelV2: args['model-v2'],
    ...(auto ? { portFor: () => freePort() } : {}),
  });

  process.stdout.write(`Fig — ${stage.id}: ${stage.title}\n`);
  const kept = args.ports === 'auto' ? 'a temporary folder' : '.data/redis';
  process.stdout.write(`  redis      ${redisUrl}${redis ? ` (spawned, data in ${kept})` : ''}\n`);
  if (routes) process.stdout.write(`  routes     ${routes}\n`);
  for (const proc of plan) await launch(proc, host);
  if (migrations) await launch(await migratorProcess(plan, host, migrations), host);

  const entry = plan.find((p) => p.app === stage.entry) as LocalProcess;
  const shown = host === '127.0.0.1' ? 'localhost' : host;
  process.stdout.write('\nReady:\n');
  for (const { proc: p, managed } of running) {
    const url =
      catalogue.apps.get(p.app)?.protocol === 'grpc'
        ? `grpc://${host}:${p.port}`
        : `http://${shown}:${p.port}`;
    process.stdout.write(
      `  ${p.name.padEnd(12)} ${url.padEnd(28)} ops http://${shown}:${p.opsPort}  pid ${managed.child.pid}\n`,
    );
  }
  process.stdout.write(`\nOpen http://${shown}:${entry.port}/  (Ctrl-C to stop)\n`);
  const liveView = plan.find((p) => p.app === 'live-view');
  if (liveView) process.stdout.write(`Watch it live at http://${shown}:${liveView.port}/\n`);
  // Machine-readable, for the specs: the live view's line first, so it is there once the entry's is.
  if (liveView) process.stdout.write(`FIG_LIVE_VIEW_URL=http://${host}:${liveView.port}\n`);
  process.stdout.write(`FIG_ENTRY_URL=http://${host}:${entry.port}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`npm start: ${err.message}\n`);
  void shutdown(1);
});
