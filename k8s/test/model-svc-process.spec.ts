import { readFileSync } from 'node:fs';
import { waitFor } from '@fig/testing';
import { planPods, probe, startPods, type LocalPod, type ProbeKind } from './support/local-pods';
import { rendered } from './support/render';

// model-svc (Python) is deployed from stage 3a on; stage 4 is where it serves.
// Started as its image starts it (the Dockerfile's ENTRYPOINT, in the venv of
// the same locks) with the environment its Deployment resolves to, as
// processes.spec.ts does for the Node services of the default stage.
const target = 'stage-4-model';

/** Seconds the kubelet allows a probe to keep failing before it acts. */
const windowMs = (pod: LocalPod, kind: ProbeKind) => {
  const p = pod.workload.containers[0]?.[kind];
  return (p.periodSeconds * (p.failureThreshold ?? 3) + (p.timeoutSeconds ?? 1)) * 1000;
};

describe(`the ${target} manifest drives the real model-svc (Python)`, () => {
  let pod: LocalPod;

  beforeAll(async () => {
    // No Redis: model-svc uses none (the port is never dialled).
    [pod] = (await startPods(await planPods(rendered(target), ['model-svc'], 1))) as [LocalPod];
    // The kubelet's view of start-up: the startup probe, within its window.
    await waitFor(async () => (await probe(pod, 'startupProbe')).ok, {
      timeoutMs: windowMs(pod, 'startupProbe'),
      intervalMs: 100,
      what: `model-svc startup probe\n${pod.process.output()}`,
    });
  }, 60_000);

  afterAll(async () => {
    await pod?.process.kill();
  });

  it('answers the startup, liveness and readiness probes as the manifest defines them', async () => {
    await waitFor(async () => (await probe(pod, 'readinessProbe')).ok, {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'model-svc readiness',
    });
    const results = await Promise.all(
      (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).map(
        async (kind) => `${kind} ${(await probe(pod, kind)).ok}`,
      ),
    );
    expect(results).toEqual(['startupProbe true', 'livenessProbe true', 'readinessProbe true']);
  });

  it('serves the model version and pod name its Deployment gives it', () => {
    const listening = pod.process
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'model-svc listening');
    expect(listening).toMatchObject({
      model: 'v1',
      version: 'v1',
      pod: expect.stringMatching(/^model-svc-/),
      port: pod.port('grpc'),
      opsPort: pod.port('http-ops'),
    });
  });

  it('uses less memory at rest than its Deployment requests', () => {
    const rss =
      Number(
        /VmRSS:\s+(\d+) kB/.exec(
          readFileSync(`/proc/${pod.process.child.pid as number}/status`, 'utf8'),
        )?.[1],
      ) / 1024;
    const request = Number(
      /^(\d+)Mi$/.exec(pod.workload.containers[0]?.resources.requests.memory)?.[1],
    );
    expect({ rss: Math.round(rss), below: rss < request }).toEqual({
      rss: Math.round(rss),
      below: true,
    });
  });

  it('on SIGTERM fails readiness at once, stays live while draining and exits 0 within the grace period', async () => {
    const started = Date.now();
    pod.process.signal('SIGTERM');
    await waitFor(async () => !(await probe(pod, 'readinessProbe')).ok, {
      timeoutMs: 1_000,
      intervalMs: 50,
      what: 'model-svc draining',
    });
    expect((await probe(pod, 'livenessProbe')).ok).toBe(true);
    const code = await pod.process.exited;
    const withinGrace =
      Date.now() - started < pod.workload.pod.terminationGracePeriodSeconds * 1000;
    expect({ code, withinGrace }).toEqual({ code: 0, withinGrace: true });
  }, 40_000);
});
