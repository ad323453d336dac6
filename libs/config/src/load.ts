import type { z } from 'zod';

/** Thrown at start-up when the environment does not satisfy a service's schema. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once, reporting every problem at the same time (a
 * failing deploy should not reveal its mistakes one restart at a time), and
 * freezes the result so nothing mutates configuration at run time.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.output<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = issue.path.join('.') || '(environment)';
        const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
        return value === undefined
          ? `${key}: ${issue.message}`
          : `${key}: ${issue.message} (got ${JSON.stringify(value)})`;
      }),
    );
  }
  return Object.freeze(result.data);
}
