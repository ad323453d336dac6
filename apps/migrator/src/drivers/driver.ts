import type { MigrationSpec, RouteDefinition, Step } from '@fig/migration';

/** The driven route as the live configuration has it. */
export interface LiveRoute {
  /** undefined when the configuration has no such route. */
  definition: RouteDefinition | undefined;
  /**
   * The version of the whole configuration that the gateway reports once it
   * serves it (gateway_route_table_info); undefined when nothing can confirm
   * it (a VirtualService is applied by the mesh, not by the Fig gateway).
   */
  version: string | undefined;
}

/**
 * Where a migration's steps are written: the gateway's route file, its
 * ConfigMap, or a VirtualService. The controller decides; a driver only reads
 * and writes one route's definition, in its own configuration's shape.
 */
export interface Driver {
  readonly kind: 'file' | 'configmap' | 'istio';
  read(route: string): Promise<LiveRoute>;
  /** Writes one route's definition and returns the version the configuration now has. */
  write(route: string, definition: RouteDefinition): Promise<string | undefined>;
  /** The route's definition at a step, from its definition before the migration. */
  definitionFor(spec: MigrationSpec, baseline: RouteDefinition, step: Step): RouteDefinition;
  /** Why this baseline cannot be driven by the spec, if it cannot. */
  unfit(spec: MigrationSpec, baseline: RouteDefinition): string | undefined;
}
