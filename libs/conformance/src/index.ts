export { describeModelServiceConformance } from './model-service';
export { describeStoreServiceConformance } from './store-service';
