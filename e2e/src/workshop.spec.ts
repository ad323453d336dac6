import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startBundle,
  startRedis,
  waitFor,
  type RedisServer,
  type RunningBundle,
} from '@fig/testing';
import { loadCatalogue } from '@fig/stages';
import { root, startLocalStage, type LocalStage } from './support/local-stage';

/**
 * The workshop's checks (`npm run workshop -- check N`) against the local
 * topology as `npm start` runs it: each check fails on its exercise's starting
 * state, then passes once the spec has done what the exercise asks the
 * learner to do, the way the exercise says to do it.
 */
const cli = path.join(root, 'dist/tools/workshop/run.js');
const presets = path.join(root, 'apps/gateway/routes');

interface Outcome {
  code: number;
  out: string;
}

interface Running {
  stage: LocalStage;
  url: string;
  ops: string;
}

/** A process's ops URL and pid from the runner's "Ready" table. */
function processOf(output: string, name: string) {
  const m = new RegExp(`^ {2}${name}\\s+\\S+\\s+ops (\\S+)\\s+pid (\\d+)$`, 'm').exec(output);
  if (!m) throw new Error(`no ${name} in:\n${output}`);
  return { ops: m[1] as string, pid: Number(m[2]) };
}

/** A process's own URL from the runner's "Ready" table. */
function urlOf(output: string, name: string) {
  const m = new RegExp(`^ {2}${name}\\s+(\\S+)\\s+ops `, 'm').exec(output);
  if (!m) throw new Error(`no ${name} in:\n${output}`);
  return m[1] as string;
}

async function start(
  stageId: string,
  entry: string,
  {
    args = [],
    env = {},
    redisUrl,
  }: { args?: string[]; env?: Record<string, string>; redisUrl?: string } = {},
): Promise<Running> {
  const stage = await startLocalStage(stageId, redisUrl, args, env);
  return { stage, url: stage.url, ops: processOf(stage.output(), entry).ops };
}

function workshop(args: string[]): Promise<Outcome> {
  return new Promise((resolve) =>
    execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({
        code: err ? Number((err as { code?: number }).code ?? 2) : 0,
        out: stdout + stderr,
      }),
    ),
  );
}

const check = (n: number, system: Running, extra: string[] = []) =>
  workshop(['check', String(n), '--url', system.url, '--ops', system.ops, ...extra]);

/** Passes when the check says PASS; shows its output otherwise. */
function expectPass(outcome: Outcome) {
  expect(outcome).toEqual({ code: 0, out: expect.stringContaining('PASS') });
}

function expectNotYet(outcome: Outcome, missing: string) {
  expect(outcome).toEqual({ code: 1, out: expect.stringContaining(missing) });
  expect(outcome.out).toContain('NOT YET');
}

const post = (system: Running, text: string) =>
  fetch(`${system.url}/api/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ author: 'Workshop', text }),
  });

const score = (system: Running, text: string) =>
  fetch(`${system.url}/api/sentiment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });

/** Waits until the gateway has loaded a route file whose table satisfies `ok`. */
const routesLoaded = (system: Running, ok: (text: string) => boolean, what: string) =>
  waitFor(async () => ok(await (await fetch(`${system.ops}/gateway/routes`)).text()), { what });

/** A copy of a route file the spec edits, as a learner edits `.data/routes.yaml`. */
function routeCopy(from: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'fig-workshop-')), 'routes.yaml');
  copyFileSync(from, file);
  return file;
}

const edit = (file: string, from: string | RegExp, to: string) => {
  const text = readFileSync(file, 'utf8');
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${from} is not in ${file}`);
  writeFileSync(file, changed);
};

describe('workshop checks on stage 0 (exercises 1, 2)', () => {
  let system: Running;
  let ownRedis: RedisServer | undefined;

  beforeAll(async () => {
    system = await start('0', 'monolith');
  }, 120_000);
  afterAll(async () => {
    await system?.stage.stop();
    await ownRedis?.dispose();
  });

  it('1 passes once the guestbook holds an entry', async () => {
    expectNotYet(await check(1, system), 'the guestbook has no entry yet');
    expect((await post(system, 'Hello, Fig!')).status).toBe(201);
    expectPass(await check(1, system));
  }, 60_000);

  it('6 fails while no gateway stands in front', async () => {
    expectNotYet(await check(6, system), '/gateway/routes');
  }, 60_000);

  it('2 passes once Redis was taken away under traffic and brought back', async () => {
    expectNotYet(await check(2, system), 'no request was answered 503 yet');
    const port = Number(/redis:\/\/127\.0\.0\.1:(\d+) \(spawned/.exec(system.stage.output())?.[1]);
    expect(spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).status).toBe(0);
    await waitFor(async () => (await fetch(`${system.url}/api/stats`)).status === 503, {
      what: 'the API answering 503 without Redis',
    });
    expectNotYet(await check(2, system), '/readyz answers 503');
    ownRedis = await startRedis({ port });
    await waitFor(async () => (await fetch(`${system.ops}/readyz`)).status === 200, {
      what: 'readiness back',
    });
    expectPass(await check(2, system));
  }, 90_000);
});

describe('workshop checks on stage 1 (exercises 5, 6)', () => {
  let redis: RedisServer;
  let green: RunningBundle;
  let system: Running;
  let routes: string;

  beforeAll(async () => {
    redis = await startRedis();
    green = await startBundle('monolith', {
      env: { APP_VERSION: 'v2', POD_NAME: 'monolith-green', REDIS_URL: redis.url },
    });
    routes = routeCopy(path.join(presets, 'stage-1-facade.yaml'));
    system = await start('1', 'gateway', {
      redisUrl: redis.url,
      args: ['--routes', routes],
      env: { GREEN_URL: green.base },
    });
  }, 120_000);
  afterAll(async () => {
    await system?.stage.stop();
    await green?.stop();
    await redis?.dispose();
  });

  it('6 passes on the facade preset', async () => {
    expectPass(await check(6, system));
  }, 60_000);

  it('5 passes once the blue/green table switches everything to green', async () => {
    expectNotYet(await check(5, system), 'no blue and green upstreams');
    copyFileSync(path.join(root, 'docs/workshop/routes/blue-green.yaml'), routes);
    await routesLoaded(system, (t) => t.includes('"green"'), 'the blue/green table');
    expectNotYet(await check(5, system), 'everything-else still goes to blue');
    expectNotYet(await check(6, system), 'routes not sent to the monolith');
    // The exercise's own switch command.
    expect(spawnSync('sed', ['-i', '/# the live side/s/blue/green/', routes]).status).toBe(0);
    await routesLoaded(system, (t) => !t.includes('"upstream":"blue"'), 'the switch to green');
    expectPass(await check(5, system));
  }, 90_000);
});

describe('workshop checks on stage 2a (exercise 7)', () => {
  let system: Running;

  beforeAll(async () => {
    system = await start('2a', 'gateway');
  }, 120_000);
  afterAll(() => system?.stage.stop());

  it('7 passes once a mismatch is found, not on matches alone', async () => {
    expectNotYet(await check(7, system), 'no mirrored read has been compared yet');
    await fetch(`${system.url}/api/stats`);
    await waitFor(async () => !(await check(7, system)).out.includes('compared yet'), {
      what: 'a first comparison',
      intervalMs: 500,
    });
    expectNotYet(await check(7, system), 'no mismatch found yet');
    // The exercise's way: load that writes and visits while the reads are compared.
    await waitFor(
      async () => {
        await workshop(['load', '--url', system.url, '--seconds', '3']);
        return (await check(7, system)).code === 0;
      },
      { what: 'a mismatch under load', timeoutMs: 60_000, intervalMs: 500 },
    );
    expectPass(await check(7, system));
  }, 120_000);
});

describe('workshop checks on stage 2 (exercises 8, 9)', () => {
  let system: Running;
  let routes: string;
  const servedBy = async () =>
    (await fetch(`${system.url}/api/entries`)).headers.get('x-fig-served-by');

  beforeAll(async () => {
    routes = routeCopy(path.join(presets, 'stage-2-store.yaml'));
    system = await start('2', 'gateway', { args: ['--routes', routes] });
  }, 120_000);
  afterAll(() => system?.stage.stop());

  it('9 is not done before the frontend is extracted', async () => {
    expectNotYet(await check(9, system), 'GET /api/info says monolith');
  }, 60_000);

  it('8 passes once a transcoded route was rolled back and forward live', async () => {
    expect((await post(system, 'through store-svc')).status).toBe(201);
    expect(await servedBy()).toBe('store-svc/transcode');
    expectNotYet(await check(8, system), 'not yet rolled back and forward');
    edit(
      routes,
      /transcode: \{ rpc: ListEntries \}\n\s+mirror: \{ upstream: monolith, percent: 10 \}/,
      'proxy: { upstream: monolith }',
    );
    await waitFor(async () => (await servedBy()) === 'monolith/v1', { what: 'the roll-back' });
    expectNotYet(await check(8, system), 'route entries-read is not transcoded');
    copyFileSync(path.join(presets, 'stage-2-store.yaml'), routes);
    await waitFor(async () => (await servedBy()) === 'store-svc/transcode', {
      what: 'the roll-forward',
    });
    expectPass(await check(8, system));
  }, 90_000);
});

describe('workshop checks on stage 3 with three frontends (exercises 3, 4, 9, 12-16)', () => {
  let system: Running;
  let routes: string;
  let log: string;

  beforeAll(async () => {
    routes = routeCopy(path.join(presets, `${loadCatalogue(root).resolve('3').preset}.yaml`));
    log = path.join(path.dirname(routes), 'fig.log');
    system = await start('3', 'gateway', {
      args: ['--frontend-replicas', '3', '--routes', routes],
      env: { LOG_LEVEL: 'info' },
    });
  }, 120_000);
  afterAll(() => system?.stage.stop());

  it('3 and 9 pass on the scaled-out stage 3; 15 finds the monolith behind MONOLITH_URL', async () => {
    expectPass(await check(3, system));
    expectPass(await check(9, system));
    expectPass(await check(15, system));
  }, 90_000);

  it('4, 13 and 16 are not done on a v1 stage 3 with a monolith', async () => {
    expectNotYet(await check(4, system), 'still serves frontend v1');
    expectNotYet(await check(13, system), 'cluster track only');
    expectNotYet(await check(16, system), 'still has a monolith upstream');
  }, 60_000);

  it('14 follows a request by its trace id through the JSON logs', async () => {
    writeFileSync(log, '');
    expectNotYet(await check(14, system, ['--log', log]), 'carries trace id');
    // `npm start … | tee fig.log`: the runner's output, written out as it comes.
    const tee = setInterval(() => writeFileSync(log, system.stage.output()), 100);
    try {
      const outcome = await check(14, system, ['--log', log]);
      expectPass(outcome);
      expect(outcome.out).toMatch(/from: .*gateway/);
    } finally {
      clearInterval(tee);
    }
  }, 60_000);

  it('12 passes once a frozen frontend was ejected under load and came back', async () => {
    expectNotYet(await check(12, system), 'no endpoint fail yet');
    for (const route of ['entries-read', 'everything-else'])
      edit(
        routes,
        new RegExp(`(- name: ${route}\\n.*\\n\\s+proxy: \\{ upstream: frontend \\})`),
        '$1\n    timeoutMs: 1000',
      );
    await routesLoaded(system, (t) => t.includes('"timeoutMs":1000'), 'the 1 s timeouts');
    const { pid } = processOf(system.stage.output(), 'frontend-2');
    const load = workshop(['load', '--url', system.url, '--seconds', '20', '--no-writes']);
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor(
        async () =>
          /gateway_endpoint_ejections_total\{[^}]*\} [1-9]/.test(
            await (await fetch(`${system.ops}/metrics`)).text(),
          ),
        { what: 'the frozen frontend ejected', timeoutMs: 30_000, intervalMs: 200 },
      );
      expectNotYet(await check(12, system), 'not recovered yet');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await load;
    await waitFor(async () => (await check(12, system)).code === 0, {
      what: 'the endpoint back in rotation',
      timeoutMs: 40_000,
      intervalMs: 1_000,
    });
  }, 150_000);
});

describe('workshop checks on stage 3 rolled to v2 with two frontends (exercises 3, 4)', () => {
  let system: Running;

  beforeAll(async () => {
    system = await start('3', 'gateway', {
      args: ['--frontend-replicas', '2'],
      env: { APP_VERSION: 'v2' },
    });
  }, 120_000);
  afterAll(() => system?.stage.stop());

  it('3 is not done with two frontends', async () => {
    expectNotYet(await check(3, system), '2 usable endpoints (3 wanted)');
  }, 60_000);

  it('4 passes on v2 with no failure in its own load run', async () => {
    const outcome = await check(4, system);
    expectPass(outcome);
    expect(outcome.out).toMatch(/5 s of load: \d+ requests, 0 failed/);
  }, 60_000);
});

describe('workshop checks on stage 4 with model v2 beside v1 (exercises 10, 11, 15, 16)', () => {
  let system: Running;
  let routes: string;

  beforeAll(async () => {
    routes = routeCopy(path.join(presets, 'stage-4-model.yaml'));
    // Exercise 10's step 2: the canary preset's weights from the environment (even, here).
    system = await start('4', 'gateway', {
      args: ['--model-v2', '--routes', routes],
      env: { MODEL_V1_WEIGHT: '50', MODEL_V2_WEIGHT: '50' },
    });
  }, 180_000);
  afterAll(() => system?.stage.stop());

  it('16 passes with the monolith retired, where 15 finds no monolith to call', async () => {
    expectPass(await check(16, system));
    expectNotYet(await check(15, system), 'the gateway has no monolith upstream');
  }, 60_000);

  it('10 passes on the canary preset and on the A/B preset, not before', async () => {
    expectNotYet(await check(10, system), 'no split');
    copyFileSync(path.join(presets, 'model-rollout/canary-v2.yaml'), routes);
    await routesLoaded(system, (t) => t.includes('"weight":50'), 'the canary table');
    const canary = await check(10, system);
    expectPass(canary);
    expect(canary.out).toMatch(/canary: 60 requests scored by v\d ×\d+, v\d ×\d+/);
    copyFileSync(path.join(presets, 'model-rollout/ab-v2.yaml'), routes);
    await routesLoaded(system, (t) => t.includes('sentiment-v2-by-header'), 'the A/B table');
    const outcome = await check(10, system);
    expectPass(outcome);
    expect(outcome.out).toContain('A/B');
  }, 90_000);

  it('11 passes once v2 scored mirrored texts beside v1', async () => {
    expectNotYet(await check(11, system), 'no sentiment route is mirrored');
    copyFileSync(path.join(presets, 'model-rollout/mirror-v2.yaml'), routes);
    await routesLoaded(system, (t) => t.includes('"mirror"'), 'the mirror table');
    expectNotYet(await check(11, system), 'no mirrored scoring has been compared yet');
    for (const text of ['I love it', 'not bad at all', 'this is awful'])
      expect((await score(system, text)).status).toBe(200);
    await waitFor(async () => (await check(11, system)).code === 0, {
      what: 'the shadow comparisons counted',
      timeoutMs: 20_000,
      intervalMs: 500,
    });
  }, 90_000);
});

describe('workshop checks on stage 1 with the migrator (exercise 17)', () => {
  let redis: RedisServer;
  let v2: RunningBundle | undefined;
  let system: Running;
  let migrator: string;
  let reading = true;
  let reads: Promise<void>[] = [];
  const spec = path.join(root, 'docs/workshop/migrator/migrations.yaml');

  /** `npm run migrate -- …` (the built tool), against this run's migrator. */
  const migrate = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(root, 'dist/tools/migrate.js'), ...args], {
      env: { ...process.env, MIGRATOR_URL: migrator },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const migration = async () =>
    (
      (await (await fetch(`${migrator}/migrations`)).json()) as {
        migrations: { state: string; step: { name: string } }[];
      }
    ).migrations[0]!;
  const until = (ok: (m: { state: string; step: { name: string } }) => boolean, what: string) =>
    waitFor(async () => ok(await migration()), { what, timeoutMs: 120_000, intervalMs: 100 });

  beforeAll(async () => {
    redis = await startRedis();
    // The page's step 1: the candidate, a v2 monolith on the same Redis.
    v2 = await startBundle('monolith', {
      env: { APP_VERSION: 'v2', POD_NAME: 'monolith-v2', REDIS_URL: redis.url },
    });
    const routes = routeCopy(path.join(root, 'docs/workshop/migrator/routes.yaml'));
    system = await start('1', 'gateway', {
      redisUrl: redis.url,
      args: ['--routes', routes, '--migrations', spec],
      env: {
        V2_URL: v2.base,
        MIGRATOR_STATE: path.join(path.dirname(routes), 'migrator-state.json'),
      },
    });
    migrator = urlOf(system.stage.output(), 'migrator');
    // The page's step 2: reads only, steady, from three clients.
    reads = [0, 1, 2].map(async () => {
      while (reading)
        await fetch(`${system.url}/api/entries`, { signal: AbortSignal.timeout(5_000) })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined);
    });
  }, 120_000);
  afterAll(async () => {
    reading = false;
    await Promise.all(reads);
    await system?.stage.stop();
    await v2?.stop();
    await redis?.dispose();
  });

  it('17 passes once the migrator has moved entries-read to v2, not before', async () => {
    expectNotYet(await check(17, system, ['--migrator', migrator]), 'is pending at baseline');
    expect(migrate('start', 'entries-read').status).toBe(0);
    await until((m) => m.step.name === 'weight 10%', 'the first weight step');
    expectNotYet(await check(17, system, ['--migrator', migrator]), 'is running at weight');
    await until((m) => m.state === 'succeeded', 'the migration succeeded');
    const outcome = await check(17, system, ['--migrator', migrator]);
    expectPass(outcome);
    expect(outcome.out).toContain('the gateway proxies entries-read to monolith-v2');
  }, 180_000);

  it('17 passes again once a broken candidate was rolled back at a weight step', async () => {
    // The page's "try next": abort (the route back as it was), start again,
    // pause at weight 10%, stop v2, resume.
    expect(migrate('abort', 'entries-read').status).toBe(0);
    expectNotYet(await check(17, system, ['--migrator', migrator]), 'is aborted at baseline');
    expect(migrate('start', 'entries-read').status).toBe(0);
    await until((m) => m.step.name === 'weight 10%', 'the first weight step');
    expect(migrate('pause', 'entries-read').status).toBe(0);
    await v2?.stop();
    v2 = undefined;
    expect(migrate('resume', 'entries-read').status).toBe(0);
    await until((m) => m.state === 'failed', 'the rollback');
    const outcome = await check(17, system, ['--migrator', migrator]);
    expectPass(outcome);
    expect(outcome.out).toContain('a breached gate rolled it back');
  }, 180_000);
});
