/**
 * The cluster drivers against a real kube-apiserver (run by the `migrator`
 * section of tools/delivery/test-delivery.sh, which starts etcd and the API
 * server, applies k8s/variants/migrator and the Istio CRDs, and hands over
 * two kubeconfigs: an administrator's, and one holding a token of the
 * migrator's ServiceAccount, bound to nothing but k8s/components/migrator's Role).
 * Not a *.spec.ts: it needs that control plane, so the unit runs never see it.
 *
 * There is no kubelet and no Envoy here. Two stand-ins do their one job:
 * the "kubelet" copies the gateway-routes ConfigMap into the gateway's file as
 * a ConfigMap volume would, and the "mesh" writes the VirtualService's route
 * into it as the sidecars would apply it, so that real traffic follows what
 * the API server holds and the gates have real evidence.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  gatewayRouteFor,
  migrationFileSchema,
  parseYamlFile,
  readRoute,
  writeRoute,
  type Step,
} from '@fig/migration';
import { closeAtEnd, startBundle, waitFor } from '@fig/testing';
import { routeFile, startTraffic, startUpstreams, type MigrationView } from './test-support';

jest.setTimeout(60_000);

const namespace = 'fig';
const env = (name: string) => {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run this from test-delivery.sh's migrator section`);
  return value;
};

/**
 * kubectl as the administrator or as the migrator's ServiceAccount (its token
 * in FIG_MIGRATOR_KUBECONFIG). The Kubernetes client is an ES module Jest
 * cannot load; the migrator itself uses it, bundled.
 */
async function kubectl(as: 'admin' | 'migrator', ...args: string[]) {
  const kubeconfig = env(as === 'admin' ? 'FIG_ADMIN_KUBECONFIG' : 'FIG_MIGRATOR_KUBECONFIG');
  const { stdout } = await promisify(execFile)(
    env('FIG_KUBECTL'),
    ['--kubeconfig', kubeconfig, '--request-timeout=20s', '-n', namespace, ...args],
    { encoding: 'utf8' },
  );
  return stdout;
}
const getJson = async <T>(as: 'admin' | 'migrator', ...what: string[]) =>
  JSON.parse(await kubectl(as, 'get', ...what, '-o', 'json')) as T;
const mergePatch = (what: string, patch: object) =>
  kubectl('admin', 'patch', what, '--type=merge', '-p', JSON.stringify(patch));
type ConfigMap = { data?: Record<string, string> };

/** The migrator's ServiceAccount trying a request: "allowed", or why the API server refused it. */
async function tryAsMigrator(...args: string[]): Promise<string> {
  try {
    await kubectl('migrator', ...args);
    return 'allowed';
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr);
    return /forbidden/i.test(stderr) ? 'forbidden' : stderr;
  }
}

const migrations = `version: 1
migrations:
  - route: items
    current: current
    candidate: candidate
    steps: [{ mirror: 100 }, { weight: 10 }, { weight: 50 }, { weight: 100 }]
    interval: 1s
    minRequests: 10
    gates: { mismatchRate: 0.01, errorRate: 0.05, p99: { maxRatio: 3, toleranceMs: 500 } }
`;

/**
 * Watches one object as the administrator and calls `apply` with every
 * version of it, in order, as a kubelet or a sidecar follows the API server.
 * A watch, not polling: no version is missed however short a step lasts.
 */
function watch<T>(what: string, apply: (object: T) => Promise<void>) {
  const child = spawn(
    env('FIG_KUBECTL'),
    ['--kubeconfig', env('FIG_ADMIN_KUBECONFIG'), '-n', namespace, 'get', what, '-w', '-o', 'json'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let buffered = '';
  let applied: Promise<void> = Promise.resolve();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    // kubectl prints each version as an indented JSON document closed by a "}" line.
    let end: number;
    while ((end = buffered.indexOf('\n}\n')) >= 0) {
      const object = JSON.parse(buffered.slice(0, end + 2)) as T;
      buffered = buffered.slice(end + 3);
      applied = applied.then(() => apply(object));
    }
  });
  closeAtEnd(async () => {
    child.kill();
    await applied;
  });
}

/** Replaces a file as a ConfigMap volume does: a whole new file, never a half-written one. */
async function replaceFile(path: string, text: string) {
  await writeFile(`${path}.sync`, text);
  await rename(`${path}.sync`, path);
}

/** The gateway, the two upstreams, the route file, and the migrator with the ServiceAccount's kubeconfig. */
async function start(driver: 'configmap' | 'istio', routes: string, dir: string) {
  const spec = join(dir, 'migrations.yaml');
  await writeFile(spec, migrations);
  const gateway = await startBundle('gateway', {
    env: { GATEWAY_ROUTES: routes, ACCESS_LOG: 'false' },
  });
  const migrator = await startBundle('migrator', {
    env: {
      MIGRATIONS: spec,
      MIGRATOR_DRIVER: driver,
      KUBECONFIG: env('FIG_MIGRATOR_KUBECONFIG'),
      KUBE_NAMESPACE: namespace,
      GATEWAY_OPS_URLS: gateway.ops,
      ...(driver === 'istio' ? { VIRTUAL_SERVICE: 'gateway' } : {}),
      LOG_LEVEL: 'info',
    },
  });
  const view = async () =>
    ((await (await fetch(`${migrator.base}/migrations`)).json()) as { migrations: MigrationView[] })
      .migrations[0]!;
  const control = (action: string) =>
    fetch(`${migrator.base}/migrations/items/${action}`, { method: 'POST' });
  return { gateway, migrator, view, control };
}

/** A fresh progress record: each mode starts its own migration of `items`. */
const forgetProgress = () =>
  mergePatch('configmap/migrator-state', { data: { 'progress.json': null } });

describe('the migrator against a real kube-apiserver', () => {
  it('drives the gateway-routes ConfigMap from mirror to 100% as the migrator ServiceAccount', async () => {
    await forgetProgress();
    const dir = await mkdtemp(join(tmpdir(), 'fig-migrator-cluster-'));
    const routes = join(dir, 'routes.yaml');
    const { current, candidate } = await startUpstreams('faithful');
    const table = routeFile(current, candidate);
    // The operator's deployment: this route table in the ConfigMap the manifests ship.
    await mergePatch('configmap/gateway-routes', { data: { 'routes.yaml': table } });
    await writeFile(routes, table);
    watch<ConfigMap>('configmap/gateway-routes', (map) =>
      replaceFile(routes, map.data!['routes.yaml']!),
    );
    const s = await start('configmap', routes, dir);
    expect((await s.control('start')).status).toBe(200);
    const traffic = startTraffic(s.gateway.base, { clients: 6, pauseMs: 2 });
    try {
      const done = await waitFor(
        async () => ((m) => (m.state === 'succeeded' ? m : undefined))(await s.view()),
        { timeoutMs: 45_000, intervalMs: 200, what: 'the migration to succeed' },
      );
      expect(done.history.map((h) => h.to)).toEqual([
        'mirror 100%',
        'weight 10%',
        'weight 50%',
        'weight 100%',
        'weight 100%',
      ]);
    } finally {
      await traffic.stop();
    }
    // The API server holds the moved route (the others untouched), and the gateway serves it.
    const stored = (await getJson<ConfigMap>('admin', 'configmap/gateway-routes')).data!;
    expect(readRoute(stored['routes.yaml']!, 'items')).toMatchObject({
      proxy: { upstream: 'candidate' },
    });
    expect(readRoute(stored['routes.yaml']!, 'rest')).toMatchObject({
      proxy: { upstream: 'current' },
    });
    expect(readRoute(await readFile(routes, 'utf8'), 'items')).toMatchObject({
      proxy: { upstream: 'candidate' },
    });
    // Its progress is in the shipped migrator-state ConfigMap, so a rescheduled pod resumes.
    const state = (await getJson<ConfigMap>('admin', 'configmap/migrator-state')).data!;
    expect(JSON.parse(state['progress.json']!).routes.items).toMatchObject({
      state: 'succeeded',
      stepIndex: 3,
    });
  });

  it("refuses the migrator's ServiceAccount everything but get and patch of its three objects", async () => {
    expect(await tryAsMigrator('get', 'configmap/gateway-routes')).toBe('allowed');
    expect(
      await tryAsMigrator('patch', 'configmap/migrator-state', '--type=merge', '-p', '{}'),
    ).toBe('allowed');
    expect(await tryAsMigrator('get', 'configmaps')).toBe('forbidden');
    expect(await tryAsMigrator('create', 'configmap', 'sneaky')).toBe('forbidden');
    expect(await tryAsMigrator('delete', 'configmap/gateway-routes')).toBe('forbidden');
    // Patch, not update: a whole-object write (PUT) is refused too.
    const whole = join(await mkdtemp(join(tmpdir(), 'fig-migrator-rbac-')), 'routes.json');
    await writeFile(whole, await kubectl('admin', 'get', 'configmap/gateway-routes', '-o', 'json'));
    expect(await tryAsMigrator('replace', '-f', whole)).toBe('forbidden');
    expect(await tryAsMigrator('get', 'secret/redis')).toBe('forbidden');
    expect(
      await tryAsMigrator('patch', 'configmap/kube-root-ca.crt', '--type=merge', '-p', '{}'),
    ).toBe('forbidden');
    expect(await tryAsMigrator('get', 'virtualservice.networking.istio.io/another')).toBe(
      'forbidden',
    );
    expect(await tryAsMigrator('get', 'pods')).toBe('forbidden');
  });

  it('moves the VirtualService weights step by step in Istio mode', async () => {
    await forgetProgress();
    const dir = await mkdtemp(join(tmpdir(), 'fig-migrator-istio-'));
    const routes = join(dir, 'routes.yaml');
    const { current, candidate } = await startUpstreams('faithful');
    await writeFile(routes, routeFile(current, candidate));
    const spec = parseYamlFile(migrationFileSchema, migrations, 'migrations.yaml').migrations[0]!;
    const baseline = readRoute(await readFile(routes, 'utf8'), 'items')!;
    const to = (subset: string) => ({ destination: { host: 'items', subset } });
    const virtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'gateway', namespace },
      spec: {
        hosts: ['items'],
        http: [
          { name: 'items', match: [{ uri: { prefix: '/api/items' } }], route: [to('current')] },
          { name: 'rest', route: [to('current')] },
        ],
      },
    };
    const file = join(dir, 'virtualservice.json');
    await writeFile(file, JSON.stringify(virtualService));
    await kubectl('admin', 'apply', '-f', file);
    // Every distinct state of the `items` http route the API server held, in order.
    const seen: string[] = [];
    let last = '';
    watch<{ spec: { http: HttpRoute[] } }>(
      'virtualservice.networking.istio.io/gateway',
      async (virtualService) => {
        const http = virtualService.spec.http.find((h) => h.name === 'items')!;
        if (describeHttpRoute(http) === last) return;
        last = describeHttpRoute(http);
        seen.push(last);
        const step = stepOf(http, spec.candidate);
        await replaceFile(
          routes,
          writeRoute(
            await readFile(routes, 'utf8'),
            'items',
            gatewayRouteFor(spec, baseline, step),
          ),
        );
      },
    );
    const s = await start('istio', routes, dir);
    expect((await s.control('start')).status).toBe(200);
    const traffic = startTraffic(s.gateway.base, { clients: 6, pauseMs: 2 });
    try {
      await waitFor(async () => (await s.view()).state === 'succeeded', {
        timeoutMs: 45_000,
        intervalMs: 200,
        what: 'the Istio-mode migration to succeed',
      });
    } finally {
      await traffic.stop();
    }
    expect(seen).toEqual([
      'current 100',
      'current 100, mirror candidate 100%',
      'current 90, candidate 10',
      'current 50, candidate 50',
      'candidate 100',
    ]);
  });
});

interface HttpRoute {
  name: string;
  route: { destination: { subset: string }; weight?: number }[];
  mirror?: { subset: string };
  mirrorPercentage?: { value: number };
}

function describeHttpRoute(h: HttpRoute): string {
  const weights = h.route.map((d) => `${d.destination.subset} ${d.weight ?? 100}`).join(', ');
  return h.mirror ? `${weights}, mirror ${h.mirror.subset} ${h.mirrorPercentage?.value}%` : weights;
}

/** The step an http route stands for: what the sidecars would then do to the traffic. */
function stepOf(h: HttpRoute, candidate: string): Step {
  const at = (kind: Step['kind'], percent: number): Step => ({
    index: 0,
    name: `${kind} ${percent}%`,
    kind,
    percent,
  });
  if (h.mirror) return at('mirror', h.mirrorPercentage?.value ?? 100);
  const share = h.route.find((d) => d.destination.subset === candidate);
  if (!share) return { index: -1, name: 'baseline', kind: 'baseline', percent: 0 };
  return at('weight', share.weight ?? 100);
}
