import { describeModelServiceConformance } from '@fig/conformance';
import { createModelServer, type ModelServer } from './server';

describe.each(['v1', 'v2'] as const)('the TypeScript ModelService, %s', (version) => {
  let server: ModelServer;
  let port = 0;
  beforeAll(async () => {
    server = createModelServer(version);
    port = await server.listen(0);
  });
  afterAll(() => server.close());

  describeModelServiceConformance(`TypeScript ModelService ${version}`, () => `127.0.0.1:${port}`);
});
