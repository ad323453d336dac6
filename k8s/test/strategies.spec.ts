import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadAppModule } from './support/apps';
import { resolveEnv } from './support/env';
import { named, selects, type K8sObject } from './support/objects';
import { fromRoot } from './support/paths';
import {
  catalogue,
  rendered,
  stages,
  strategies,
  strategyTargets,
  type Strategy,
  type Target,
} from './support/render';
import { services, workloads, type Workload } from './support/workloads';

// The deployment strategies, each on every stage the learner may be on
// (ADR 0513): k8s/variants/strategies/<strategy>/<stage> layers the strategy's
// component on the stage's overlay, and each render must show the strategy
// where it acts: on the Deployments' fields, the Services' selectors or the
// gateway's route table.

/** The app whose v2 a stage's strategies roll out: the monolith while it runs, then model-svc. */
const upgraded = (stage: string) =>
  catalogue.resolve(stage).apps.includes('monolith') ? 'monolith' : 'model-svc';
const hasGateway = (stage: string) => catalogue.resolve(stage).apps.includes('gateway');

/** Where each strategy must exist: A/B needs a router that reads headers (the gateway). */
const required: Record<Strategy, (stage: string) => boolean> = {
  recreate: () => true,
  ramped: () => true,
  'blue-green': () => true,
  canary: () => true,
  'ab-test': hasGateway,
};

const dirsIn = (dir: string) =>
  existsSync(fromRoot(dir))
    ? readdirSync(fromRoot(dir), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
    : [];

describe('the strategy variant tree', () => {
  it('has a directory for exactly the five strategies', () => {
    expect(dirsIn('k8s/variants/strategies').sort()).toEqual([...strategies].sort());
  });

  it.each(strategies.map((s) => [s]))('offers %s on the stages it can run on', (strategy) => {
    const present = dirsIn(`k8s/variants/strategies/${strategy}`);
    expect(present.filter((s) => !stages.includes(s))).toEqual([]);
    const missing = stages.filter((s) => required[strategy](s) && !present.includes(s));
    expect(missing).toEqual([]);
  });

  it('offers A/B at least where each upgraded app is the stage’s v2 (monolith, model-svc)', () => {
    const apps = new Set(
      strategyTargets.filter((t) => t.strategy === 'ab-test').map((t) => upgraded(t.stage)),
    );
    expect([...apps].sort()).toEqual(['model-svc', 'monolith']);
  });

  it.each(strategyTargets.map((t) => [t.name, t]))('%s layers on its own stage', (_n, t) => {
    const text = readFileSync(fromRoot(t.dir as string, 'kustomization.yaml'), 'utf8');
    expect(text).toContain(`resources: [../../../../overlays/${t.stage}]`);
  });
});

type Destination = { host: string; weight?: number };
interface RouteFile {
  upstreams: Record<string, { endpoints?: string[] }>;
  routes: {
    name: string;
    match: { header?: { name: string; value: string }; cookie?: { name: string; value: string } };
    proxy?: { upstream: string };
    split?: { targets: { upstream: string; weight: number }[] };
    choose?: { header?: string; cookie?: string; cases: Record<string, string>; default: string };
    transcode?: { model?: string; models?: { model: string; weight: number }[] };
  }[];
}
type ParseRoutes = (text: string, file: string, env: Record<string, string>) => { file: RouteFile };
const parseRoutes = () => loadAppModule('gateway', 'routes/load.ts').parseRoutes as ParseRoutes;

/** The gateway's table as deployed in a render, parsed by the gateway itself. */
function routeTable(objects: K8sObject[]): RouteFile {
  const gateway = workloads(objects).find((w) => w.name === 'gateway') as Workload;
  const env = resolveEnv(objects, gateway);
  const text = named(objects, 'ConfigMap', 'gateway-routes')?.data?.['routes.yaml'] as string;
  return parseRoutes()(text, 'gateway-routes', env).file;
}

const hostOf = (address: string) =>
  /^(?:https?:\/\/|dns:\/\/\/)?([^:/]+)/.exec(address)?.[1] ?? address;

/** The Services a route can send a request to, with the weight of each where it splits. */
function destinations(file: RouteFile, route: RouteFile['routes'][number]): Destination[] {
  const hosts = (upstream: string, weight?: number) =>
    (file.upstreams[upstream]?.endpoints ?? []).map((e) => ({ host: hostOf(e), weight }));
  if (route.proxy) return hosts(route.proxy.upstream);
  if (route.split) return route.split.targets.flatMap((t) => hosts(t.upstream, t.weight));
  if (route.choose)
    return [...Object.values(route.choose.cases), route.choose.default].flatMap((u) => hosts(u));
  if (route.transcode?.models)
    return route.transcode.models.map((m) => ({ host: hostOf(m.model), weight: m.weight }));
  if (route.transcode?.model) return [{ host: hostOf(route.transcode.model) }];
  return [];
}

const byName = (objects: K8sObject[], name: string) =>
  workloads(objects).find((w) => w.name === name);
const selected = (objects: K8sObject[], service: string) =>
  workloads(objects)
    .filter((w) =>
      selects({ matchLabels: named(objects, 'Service', service)?.spec.selector }, w.labels),
    )
    .map((w) => w.name)
    .sort();

/** What each strategy must have changed in the render of a stage. */
const effects: Record<Strategy, (objects: K8sObject[], stage: string) => void> = {
  recreate: (objects) => {
    for (const w of services(objects))
      expect([w.name, w.object.spec.strategy]).toEqual([w.name, { type: 'Recreate' }]);
  },
  ramped: (objects) => {
    for (const w of services(objects)) {
      expect([w.name, w.object.spec.strategy]).toEqual([
        w.name,
        { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      ]);
      expect([w.name, w.object.spec.minReadySeconds]).toEqual([w.name, 10]);
    }
  },
  'blue-green': (objects, stage) => {
    const app = upgraded(stage);
    const minReplicas = named(objects, 'HorizontalPodAutoscaler', app)?.spec.minReplicas;
    expect(byName(objects, `${app}-v2`)?.object.spec.replicas).toBeGreaterThanOrEqual(minReplicas);
    // One switch: the app's Service selects blue only; green has its own to preview.
    expect(selected(objects, app)).toEqual([app]);
    expect(named(objects, 'Service', app)?.spec.selector.version).toBe('v1');
    expect(selected(objects, `${app}-v2`)).toEqual([`${app}-v2`]);
  },
  canary: (objects, stage) => {
    const app = upgraded(stage);
    expect(byName(objects, `${app}-v2`)?.object.spec.replicas).toBe(1);
    const table = hasGateway(stage) ? routeTable(objects) : undefined;
    const weighted = table?.routes
      .map((r) => destinations(table, r))
      .filter((d) => d.some((x) => x.host === `${app}-v2`));
    if (weighted?.length) {
      // The gateway splits by weight, v2 the smaller share, on every route that reaches it.
      for (const d of weighted) {
        const v2 = d.find((x) => x.host === `${app}-v2`)?.weight ?? 0;
        const v1 = d.find((x) => x.host === app)?.weight ?? 0;
        expect({ v1: v1 > v2, v2: v2 > 0 }).toEqual({ v1: true, v2: true });
      }
    } else {
      // Without a table for it, the Service mixes both tracks: v2's share is its replicas'.
      expect(selected(objects, app)).toEqual([app, `${app}-v2`]);
    }
  },
  'ab-test': (objects, stage) => {
    const app = upgraded(stage);
    const table = routeTable(objects);
    const reachesV2 = (r: RouteFile['routes'][number]) =>
      destinations(table, r).some((d) => d.host === `${app}-v2`);
    const opted = table.routes.filter(reachesV2);
    const by = (kind: 'header' | 'cookie', name: string) =>
      opted.some((r) => r.match[kind]?.name === name || r.choose?.[kind] === name);
    expect({ header: by('header', 'x-fig-model'), cookie: by('cookie', 'fig-model') }).toEqual({
      header: true,
      cookie: true,
    });
    // Nobody gets v2 without opting in.
    const unconditional = opted.filter((r) => !r.match.header && !r.match.cookie && !r.choose);
    expect(unconditional.map((r) => r.name)).toEqual([]);
    expect(selected(objects, app)).toEqual([app]);
  },
};

describe.each(strategyTargets.map((t) => [t.name, t] as [string, Target]))('%s', (_n, target) => {
  it('shows the strategy where it acts', () => {
    effects[target.strategy as Strategy](rendered(target), target.stage);
  });

  it('changes nothing else a stage runs: every app of the stage is still deployed', () => {
    const deployed = new Set(
      services(rendered(target)).map((w) => w.labels['app.kubernetes.io/name']),
    );
    const apps = catalogue.resolve(target.stage).apps;
    expect(apps.filter((a) => !deployed.has(a))).toEqual([]);
  });
});

describe('the model-svc route tables', () => {
  it.each([
    ['canary', 'canary-v2'],
    ['ab-test', 'ab-v2'],
  ])(
    'deploys %s as a byte-identical copy of the gateway’s model-rollout/%s preset',
    (s, preset) => {
      // On failure: cp apps/gateway/routes/model-rollout/<preset>.yaml k8s/components/strategies/model-svc/<strategy>/routes.yaml
      expect(
        readFileSync(fromRoot(`k8s/components/strategies/model-svc/${s}/routes.yaml`), 'utf8'),
      ).toBe(readFileSync(fromRoot(`apps/gateway/routes/model-rollout/${preset}.yaml`), 'utf8'));
    },
  );
});

describe('the A/B tables derived from a stage’s preset', () => {
  const derived = stages.filter((s) =>
    existsSync(fromRoot('k8s/variants/strategies/ab-test', s, 'routes.yaml')),
  );

  it.each(derived.map((s) => [s]))(
    '%s: is its preset plus the opt-in routes to monolith-v2, and nothing else',
    (stage) => {
      const table = parse(
        readFileSync(fromRoot('k8s/variants/strategies/ab-test', stage, 'routes.yaml'), 'utf8'),
      );
      // Undo the A/B: the v2 upstream and cookie routes go, each header choice is the proxy again.
      delete table.upstreams['monolith-v2'];
      table.routes = table.routes
        .filter((r: { name: string }) => !r.name.endsWith('-v2-by-cookie'))
        .map(({ choose, ...r }: { choose?: { default: string } }) =>
          choose ? { ...r, proxy: { upstream: choose.default } } : r,
        );
      const preset = parse(
        readFileSync(
          fromRoot('apps/gateway/routes', `${catalogue.resolve(stage).preset}.yaml`),
          'utf8',
        ),
      );
      expect(table).toEqual(preset);
    },
  );
});
