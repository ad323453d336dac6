export {
  catalogueFile,
  findRoot,
  kubeApi,
  loadCatalogue,
  parseCatalogue,
  StageCatalogueError,
  type App,
  type Call,
  type Catalogue,
  type PlatformApp,
  type Stage,
} from './catalogue';
export { hasStageTable, stageTable, withStageTable } from './table';
