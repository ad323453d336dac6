export { evaluate, type Evaluation, type GateResult } from './gates';
export { buckets, parsePrometheus, quantileBetween, sum, type Sample } from './prometheus';
export { readRoute, RouteNotFoundError, writeRoute } from './route-file';
export { NoPreviousDefinitionError, rollbackRoute, type HistoryTable } from './rollback';
export {
  migrationFileSchema,
  migrationSchema,
  type MigrationFile,
  type MigrationSpec,
  type StepSpec,
} from './spec';
export { gatewayRouteFor, stepAt, unfitBaseline, type RouteDefinition, type Step } from './steps';
export { parseYamlFile, YamlFileError } from './yaml-file';
