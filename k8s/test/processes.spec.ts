import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startRedis, waitFor, type RedisServer } from '@fig/testing';
import { bundleDir, fig, written } from './support/apps';
import { planPods, probe, startPods, type LocalPod, type ProbeKind } from './support/local-pods';
import { named } from './support/objects';
import { catalogue, rendered } from './support/render';
import { workloads } from './support/workloads';

// The default stage runs every service, so every service's manifest is exercised.
const target = catalogue.defaultStage.id;
const objects = () => rendered(target);
const deployed = fig.filter(
  (app) => written.includes(app) && workloads(objects()).some((w) => w.name === app),
);

/** Seconds the kubelet allows a probe to keep failing before it acts. */
const windowMs = (pod: LocalPod, kind: ProbeKind) => {
  const p = pod.workload.containers[0]?.[kind];
  return (p.periodSeconds * (p.failureThreshold ?? 3) + (p.timeoutSeconds ?? 1)) * 1000;
};

describe(`the ${target} manifests drive the real services (running: ${deployed.join(', ')})`, () => {
  let redis: RedisServer;
  let pods: LocalPod[] = [];

  beforeAll(async () => {
    for (const app of deployed) {
      // An app whose source exists must have been built by this project's ^build dependency.
      const main = path.join(bundleDir(app), 'main.js');
      if (!existsSync(main))
        throw new Error(`apps/${app} exists but ${main} does not: run nx run ${app}:build`);
    }
    const secret = named(objects(), 'Secret', 'redis');
    redis = await startRedis({
      aof: true,
      password: Buffer.from(secret?.data.password, 'base64').toString(),
    });
    pods = await startPods(await planPods(objects(), deployed, redis.port));
    // The kubelet's view of start-up: the startup probe, within its window.
    await Promise.all(
      pods.map((pod) =>
        waitFor(async () => (await probe(pod, 'startupProbe')).ok, {
          timeoutMs: windowMs(pod, 'startupProbe'),
          intervalMs: 100,
          what: `${pod.app} startup probe\n${pod.process.output()}`,
        }),
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(pods.map((pod) => pod.process.kill()));
    await redis?.dispose();
  });

  it('starts every service of the stage with its Deployment environment', () => {
    expect(pods.map((p) => p.app)).toEqual(deployed);
  });

  it('answers the startup, liveness and readiness probes as the manifests define them', async () => {
    await Promise.all(
      pods.map((pod) =>
        waitFor(async () => (await probe(pod, 'readinessProbe')).ok, {
          timeoutMs: 15_000,
          intervalMs: 200,
          what: `${pod.app} readiness`,
        }),
      ),
    );
    const results = await Promise.all(
      pods.flatMap((pod) =>
        (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).map(
          async (kind) => `${pod.app} ${kind} ${(await probe(pod, kind)).ok}`,
        ),
      ),
    );
    expect(results).toEqual(
      pods.flatMap((pod) =>
        ['startupProbe', 'livenessProbe', 'readinessProbe'].map(
          (kind) => `${pod.app} ${kind} true`,
        ),
      ),
    );
  });

  it('serves through the front door as the route table says, with the downward-API identity', async () => {
    const front = pods.find((pod) => pod.app === 'gateway');
    if (!front) throw new Error('stage 3 has no gateway');
    const base = `http://127.0.0.1:${front.port('http')}`;
    const info = await (await fetch(`${base}/api/info`)).json();
    expect(info).toMatchObject({
      service: 'frontend',
      version: 'v1',
      pod: expect.stringMatching(/^frontend-/),
    });
    const scored = await fetch(`${base}/api/sentiment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'a lovely, happy day' }),
    });
    expect(await scored.json()).toMatchObject({ label: 'positive', model: 'v1' });
  });

  it('uses less memory at rest than its Deployment requests', () => {
    const mebibytes = (q: string) => Number(/^(\d+)Mi$/.exec(q)?.[1]);
    const rss = (pid: number) =>
      Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
    const over = pods.filter(
      (pod) =>
        rss(pod.process.child.pid as number) >=
        mebibytes(pod.workload.containers[0]?.resources.requests.memory),
    );
    expect(
      over.map((pod) => `${pod.app}: ${Math.round(rss(pod.process.child.pid as number))} MiB`),
    ).toEqual([]);
  });

  it('fails readiness within the probe window when Redis stops, keeps liveness, and recovers', async () => {
    // The services whose readiness names a critical Redis check; the data owners must be among them.
    const reports = await Promise.all(
      pods.map(async (pod) => ({
        pod,
        report: JSON.parse((await probe(pod, 'readinessProbe')).body),
      })),
    );
    const followers = reports
      .filter(({ report }) =>
        Object.entries(report.checks ?? {}).some(
          ([name, c]) => /redis/i.test(name) && (c as { critical: boolean }).critical,
        ),
      )
      .map(({ pod }) => pod);
    expect(followers.map((p) => p.app)).toEqual(
      expect.arrayContaining(
        ['store-svc', 'monolith'].filter((a) => deployed.includes(a as never)),
      ),
    );

    await redis.stop();
    await Promise.all(
      followers.map((pod) =>
        waitFor(async () => !(await probe(pod, 'readinessProbe')).ok, {
          timeoutMs: windowMs(pod, 'readinessProbe'),
          intervalMs: 100,
          what: `${pod.app} not ready`,
        }),
      ),
    );
    const alive = await Promise.all(
      pods.map(async (pod) => `${pod.app} ${(await probe(pod, 'livenessProbe')).ok}`),
    );
    expect(alive).toEqual(pods.map((pod) => `${pod.app} true`));

    await redis.start();
    await Promise.all(
      followers.map((pod) =>
        waitFor(async () => (await probe(pod, 'readinessProbe')).ok, {
          timeoutMs: 15_000,
          intervalMs: 200,
          what: `${pod.app} ready again`,
        }),
      ),
    );
  }, 40_000);

  it('on SIGTERM fails readiness at once, stays live while draining and exits 0 within the grace period', async () => {
    const started = Date.now();
    for (const pod of pods) pod.process.signal('SIGTERM');
    const draining = await Promise.all(
      pods.map(async (pod) => {
        await waitFor(async () => !(await probe(pod, 'readinessProbe')).ok, {
          timeoutMs: 1_000,
          intervalMs: 50,
          what: `${pod.app} draining`,
        });
        return `${pod.app} live while draining: ${(await probe(pod, 'livenessProbe')).ok}`;
      }),
    );
    expect(draining).toEqual(pods.map((pod) => `${pod.app} live while draining: true`));
    const exits = await Promise.all(
      pods.map(async (pod) => {
        const code = await pod.process.exited;
        const withinGrace =
          Date.now() - started < pod.workload.pod.terminationGracePeriodSeconds * 1000;
        return `${pod.app} exit ${code} within grace ${withinGrace}`;
      }),
    );
    expect(exits).toEqual(pods.map((pod) => `${pod.app} exit 0 within grace true`));
  }, 40_000);
});
