import { Writable } from 'node:stream';
import { createLogger } from '@fig/logging';
import {
  get,
  namedUpstream,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

describe('the access log', () => {
  let up: TestServer;
  let gw: TestGateway;
  const lines: string[] = [];

  beforeAll(async () => {
    up = await namedUpstream('up');
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    gw = await startGateway(
      `
version: 1
upstreams:
  up: { endpoints: ["${up.url}"], version: v7 }
routes:
  - name: all
    match: { prefix: / }
    proxy: { upstream: up }
`,
      {
        accessLog: true,
        logger: createLogger({
          service: 'gateway',
          version: 'v3',
          pod: 't',
          level: 'info',
          destination,
        }),
      },
    );
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('names the upstream version apart from the gateway version, and redacts query values', async () => {
    await get(`${gw.url}/api/entries?limit=5&token=secret-value`);
    const line = lines.find((l) => l.includes('"msg":"request"'))!;
    expect(line.match(/"version":/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({
      version: 'v3',
      upstream: 'up',
      upstream_version: 'v7',
      url: '/api/entries?limit=[redacted]&token=[redacted]',
    });
    expect(line).not.toContain('secret-value');
  });

  it('never writes the key version twice in any line (the route table logs routes_version)', () => {
    expect(lines.find((l) => l.includes('route table live'))).toContain('"routes_version":');
    expect(lines.filter((l) => (l.match(/"version":/g) ?? []).length !== 1)).toEqual([]);
  });
});
