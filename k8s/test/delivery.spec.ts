import Ajv from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { named } from './support/objects';
import { fromRoot, root } from './support/paths';
import { allTargets, catalogue, rendered, stages, strategyTargets } from './support/render';

// CI keeps shared/ beside the repository (shared/schemas/README.md).
const schemaFile = path.resolve(root, '../shared/schemas/skaffold-v4beta14.json');

interface Artifact {
  image: string;
  context?: string;
  docker?: { dockerfile?: string; buildArgs?: Record<string, string> };
}
interface PortForward {
  resourceType: string;
  resourceName: string;
  namespace?: string;
  port: number;
  localPort?: number;
}
interface SkaffoldConfig {
  apiVersion: string;
  build: { artifacts: Artifact[]; local?: { push?: boolean } };
  manifests: { kustomize: { paths: string[] } };
  portForward?: PortForward[];
  profiles?: {
    name: string;
    build?: { artifacts: Artifact[] };
    manifests?: { kustomize: { paths: string[] } };
    patches?: { op: string; path: string; value?: unknown }[];
    portForward?: PortForward[];
  }[];
}

const skaffold = () => parse(readFileSync(fromRoot('skaffold.yaml'), 'utf8')) as SkaffoldConfig;

/** The JSON-patch subset skaffold profiles use here (add, replace, remove). */
function applyPatches(
  config: SkaffoldConfig,
  patches: { op: string; path: string; value?: unknown }[],
): SkaffoldConfig {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const { op, path: pointer, value } of patches) {
    const keys = pointer.split('/').slice(1);
    const last = keys.pop() as string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const parent = keys.reduce<any>((node, key) => node[key], copy);
    if (Array.isArray(parent)) {
      if (op === 'remove') parent.splice(Number(last), 1);
      else if (op === 'add') parent.splice(last === '-' ? parent.length : Number(last), 0, value);
      else parent[Number(last)] = value;
    } else if (op === 'remove') delete parent[last];
    else parent[last] = value;
  }
  return copy as unknown as SkaffoldConfig;
}

/** Skaffold's Go template for the add-on profiles' kustomize path, evaluated for one FIG_STAGE. */
const withStage = (p: string, stage: string) =>
  p.replace(/\{\{\s*default "([\w-]+)" \.FIG_STAGE\s*\}\}/, stage);
/** The same for the strategy profile's FIG_STRATEGY. */
const withStrategy = (p: string, strategy: string) =>
  p.replace(/\{\{\s*default "([\w-]+)" \.FIG_STRATEGY\s*\}\}/, strategy);

/** The rendered target a kustomize path of skaffold.yaml deploys. */
function targetOf(kustomizePath: string): string {
  const target = allTargets.find((t) => t.dir === kustomizePath) ?? exerciseTargetOf(kustomizePath);
  if (!target) throw new Error(`${kustomizePath} is not one of the overlays the tests render`);
  return target.name;
}

/**
 * A variant directory that layers exercise components on one stage's overlay
 * (k8s/variants/migrator) is the exercise target the tests render the same way.
 */
function exerciseTargetOf(kustomizePath: string) {
  const file = fromRoot(kustomizePath, 'kustomization.yaml');
  if (!existsSync(file)) return undefined;
  const k = parse(readFileSync(file, 'utf8')) as { resources?: string[]; components?: string[] };
  const rel = (p: string) => path.relative(fromRoot(), path.resolve(fromRoot(kustomizePath), p));
  const base = k.resources?.length === 1 ? rel(k.resources[0]!) : undefined;
  const components = (k.components ?? []).map(rel);
  return allTargets.find(
    (t) => t.base === base && JSON.stringify(t.components) === JSON.stringify(components),
  );
}

/** Every deployable (profile, FIG_STAGE) combination with its effective config. */
function deployments(): { label: string; config: SkaffoldConfig }[] {
  const base = skaffold();
  const runs = [{ label: '(default)', config: base }];
  for (const profile of base.profiles ?? []) {
    // Skaffold overlays a profile's sections on the config (a list replaces
    // the list), then applies its patches.
    const overlaid = structuredClone(base);
    if (profile.build) overlaid.build = { ...overlaid.build, ...profile.build };
    if (profile.manifests) overlaid.manifests = profile.manifests;
    const patched = applyPatches(overlaid, profile.patches ?? []);
    if (profile.portForward) patched.portForward = profile.portForward;
    const paths = patched.manifests.kustomize.paths;
    const templated = paths.some((p) => p.includes('{{'));
    // The strategy profile: every (strategy, stage) that has a variant directory.
    const picks = paths.some((p) => p.includes('.FIG_STRATEGY'))
      ? strategyTargets.map((t) => ({ stage: t.stage, strategy: t.strategy as string }))
      : (templated ? stages : ['']).map((stage) => ({ stage, strategy: '' }));
    for (const { stage, strategy } of picks) {
      const config = structuredClone(patched);
      config.manifests.kustomize.paths = paths.map((p) =>
        withStrategy(withStage(p, stage), strategy),
      );
      const label = strategy ? `FIG_STRATEGY=${strategy} FIG_STAGE=${stage}` : `FIG_STAGE=${stage}`;
      runs.push({ label: templated ? `${profile.name} (${label})` : profile.name, config });
    }
  }
  return runs;
}

describe('skaffold.yaml', () => {
  it('is valid skaffold/v4beta14, with and without each profile (unknown keys are errors)', () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(
      JSON.parse(readFileSync(schemaFile, 'utf8')),
    );
    const failures = deployments().flatMap(({ label, config }) =>
      validate(config)
        ? []
        : (validate.errors ?? []).map((e) => `${label}: ${e.instancePath} ${e.message}`),
    );
    expect(skaffold().apiVersion).toBe('skaffold/v4beta14');
    expect(failures).toEqual([]);
  });

  it('has a profile per stage of the catalogue plus the add-ons, the default stage by default, and builds without a registry', () => {
    const config = skaffold();
    expect(config.profiles?.map((p) => p.name)).toEqual([
      ...stages,
      // Stage 1 with the migrator exercise (k8s/variants/migrator, ADR 0602).
      'migrator',
      'istio',
      'observability',
      'istio-observability',
      // Any deployment strategy on any stage (k8s/variants/strategies, ADR 0513).
      'strategy',
    ]);
    expect(config.manifests.kustomize.paths).toEqual([`k8s/overlays/${catalogue.defaultStage.id}`]);
    expect(config.build.local?.push).toBe(false);
  });

  it('builds each app from a Dockerfile that exists, named after the app', () => {
    const problems = skaffold().build.artifacts.flatMap((a) => {
      const dockerfile = a.docker?.dockerfile ?? 'Dockerfile';
      // The project's Dockerfile takes the app as APP; an app with a recipe of
      // its own (model-svc, ADR 0114) keeps it at apps/<app>/Dockerfile.
      const own = /^apps\/([\w-]+)\/Dockerfile$/.exec(dockerfile)?.[1];
      const app = own ?? a.docker?.buildArgs?.APP;
      const source = own ? fromRoot('apps', own) : fromRoot('apps', app ?? '-', 'src/main.ts');
      return [
        ...(existsSync(path.join(fromRoot(a.context ?? '.'), dockerfile))
          ? []
          : [`${a.image}: no ${dockerfile}`]),
        ...(app &&
        existsSync(source) &&
        a.image === `fig-${app}` &&
        !(own && a.docker?.buildArgs?.APP)
          ? []
          : [`${a.image}: APP=${app} (${dockerfile})`]),
      ];
    });
    expect(problems).toEqual([]);
  });

  it.each(deployments().map((d) => [d.label, d.config]))(
    '%s renders, builds exactly the images it deploys and forwards to Services that exist',
    (_label, config) => {
      const objects = config.manifests.kustomize.paths.flatMap((p) => rendered(targetOf(p)));
      const deployed = new Set(
        objects
          .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
          .flatMap((o) => o.spec.template.spec.containers.map((c: { image: string }) => c.image))
          .filter((image: string) => image.startsWith('fig-')),
      );
      const built = new Set(config.build.artifacts.map((a) => a.image));
      // Add-on profiles take the stage from FIG_STAGE and build every image.
      const exact = !config.manifests.kustomize.paths.some((p) => p.startsWith('k8s/variants/'));
      if (exact) expect([...built].sort()).toEqual([...deployed].sort());
      else for (const image of deployed) expect(built).toContain(image);

      const forwards = (config.portForward ?? []).filter((f) => {
        const service = named(objects, 'Service', f.resourceName);
        return (
          f.resourceType !== 'service' ||
          !service ||
          !service.spec.ports.some((p: { port: number }) => p.port === f.port)
        );
      });
      expect(forwards).toEqual([]);
      expect(config.portForward).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ resourceName: 'fig', port: 8080, localPort: 8080 }),
        ]),
      );
    },
  );
});

describe('the image recipe', () => {
  const dockerfile = () => readFileSync(fromRoot('Dockerfile'), 'utf8');

  it('runs the bundle with the telemetry bootstrap first, on a distroless non-root base', () => {
    const text = dockerfile();
    const stages = text.split(/^FROM /m);
    const runtime = stages[stages.length - 1] as string;
    expect(runtime).toMatch(/^\$\{RUNTIME_IMAGE\}\n/);
    expect(text).toMatch(
      /^ARG RUNTIME_IMAGE=gcr\.io\/distroless\/nodejs\$\{NODE_VERSION\}-debian12:nonroot$/m,
    );
    expect(runtime).toMatch(/^USER 65532:65532$/m);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
    expect(cmd.slice(-3)).toEqual(['--import', './instrument.js', 'main.js']);
    expect(runtime).toMatch(/^LABEL org\.opencontainers\.image\.title=/m);
  });

  it('builds without a registry frontend, on base images given as arguments that default to the real ones', () => {
    const text = dockerfile();
    expect(text).not.toMatch(/^# syntax=/m);
    expect(text).toMatch(/^ARG BUILD_IMAGE=node:\$\{NODE_VERSION\}-bookworm-slim$/m);
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(
      froms.every(
        (f) => ['${BUILD_IMAGE}', '${RUNTIME_IMAGE}'].includes(f as string) || !f?.includes(':'),
      ),
    ).toBe(true);
  });

  it('installs the workspace once for every APP: npm ci runs in a stage that does not see APP', () => {
    const stages = dockerfile()
      .split(/^FROM /m)
      .slice(1);
    const install = stages.filter((s) => /^RUN .*npm ci/m.test(s));
    expect(install).toHaveLength(1);
    expect(install[0]).not.toMatch(/\bAPP\b/);
    // Every stage that builds an APP descends from that one.
    const name = / AS ([\w-]+)/.exec(install[0]?.split('\n')[0] as string)?.[1];
    const build = stages.find((s) => /nx run "\$APP:build"/.test(s));
    expect(build?.split('\n')[0]).toMatch(new RegExp(`^${name} AS `));
  });

  it('declares ARG APP in every stage that uses it and copies only from earlier stages', () => {
    const stages = dockerfile()
      .split(/^FROM /m)
      .slice(1);
    const names: string[] = [];
    const problems = stages.flatMap((stage, i) => {
      const name = / AS ([\w-]+)/.exec(stage.split('\n')[0] as string)?.[1] ?? `#${i}`;
      names.push(name);
      const usesApp = /\$\{?APP\b/.test(stage.split('\n').slice(1).join('\n'));
      return [
        ...(usesApp && !/^ARG APP$/m.test(stage) ? [`${name} uses $APP without ARG APP`] : []),
        ...[...stage.matchAll(/--from=([\w-]+)/g)]
          .map((m) => m[1] as string)
          .filter((from) => !names.slice(0, -1).includes(from))
          .map((from) => `${name} copies from unknown stage ${from}`),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('keeps the build context small, but with every package.json npm ci needs', () => {
    const patterns = readFileSync(fromRoot('.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    const toRegExp = (glob: string) =>
      new RegExp(
        `^${glob
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .split('**/')
          .map((part) =>
            part
              .split('**')
              .map((p) => p.replace(/\*/g, '[^/]*'))
              .join('.*'),
          )
          .join('(.*/)?')}(/.*)?$`,
      );
    // Docker's rule: the last matching pattern wins; "!" re-includes.
    const ignored = (file: string) =>
      patterns.reduce(
        (result, p) => (toRegExp(p.replace(/^!/, '')).test(file) ? !p.startsWith('!') : result),
        false,
      );
    const root = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8'));
    const workspaces = (root.workspaces as string[]).flatMap((w) =>
      w.endsWith('/*')
        ? readdirSync(fromRoot(w.slice(0, -2))).map((d) => `${w.slice(0, -2)}/${d}`)
        : [w],
    );
    const manifests = [
      'package.json',
      'package-lock.json',
      ...workspaces.map((w) => `${w}/package.json`),
    ];
    expect(manifests.filter((m) => existsSync(fromRoot(m)) && ignored(m))).toEqual([]);
    expect(
      [
        '.git',
        'node_modules/x',
        'apps/monolith/node_modules/x',
        'dist/apps/x',
        'k8s/base/x.yaml',
      ].filter((f) => !ignored(f)),
    ).toEqual([]);
  });
});

describe("model-svc's image recipe (apps/model-svc/Dockerfile, ADR 0114)", () => {
  const dockerfile = () => readFileSync(fromRoot('apps/model-svc/Dockerfile'), 'utf8');
  const runtime = () =>
    dockerfile()
      .split(/^FROM /m)
      .pop() as string;

  it('builds without a registry frontend, on base images given as arguments that default to the real ones', () => {
    const text = dockerfile();
    expect(text).not.toMatch(/^# syntax=/m);
    expect(text).toMatch(/^ARG BUILD_IMAGE=debian:12-slim$/m);
    expect(text).toMatch(/^ARG RUNTIME_IMAGE=gcr\.io\/distroless\/python3-debian12:nonroot$/m);
    expect([...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual([
      '${BUILD_IMAGE}',
      '${RUNTIME_IMAGE}',
    ]);
  });

  it('installs only hash-locked requirements, and takes pip out of what ships', () => {
    const installs = [...dockerfile().matchAll(/pip install [^\n]*/g)].map((m) => m[0]);
    expect(installs.length).toBeGreaterThan(0);
    expect(installs.filter((i) => !/--require-hashes/.test(i) || !/--no-deps/.test(i))).toEqual([]);
    expect(dockerfile()).toMatch(/\/venv\/bin\/pip uninstall -q -y pip setuptools wheel/);
    expect(runtime()).not.toMatch(/--from=build \/tools/);
  });

  it('runs the service as the non-root distroless user, from root-owned code, as the processes spec does', () => {
    const text = runtime();
    expect(text).toMatch(/^\$\{RUNTIME_IMAGE\}\n/);
    expect(text).toMatch(/^USER 65532:65532$/m);
    expect(text).not.toMatch(/--chown/);
    expect(JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(text)?.[1] ?? '[]')).toEqual([
      '/venv/bin/python',
      '-m',
      'model_svc',
    ]);
    // evaluation.py reads the shared set at the same place relative to the sources.
    expect(dockerfile()).toMatch(
      /^COPY libs\/sentiment\/src\/evaluation-set\.json \/app\/libs\/sentiment\/src\/evaluation-set\.json$/m,
    );
    expect(dockerfile()).toMatch(/^COPY apps\/model-svc\/src \/app\/apps\/model-svc\/src$/m);
  });
});

describe('kind', () => {
  it('creates one control plane and two workers, with the front door NodePort on the host', () => {
    const cluster = parse(readFileSync(fromRoot('k8s/kind/cluster.yaml'), 'utf8'));
    expect(cluster.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(cluster.nodes.map((n: { role: string }) => n.role)).toEqual([
      'control-plane',
      'worker',
      'worker',
    ]);
    const nodePort = named(rendered(catalogue.defaultStage.id), 'Service', 'fig')?.spec.ports[0]
      .nodePort;
    expect(cluster.nodes[0].extraPortMappings).toEqual([
      expect.objectContaining({ containerPort: nodePort }),
    ]);
  });

  it('runs the e2e suite script that the e2e project defines', () => {
    const script = readFileSync(fromRoot('k8s/kind/e2e.sh'), 'utf8');
    const e2e = JSON.parse(readFileSync(fromRoot('e2e/package.json'), 'utf8'));
    const [, name] = /npm run ([\w:-]+) -w e2e/.exec(script) ?? [];
    expect(e2e.scripts[name as string]).toBeDefined();
    expect(script).toMatch(/E2E_BASE_URL=/);
  });
});
