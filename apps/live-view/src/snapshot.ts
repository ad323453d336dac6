import type { GatewaySource } from './gateway-source';
import type { ClusterView, GatewayView, LiveView, MigrationView, SourceProblem } from './view';

export interface ViewSources {
  stage: string;
  gateway?: GatewaySource;
  /** Reads the migration controller; absent when MIGRATOR_URL is not set. */
  migrations?: () => Promise<MigrationView[]>;
  /** The informers' current picture and last watch error; absent outside a cluster. */
  cluster?: { view(): ClusterView; problem(): string | undefined };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Builds the page's document from every source at once. A source that fails
 * is named in `problems` and keeps its last good picture, so a gateway
 * restart shows as a warning over the table the learner was watching rather
 * than an empty page.
 */
export function viewBuilder(sources: ViewSources): () => Promise<LiveView> {
  let gateway: GatewayView | null = null;
  let migrations: MigrationView[] | null = sources.migrations ? [] : null;

  return async () => {
    const problems: SourceProblem[] = [];
    await Promise.all([
      sources.gateway?.read().then(
        (g) => void (gateway = g),
        (err: unknown) => problems.push({ source: 'gateway', message: describe(err) }),
      ),
      sources.migrations?.().then(
        (m) => void (migrations = m),
        (err: unknown) => problems.push({ source: 'migrator', message: describe(err) }),
      ),
    ]);
    const clusterProblem = sources.cluster?.problem();
    if (clusterProblem) problems.push({ source: 'cluster', message: clusterProblem });
    problems.sort((a, b) => a.source.localeCompare(b.source));
    return {
      stage: sources.stage,
      windowSeconds: Math.round(sources.gateway?.windowSeconds() ?? 0),
      gateway,
      migrations,
      cluster: sources.cluster?.view() ?? null,
      problems,
    };
  };
}
