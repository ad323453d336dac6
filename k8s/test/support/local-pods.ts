import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startBundle, type ManagedProcess } from '@fig/testing';
import { python, type App } from './apps';
import { resolveEnv } from './env';
import { named, ofKind, type K8sObject } from './objects';
import { fromRoot } from './paths';
import { containerPorts, selectedBy, workloads, type Workload } from './workloads';

/** What the image runs after `node`: the Dockerfile's CMD, so the test starts the bundle the same way. */
function imageCommand(): string[] {
  const runtime = readFileSync(fromRoot('Dockerfile'), 'utf8')
    .split(/^FROM /m)
    .pop() as string;
  return JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? '[]');
}

/** What a Python app's image runs after its interpreter: the ENTRYPOINT of apps/<app>/Dockerfile. */
function pythonImageCommand(app: App): string[] {
  const runtime = readFileSync(fromRoot('apps', app, 'Dockerfile'), 'utf8')
    .split(/^FROM /m)
    .pop() as string;
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
  if (!/\/python3?$/.test(entrypoint[0] ?? ''))
    throw new Error(`apps/${app}/Dockerfile: ENTRYPOINT does not start the Python interpreter`);
  return entrypoint.slice(1);
}

export interface LocalPod {
  app: App;
  workload: Workload;
  process: ManagedProcess;
  /** Container port (number or name) → the local port the process listens on. */
  port(containerPort: string | number): number;
}

/**
 * A Deployment's pod as a local process: its environment resolved as the
 * kubelet would, each container port moved to a free local port, Service
 * names rewritten to the local ports behind them, ConfigMap volumes written to
 * a temp folder at the same relative place.
 */
export async function planPods(objects: K8sObject[], apps: readonly App[], redisPort: number) {
  const plans = await Promise.all(
    apps.map(async (app) => {
      const workload = workloads(objects).find((w) => w.name === app) as Workload;
      const local = new Map<number, number>();
      for (const port of new Set(containerPorts(workload).values()))
        local.set(port, await freePort());
      return { app, workload, local };
    }),
  );
  // "service:port" → "127.0.0.1:local" for every Service in front of a planned pod.
  const addresses = new Map<string, string>([['redis:6379', `127.0.0.1:${redisPort}`]]);
  for (const service of ofKind(objects, 'Service')) {
    const behind = selectedBy(objects, service.spec.selector).map((w) => w.name);
    for (const plan of plans.filter((p) => behind.includes(p.workload.name))) {
      for (const p of service.spec.ports as { port: number; targetPort: string | number }[]) {
        const target = containerPorts(plan.workload).get(p.targetPort) as number;
        addresses.set(`${service.metadata.name}:${p.port}`, `127.0.0.1:${plan.local.get(target)}`);
      }
    }
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'fig-k8s-pods-'));

  return plans.map(({ app, workload, local }) => {
    const env = resolveEnv(objects, workload);
    const mounts = new Map<string, string>();
    for (const mount of workload.containers[0]?.volumeMounts ?? []) {
      const volume = workload.pod.volumes.find((v: { name: string }) => v.name === mount.name);
      const configMap = volume?.configMap && named(objects, 'ConfigMap', volume.configMap.name);
      if (!configMap) continue;
      const dir = path.join(scratch, app, mount.mountPath);
      mkdirSync(dir, { recursive: true });
      for (const [key, text] of Object.entries<string>(configMap.data ?? {}))
        writeFileSync(path.join(dir, key), text);
      mounts.set(mount.mountPath, dir);
    }
    for (const [name, value] of Object.entries(env)) {
      let rewritten = value;
      for (const [from, to] of addresses) rewritten = rewritten.split(from).join(to);
      for (const [mountPath, dir] of mounts)
        if (rewritten.startsWith(`${mountPath}/`))
          rewritten = dir + rewritten.slice(mountPath.length);
      if (/PORT$/.test(name) && local.has(Number(value)))
        rewritten = String(local.get(Number(value)));
      env[name] = rewritten;
    }
    const port = (p: string | number) =>
      local.get(containerPorts(workload).get(p) as number) as number;
    return { app, workload, env, port };
  });
}

export async function startPods(plans: Awaited<ReturnType<typeof planPods>>): Promise<LocalPod[]> {
  return Promise.all(
    plans.map(async ({ app, workload, env, port }) => ({
      app,
      workload,
      port,
      // A Python app runs in the venv `npm run setup:python` builds (the image's
      // locked packages) with its image's arguments, a Node one as its image runs it.
      process: (
        await startBundle(app, {
          env,
          defaults: false,
          args: python.includes(app) ? pythonImageCommand(app) : imageCommand(),
          waitFor: 'nothing',
        })
      ).proc,
    })),
  );
}

export type ProbeKind = 'startupProbe' | 'livenessProbe' | 'readinessProbe';

/** One probe exactly as the manifest defines it: path, port (by name), scheme, timeout. */
export async function probe(
  pod: LocalPod,
  kind: ProbeKind,
): Promise<{ ok: boolean; status: number; body: string }> {
  const spec = pod.workload.containers[0]?.[kind];
  const get = spec?.httpGet;
  if (!get) throw new Error(`${pod.app}: ${kind} is not an httpGet probe`);
  const url = `${(get.scheme ?? 'HTTP').toLowerCase()}://127.0.0.1:${pod.port(get.port)}${get.path}`;
  try {
    const res = await fetch(url, {
      signal: AbortSignal.timeout((spec.timeoutSeconds ?? 1) * 1000),
    });
    const body = await res.text();
    // The kubelet counts 200–399 as success.
    return { ok: res.status >= 200 && res.status < 400, status: res.status, body };
  } catch (err) {
    return { ok: false, status: 0, body: (err as Error).message };
  }
}
