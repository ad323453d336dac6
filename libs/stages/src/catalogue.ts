import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';

/** Where the catalogue lives, relative to the workspace root. */
export const catalogueFile = 'stages.yaml';

/** Thrown when stages.yaml is malformed or a name does not resolve through it. */
export class StageCatalogueError extends Error {
  constructor(
    readonly code: 'STAGE_CATALOGUE_INVALID' | 'STAGE_UNKNOWN',
    readonly problems: readonly string[],
  ) {
    super(problems.length === 1 ? problems[0] : problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'StageCatalogueError';
  }
}

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case words joined by -');
const stageId = z
  .string()
  .regex(/^stage-\d+[a-z]?-[a-z][a-z0-9-]*$/, 'must look like stage-<n>[letter]-<what-moved>');

const appSchema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  ops: z.number().int().min(1).max(65535).optional(),
  protocol: z.enum(['http', 'grpc', 'redis']),
  /** Not a Fig service but something the services use (Redis). */
  dependency: z.boolean().default(false),
});

const callSchema = z
  .string()
  .regex(/^[\w-]+ -> [\w-]+$/, 'must read "<client> -> <server>"')
  .transform((text) => {
    const [from, to] = text.split(' -> ') as [string, string];
    return { from, to };
  });

const stageSchema = z.strictObject({
  id: stageId,
  aliases: z.array(z.string().regex(/^\d+[a-z]?$/, 'an alias is a stage number, e.g. 3 or 2a')),
  title: z.string().min(1),
  /** What moved in this stage, for the README's table. */
  moved: z.string().min(1),
  apps: z.array(name).min(1),
  entry: name,
  preset: name.nullable(),
  istio: stageId,
  calls: z.array(callSchema).min(1),
  exercises: z.array(z.string().regex(/^(k8s\/components|istio\/variants)\/[\w/-]+$/)),
});

/**
 * An app every stage runs beside its own: it watches the stage, nothing of
 * the stage calls it. `watches` names the ops ports it reads (an app of the
 * catalogue, where the stage runs it) and `kube-api`, the cluster's API
 * server (egress to the world's 443 in the NetworkPolicies).
 */
const platformSchema = z.strictObject({
  app: name,
  watches: z.array(name).default([]),
});

const catalogueSchema = z.strictObject({
  default: stageId,
  apps: z.record(name, appSchema),
  platform: z.array(platformSchema).default([]),
  stages: z.array(stageSchema).min(1),
});

export type App = z.output<typeof appSchema> & { name: string };
export type Call = z.output<typeof callSchema>;
export type Stage = z.output<typeof stageSchema>;
export type PlatformApp = z.output<typeof platformSchema>;

/** What a platform app's `watches` may name besides the catalogue's apps. */
export const kubeApi = 'kube-api';

export interface Catalogue {
  defaultStage: Stage;
  /** Every part by name, services and dependencies, in the catalogue's order. */
  apps: ReadonlyMap<string, App>;
  stages: readonly Stage[];
  /** Apps every stage runs beside its own (the live view), in start order after the stage's. */
  platform: readonly PlatformApp[];
  /** A stage's apps followed by the platform's: what npm start and an overlay run. */
  appsOf(stage: Stage): string[];
  /** A stage by id or alias; throws STAGE_UNKNOWN naming every valid choice. */
  resolve(idOrAlias: string): Stage;
  /**
   * "client → server:port" for each call of a stage, and for each platform
   * app the world opening it and each ops port or API server it watches
   * there (`kube-api` as world:443), sorted.
   */
  edges(stage: Stage): string[];
  /** The Fig services (not dependencies) a stage deploys, the platform's included, plus Redis. */
  workloads(stage: Stage): string[];
}

/** Cross-checks the schema cannot express: every name refers to something. */
function problemsOf(data: z.output<typeof catalogueSchema>): string[] {
  const problems: string[] = [];
  const apps = new Set(Object.keys(data.apps));
  const ids = data.stages.map((s) => s.id);
  const names = new Map<string, string>();
  for (const stage of data.stages) {
    for (const key of [stage.id, ...stage.aliases]) {
      const owner = names.get(key);
      if (owner) problems.push(`${key} names both ${owner} and ${stage.id}`);
      names.set(key, stage.id);
    }
    const at = `stages.${stage.id}`;
    for (const app of stage.apps)
      if (!apps.has(app)) problems.push(`${at}.apps: ${app} is not in apps`);
    if (!stage.apps.includes(stage.entry))
      problems.push(`${at}.entry: ${stage.entry} is not one of its apps`);
    if ((stage.preset === null) === stage.apps.includes('gateway'))
      problems.push(`${at}.preset: a stage has a gateway preset exactly when it runs the gateway`);
    if (!ids.includes(stage.istio)) problems.push(`${at}.istio: ${stage.istio} is not a stage`);
    const runs = new Set([
      ...stage.apps,
      'world',
      ...[...apps].filter((a) => data.apps[a]?.dependency),
    ]);
    for (const { from, to } of stage.calls)
      for (const end of [from, to])
        if (!runs.has(end))
          problems.push(`${at}.calls: ${from} -> ${to}: ${end} does not run here`);
    if (!stage.calls.some((c) => c.from === 'world' && c.to === stage.entry))
      problems.push(`${at}.calls: the world must call the entry, ${stage.entry}`);
  }
  if (!ids.includes(data.default)) problems.push(`default: ${data.default} is not a stage`);
  for (const [i, p] of data.platform.entries()) {
    if (!apps.has(p.app)) problems.push(`platform.${i}.app: ${p.app} is not in apps`);
    for (const w of p.watches)
      if (w !== kubeApi && data.apps[w]?.ops === undefined)
        problems.push(
          `platform.${i}.watches: ${w} is neither kube-api nor an app with an ops port`,
        );
    for (const stage of data.stages)
      if (stage.apps.includes(p.app))
        problems.push(`stages.${stage.id}.apps: ${p.app} runs in every stage already (platform)`);
  }
  return problems;
}

/** Parses and checks catalogue text; `source` names it in error messages. */
export function parseCatalogue(text: string, source = catalogueFile): Catalogue {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length)
    throw new StageCatalogueError(
      'STAGE_CATALOGUE_INVALID',
      doc.errors.map((e) => `${source}: ${e.message}`),
    );
  const parsed = catalogueSchema.safeParse(doc.toJS());
  if (!parsed.success)
    throw new StageCatalogueError(
      'STAGE_CATALOGUE_INVALID',
      parsed.error.issues.map((i) => `${source}: ${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  const data = parsed.data;
  const problems = problemsOf(data);
  if (problems.length)
    throw new StageCatalogueError(
      'STAGE_CATALOGUE_INVALID',
      problems.map((p) => `${source}: ${p}`),
    );

  const apps = new Map(Object.entries(data.apps).map(([n, a]) => [n, { ...a, name: n }]));
  const stages = data.stages;
  const resolve = (idOrAlias: string): Stage => {
    const stage = stages.find((s) => s.id === idOrAlias || s.aliases.includes(idOrAlias));
    if (!stage) {
      const choices = stages.map((s) => [s.id, ...s.aliases].join(' | ')).join(', ');
      throw new StageCatalogueError('STAGE_UNKNOWN', [
        `unknown stage "${idOrAlias}": choose one of ${choices}`,
      ]);
    }
    return stage;
  };
  const platform = data.platform;
  const appsOf = (stage: Stage) => [...stage.apps, ...platform.map((p) => p.app)];
  // Learners open a platform app from outside; it reads what it watches.
  const watched = (stage: Stage) =>
    platform.flatMap((p) =>
      [`world`, ...p.watches].flatMap((w) => {
        if (w === 'world') return [`world → ${p.app}:${apps.get(p.app)?.port}`];
        if (w === kubeApi) return [`${p.app} → world:443`];
        return stage.apps.includes(w) ? [`${p.app} → ${w}:${apps.get(w)?.ops}`] : [];
      }),
    );
  return {
    defaultStage: resolve(data.default),
    apps,
    stages,
    platform,
    appsOf,
    resolve,
    edges: (stage) =>
      [
        ...stage.calls.map(({ from, to }) => `${from} → ${to}:${apps.get(to)?.port}`),
        ...watched(stage),
      ].sort(),
    workloads: (stage) =>
      [
        ...appsOf(stage),
        ...[...apps.values()].filter((a) => a.dependency).map((a) => a.name),
      ].sort(),
  };
}

/** The workspace root: the nearest folder at or above `from` that holds the catalogue. */
export function findRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, catalogueFile))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`no ${catalogueFile} at or above ${from}`);
  }
}

/** Reads `stages.yaml` from the workspace root. */
export function loadCatalogue(root: string): Catalogue {
  const file = path.join(root, catalogueFile);
  return parseCatalogue(readFileSync(file, 'utf8'), catalogueFile);
}
