import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { fromRoot } from './paths';

/** The services the manifests deploy, in the order they can start. */
export const fig = ['store-svc', 'monolith', 'frontend', 'gateway'] as const;
export type App = (typeof fig)[number];

/** Apps whose source is in the tree; others are still being written. */
export const written = fig.filter((app) => existsSync(fromRoot('apps', app, 'src/config.ts')));
export const notWritten = fig.filter((app) => !written.includes(app));

/**
 * Loads an app's module from its TypeScript source. An e2e project may not
 * import apps (the module-boundary rule), and these tests are not a consumer
 * of the apps' code but a contract check against it: the path is computed,
 * SWC compiles it as Jest loads it, and Nx still rebuilds and retests this
 * project when an app changes (implicitDependencies). The schema is read from
 * the code, never copied into the tests.
 */
export function loadAppModule(app: string, file: string): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(fromRoot('apps', app, 'src'), file));
}

/** The zod schema `src/config.ts` exports as `<name>ConfigSchema`. */
export function configSchema(app: App): z.ZodType {
  const exports = Object.entries(loadAppModule(app, 'config.ts')).filter(([name]) =>
    name.endsWith('ConfigSchema'),
  );
  if (exports.length !== 1) {
    throw new Error(
      `apps/${app}/src/config.ts should export exactly one *ConfigSchema, found ${exports.map(([n]) => n).join(', ') || 'none'}`,
    );
  }
  return (exports[0] as [string, z.ZodType])[1];
}

/** The variable names a schema knows, through refinements and pipes. */
export function schemaKeys(schema: z.ZodType): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let current: any = schema;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.shape) return Object.keys(current.shape);
    current = current.def?.in ?? current.def?.schema ?? current.def?.innerType;
  }
  throw new Error('config schema is not an object schema');
}

/** Variables the schema cannot do without (no default, not optional). */
export function requiredKeys(schema: z.ZodType): string[] {
  const result = schema.safeParse({});
  if (result.success) return [];
  return [
    ...new Set(
      result.error.issues.filter((i) => i.path.length === 1).map((i) => String(i.path[0])),
    ),
  ];
}

/** The bundle the app's build target writes. */
export const bundleDir = (app: App) => fromRoot('dist/apps', app);
