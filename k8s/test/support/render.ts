import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './objects';
import { fromRoot, root } from './paths';
import { loadCatalogue } from '@fig/stages';

/** The stage catalogue (stages.yaml): every stage the manifests must deploy. */
export const catalogue = loadCatalogue(root);
export const stages = catalogue.stages.map((s) => s.id);
export type Stage = string;
const addons = ['istio', 'observability', 'istio-observability'] as const;

export interface Target {
  /** How test names refer to it, e.g. "stage-2-store + istio". */
  name: string;
  stage: Stage;
  istio: boolean;
  observability: boolean;
  /** A kustomization directory in the repository, or components layered on one. */
  dir?: string;
  base?: string;
  components?: string[];
  /** The deployment strategy a k8s/variants/strategies target applies. */
  strategy?: Strategy;
}

/** Every overlay with and without the add-ons: what skaffold's profiles deploy. */
export const overlayTargets: Target[] = stages.flatMap((stage) => [
  { name: stage, stage, istio: false, observability: false, dir: `k8s/overlays/${stage}` },
  ...addons.map((addon) => ({
    name: `${stage} + ${addon}`,
    stage,
    istio: addon.includes('istio'),
    observability: addon.includes('observability'),
    dir: `k8s/variants/${addon}/${stage}`,
  })),
]);

/**
 * The workshop's exercises, each on the stage the catalogue lists it under. An
 * Istio variant is layered together with the mesh policies of its stage.
 */
const variantTargets: Target[] = catalogue.stages.flatMap((stage) =>
  stage.exercises.map((exercise) => {
    const istio = exercise.startsWith('istio/');
    return {
      name: `${stage.id} + ${exercise.replace(/^k8s\/components\//, '')}`,
      stage: stage.id,
      istio,
      observability: false,
      base: `k8s/overlays/${stage.id}`,
      components: [...(istio ? [`istio/stages/${stage.istio}`] : []), exercise],
    };
  }),
);

/** The deployment strategies of k8s/components/strategies, as the learner picks them. */
export const strategies = ['recreate', 'ramped', 'blue-green', 'canary', 'ab-test'] as const;
export type Strategy = (typeof strategies)[number];

/**
 * Each strategy on each stage it has a variant for
 * (k8s/variants/strategies/<strategy>/<stage>, ADR 0513); which stages must
 * have one is k8s/test/strategies.spec.ts's to say.
 */
export const strategyTargets: Target[] = strategies.flatMap((strategy) =>
  stages
    .filter((stage) => existsSync(fromRoot('k8s/variants/strategies', strategy, stage)))
    .map((stage) => ({
      name: `${stage} + strategy ${strategy}`,
      stage,
      istio: false,
      observability: false,
      dir: `k8s/variants/strategies/${strategy}/${stage}`,
      strategy,
    })),
);

/**
 * Exercise 15's ways of reaching a monolith outside the cluster
 * (k8s/variants/hybrid/<stage>/<kind>, ADR 0515); `mesh` layers on the
 * stage's Istio variant.
 */
export const hybridTargets: Target[] = stages.flatMap((stage) => {
  const dir = fromRoot('k8s/variants/hybrid', stage);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((kind) => ({
    name: `${stage} + hybrid ${kind}`,
    stage,
    istio: kind === 'mesh',
    observability: false,
    dir: `k8s/variants/hybrid/${stage}/${kind}`,
  }));
});

export const allTargets = [
  ...overlayTargets,
  ...variantTargets,
  ...strategyTargets,
  ...hybridTargets,
];

function kustomize(dir: string): string {
  try {
    return execFileSync('kubectl', ['kustomize', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(
        'kubectl is not installed: the manifest tests render with `kubectl kustomize`',
      );
    throw new Error(`kubectl kustomize ${dir} failed:\n${e.stderr ?? String(err)}`);
  }
}

/**
 * Layers components on an overlay in a throw-away kustomization (kustomize
 * takes relative paths only), as a user would by adding them to the overlay.
 */
function composed(target: Target, scratch: string): string {
  const dir = mkdtempSync(path.join(scratch, 'variant-'));
  const rel = (p: string) => path.relative(dir, fromRoot(p));
  writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    `namespace: fig\nresources: [${rel(target.base as string)}]\ncomponents: [${(target.components ?? []).map(rel).join(', ')}]\n`,
  );
  return dir;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Changes whenever a manifest changes, so a stale render is never reused. */
function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(fromRoot('k8s')), ...filesUnder(fromRoot('istio'))].sort()) {
    if (file.includes(`${path.sep}test${path.sep}`) || file.includes('node_modules')) continue;
    hash.update(file).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The per-checkout Redis password the redis secretGenerator reads (ADR 0113). */
export function ensureRedisPassword(): void {
  execFileSync('bash', [fromRoot('k8s/redis-password.sh')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

let memo: Map<string, K8sObject[] | Error> | undefined;

/**
 * Every target rendered once per change of the manifests. Jest gives each spec
 * file its own module registry, so the renders are shared through a file in
 * the temp folder rather than a variable; kustomize runs ~30 times, not ~200.
 */
export function renders(): Map<string, K8sObject[] | Error> {
  if (memo) return memo;
  ensureRedisPassword();
  const scratch = path.join(tmpdir(), 'fig-k8s-renders');
  mkdirSync(scratch, { recursive: true });
  const cache = path.join(scratch, `${inputsHash()}.json`);
  let text: string;
  try {
    text = readFileSync(cache, 'utf8');
  } catch {
    // A broken target fails its own tests, not every other target's.
    const rendered = allTargets.map((t) => {
      const dir = t.dir ? fromRoot(t.dir) : composed(t, scratch);
      try {
        return [t.name, kustomize(dir)];
      } catch (err) {
        return [t.name, { error: (err as Error).message }];
      } finally {
        if (!t.dir) rmSync(dir, { recursive: true, force: true });
      }
    });
    text = JSON.stringify(Object.fromEntries(rendered));
    const partial = `${cache}.${process.pid}`;
    writeFileSync(partial, text);
    renameSync(partial, cache);
  }
  const raw = JSON.parse(text) as Record<string, string | { error: string }>;
  memo = new Map(
    Object.entries(raw).map(([name, yaml]) => [
      name,
      typeof yaml === 'string'
        ? parseAllDocuments(yaml).map((d) => d.toJS() as K8sObject)
        : new Error(yaml.error),
    ]),
  );
  return memo;
}

export function rendered(target: Target | string): K8sObject[] {
  const name = typeof target === 'string' ? target : target.name;
  const objects = renders().get(name);
  if (!objects) throw new Error(`no render named ${name}`);
  if (objects instanceof Error) throw objects;
  return objects;
}
