// `npm start`: the whole system as local processes on a real Redis.
//
//   npm start                          stage 3 behind the gateway on :8080
//   npm start -- --stage 0             the monolith alone on :8081
//   npm start -- --frontend-replicas 2 --store-replicas 2
//   npm start -- --ports auto          free ports instead of the standard ones
//
// Ctrl-C stops everything in reverse order (each service drains), then Redis.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from './ports.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatLine } from './format.mjs';
import { startLocalRedis } from './redis.mjs';
import { planStage, stages } from './topology.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values: args } = parseArgs({
  options: {
    stage: { type: 'string', default: '3' },
    'frontend-replicas': { type: 'string', default: '1' },
    'store-replicas': { type: 'string', default: '1' },
    ports: { type: 'string', default: 'standard' },
    'log-format': { type: 'string', default: 'pretty' },
  },
});

const stage = Number(args.stage);
if (!(stage in stages)) fail(`--stage must be one of ${Object.keys(stages).join(', ')}`);
const replicas = {
  frontend: Number(args['frontend-replicas']),
  'store-svc': Number(args['store-replicas']),
};
for (const [app, n] of Object.entries(replicas)) {
  if (!Number.isInteger(n) || n < 1 || n > 9) fail(`${app} replicas must be 1-9`);
}

function fail(message) {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(2);
}

const children = [];
let redis;
let stopping = false;

function launch(proc) {
  const dist = path.join(root, 'dist/apps', proc.app);
  if (!existsSync(path.join(dist, 'main.js')))
    fail(`${proc.app} is not built (run: npx nx run ${proc.app}:build)`);
  const child = spawn(
    process.execPath,
    ['--import', path.join(dist, 'instrument.js'), path.join(dist, 'main.js')],
    {
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...proc.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a terminal's Ctrl-C reaches only this runner,
      // which then stops each service once, in order, letting it drain.
      detached: true,
    },
  );
  const prefix = (stream, out) => {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) out.write(formatLine(proc.name, line, args['log-format']) + '\n');
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(
        `[${proc.name}] exited unexpectedly (${code ?? signal}); stopping everything\n`,
      );
      void shutdown(1);
    }
  });
  children.push({ proc, child });
}

async function waitReady(proc, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${proc.opsPort}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} was not ready within ${timeoutMs} ms`);
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping…\n');
  // Front to back, so nothing is left calling a service that has gone.
  for (const { proc, child } of [...children].reverse()) {
    if (child.exitCode !== null) continue;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    process.stdout.write(`  ${proc.name} stopped\n`);
  }
  await redis?.stop();
  process.exit(code);
}

process.on('SIGINT', () => (stopping ? process.exit(130) : void shutdown(0)));
// Whatever way this runner ends, it leaves no service behind.
process.on('exit', () =>
  children.forEach(({ child }) => child.exitCode === null && child.kill('SIGKILL')),
);
process.on('SIGTERM', () => void shutdown(0));

async function main() {
  const auto = args.ports === 'auto';
  redis = process.env.REDIS_URL
    ? undefined
    : await startLocalRedis({ root, port: auto ? await freePort() : 6379 });
  const redisUrl = process.env.REDIS_URL ?? redis.url;
  const plan = await planStage({
    stage,
    replicas,
    redisUrl,
    root,
    ...(auto ? { portFor: () => freePort() } : {}),
  });

  process.stdout.write(
    `Fig — ${stages[stage].title}\n  redis      ${redisUrl}${redis ? ' (spawned, data in .data/redis)' : ''}\n`,
  );
  for (const proc of plan) {
    launch(proc);
    await waitReady(proc);
  }
  const entry = plan.find((p) => p.app === stages[stage].entry);
  process.stdout.write('\nReady:\n');
  for (const p of plan) {
    const url = p.app === 'store-svc' ? `grpc://127.0.0.1:${p.port}` : `http://localhost:${p.port}`;
    process.stdout.write(
      `  ${p.name.padEnd(12)} ${url.padEnd(28)} ops http://localhost:${p.opsPort}\n`,
    );
  }
  process.stdout.write(`\nOpen http://localhost:${entry.port}/  (Ctrl-C to stop)\n`);
  process.stdout.write(`FIG_ENTRY_URL=http://127.0.0.1:${entry.port}\n`);
}

main().catch((err) => {
  process.stderr.write(`npm start: ${err.message}\n`);
  void shutdown(1);
});
