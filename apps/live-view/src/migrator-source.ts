import { z } from 'zod';
import type { FetchJson } from './gateway-source';
import { parse } from './http';
import type { MigrationView } from './view';

/** The migration controller's GET /migrations (built by its own service). */
const migrationsSchema = z.object({
  migrations: z.array(
    z.object({
      route: z.string(),
      state: z.string(),
      step: z.object({ index: z.number(), name: z.string(), percent: z.number() }),
      gates: z.array(
        z.object({
          name: z.string(),
          // null until the step has samples (the controller's own answer before its first evaluation).
          value: z.number().nullable(),
          threshold: z.number(),
          ok: z.boolean(),
        }),
      ),
      history: z.array(
        z.object({ at: z.string(), from: z.string(), to: z.string(), reason: z.string() }),
      ),
    }),
  ),
});

/** Reads the controller's migrations; the page shows the last few history lines of each. */
export async function readMigrations(url: string, fetchJson: FetchJson): Promise<MigrationView[]> {
  const { migrations } = parse(migrationsSchema, await fetchJson(`${url}/migrations`), url);
  return migrations.map((m) => ({ ...m, history: m.history.slice(-5) }));
}
