import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { fromRoot } from './paths';

/** The services the manifests deploy, in the order they can start. */
export const fig = [
  'store-svc',
  'model-svc',
  'monolith',
  'frontend',
  'gateway',
  'live-view',
] as const;
export type App = (typeof fig)[number];

/** Apps written in Python: their settings are read by the Python code itself (ADR 0114). */
export const python: readonly App[] = ['model-svc'];

/** Where an app's configuration is defined: the zod schema, or model-svc's settings module. */
const configSource = (app: App) =>
  python.includes(app)
    ? fromRoot('apps', app, 'src', app.replace(/-/g, '_'), 'config.py')
    : fromRoot('apps', app, 'src/config.ts');

/** Apps whose source is in the tree; others are still being written. */
export const written = fig.filter((app) => existsSync(configSource(app)));
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

/** What the manifest tests need to know of an app's configuration, whatever its language. */
export interface AppConfig {
  /** Every variable the app reads. */
  keys: string[];
  /** Variables it cannot do without (no default). */
  required: string[];
  /** The app's own verdict on an environment: its parsed values by variable name, or its problems. */
  parse(env: Record<string, string>): { values: Record<string, unknown>; problems: string[] };
}

function zodConfig(schema: z.ZodType): AppConfig {
  return {
    keys: schemaKeys(schema),
    required: requiredKeys(schema),
    parse: (env) => {
      const result = schema.safeParse(env);
      return result.success
        ? { values: result.data as Record<string, unknown>, problems: [] }
        : {
            values: {},
            problems: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
          };
    },
  };
}

/** The interpreter model-svc runs on (`npm run setup:python` creates it). */
export function pythonOf(app: App): string {
  const interpreter = fromRoot('apps', app, '.venv/bin/python');
  if (!existsSync(interpreter))
    throw new Error(`${interpreter} does not exist: run 'npm run setup:python' first`);
  return interpreter;
}

interface PythonVerdict {
  keys: string[];
  required: string[];
  values: Record<string, unknown>;
  problems: string[];
}

/**
 * A Python app's settings, asked of its own `load_settings` through
 * support/python_settings.py in the app's interpreter: a contract check like
 * the zod schemas', with the variable names learnt from the code.
 */
function pythonConfig(app: App): AppConfig {
  const verdicts = new Map<string, PythonVerdict>();
  const ask = (env: Record<string, string>): PythonVerdict => {
    const input = JSON.stringify({ env });
    let verdict = verdicts.get(input);
    if (!verdict) {
      verdict = JSON.parse(
        execFileSync(pythonOf(app), [path.join(__dirname, 'python_settings.py')], {
          input,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', PYTHONPATH: fromRoot('apps', app, 'src') },
          timeout: 30_000,
        }),
      ) as PythonVerdict;
      verdicts.set(input, verdict);
    }
    return verdict;
  };
  const empty = ask({});
  return {
    keys: empty.keys,
    required: empty.required,
    parse: (env) => {
      const { values, problems } = ask(env);
      return { values, problems };
    },
  };
}

/** An app's configuration as its own code defines it (zod schema or Python settings). */
export function appConfig(app: App): AppConfig {
  return python.includes(app) ? pythonConfig(app) : zodConfig(configSchema(app));
}

/** The bundle the app's build target writes. */
export const bundleDir = (app: App) => fromRoot('dist/apps', app);
