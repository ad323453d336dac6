export {
  catalogueFile,
  findRoot,
  loadCatalogue,
  parseCatalogue,
  StageCatalogueError,
  type App,
  type Call,
  type Catalogue,
  type Stage,
} from './catalogue';
export { hasStageTable, stageTable, withStageTable } from './table';
