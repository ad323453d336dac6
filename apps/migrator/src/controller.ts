import type { MigrationFile } from '@fig/migration';
import type { Logger } from '@fig/logging';
import type { Driver } from './drivers/driver';
import type { MigratorMetrics } from './metrics';
import { Migration, MigrationError } from './migration';
import { scrapeGateways } from './scrape';
import type { Progress, ProgressStore } from './state';

export interface ControllerDeps {
  migrations: MigrationFile;
  driver: Driver;
  store: ProgressStore;
  gatewayOpsUrls: readonly string[];
  logger: Logger;
  metrics: MigratorMetrics;
}

const fresh = (): Progress => ({
  state: 'pending',
  stepIndex: -1,
  lastGood: -1,
  reason: 'not started',
  history: [],
});

/** Every migration of the spec, each ticking on its own interval, resumed from the saved progress. */
export class Controller {
  readonly migrations = new Map<string, Migration>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  private progress: Record<string, Progress> = {};
  private saving: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ControllerDeps) {}

  async load(): Promise<this> {
    const { deps } = this;
    this.progress = await deps.store.load();
    const scrape = async () => ({
      samples: await scrapeGateways(deps.gatewayOpsUrls),
      replicas: deps.gatewayOpsUrls.length,
    });
    for (const spec of deps.migrations.migrations) {
      const progress = (this.progress[spec.route] ??= fresh());
      const migration = new Migration(
        {
          spec,
          driver: deps.driver,
          logger: deps.logger,
          metrics: deps.metrics,
          scrape,
          save: () => this.save(),
        },
        progress,
      );
      this.migrations.set(spec.route, migration);
      if (progress.state === 'running')
        deps.logger.info({ route: spec.route, step: migration.step.name }, 'resuming migration');
    }
    return this;
  }

  start(): this {
    for (const [route, migration] of this.migrations) {
      const loop = () => {
        if (this.stopped) return;
        migration
          .tick()
          .catch((err: unknown) =>
            // A gateway or the API server unreachable for a tick is not a decision: log, try next tick.
            this.deps.logger.warn(
              { err, route },
              'migration tick failed; trying again next interval',
            ),
          )
          .finally(() => {
            if (!this.stopped)
              this.timers.set(route, setTimeout(loop, migration.delayToNextTick()));
          });
      };
      this.timers.set(route, setTimeout(loop, migration.delayToNextTick()));
    }
    return this;
  }

  stop() {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
  }

  get(route: string): Migration {
    const migration = this.migrations.get(route);
    if (!migration)
      throw new MigrationError('MIGRATION_NOT_FOUND', `no migration for route ${route}`);
    return migration;
  }

  /** Saves in order: a later save never overtakes an earlier one. */
  private save(): Promise<void> {
    const run = this.saving.then(() => this.deps.store.save(this.progress));
    this.saving = run.catch(() => undefined);
    return run;
  }
}
