import { GatewaySource } from './gateway-source';

const routes = {
  version: 'abc123',
  routes: [
    {
      name: 'sentiment',
      match: { methods: ['POST'], path: '/api/sentiment' },
      transcode: { rpc: 'Score' },
    },
    {
      name: 'pages',
      match: { prefix: '/' },
      split: {
        targets: [
          { upstream: 'web-v1', weight: 90 },
          { upstream: 'web-v2', weight: 10 },
        ],
      },
    },
    {
      name: 'ab',
      match: { path: '/ab', header: { name: 'x-group' } },
      choose: { header: 'x-group', cases: { beta: 'web-v2' }, default: 'web-v1' },
      mirror: { upstream: 'web-v2', percent: 50 },
    },
  ],
};
const upstreams = {
  upstreams: [
    {
      name: 'web-v1',
      version: 'v1',
      breaker: 'open',
      endpoints: [{ url: 'http://a:1', healthy: false, ejected: true, pending: 3, ejections: 2 }],
    },
  ],
};
const metrics = (n: number) =>
  `# TYPE gateway_requests_total counter\ngateway_requests_total{route="pages",upstream="web-v1",version="v1",status_code="200"} ${n}\n`;

/** A source over fake replicas: `counts` gives each replica's request counter per read. */
function sourceOver(replicas: string[], counts: Record<string, number[]>) {
  let clock = 0;
  const reads: Record<string, number> = {};
  return new GatewaySource({
    opsUrl: 'http://gateway-ops:9080',
    resolve: async () => replicas,
    fetchJson: async (url) => (url.endsWith('/gateway/routes') ? routes : upstreams),
    fetchText: async (url) => {
      const replica = new URL(url).origin;
      const i = (reads[replica] = (reads[replica] ?? -1) + 1);
      return metrics(counts[replica]![i]!);
    },
    now: () => (clock += 1_000),
  });
}

describe('GatewaySource', () => {
  it('describes each route in a few words with the upstreams it can reach', async () => {
    const view = await sourceOver(['http://r1'], { 'http://r1': [0] }).read();
    expect(view.tableVersion).toBe('abc123');
    expect(view.routes).toEqual([
      {
        name: 'sentiment',
        match: 'POST /api/sentiment',
        action: 'transcode Score',
        upstreams: [],
        mirror: null,
      },
      {
        name: 'pages',
        match: '/*',
        action: 'web-v1 90% · web-v2 10%',
        upstreams: ['web-v1', 'web-v2'],
        mirror: null,
      },
      {
        name: 'ab',
        match: '/ab header x-group',
        action: 'by header x-group: beta→web-v2, else web-v1',
        upstreams: ['web-v2', 'web-v1'],
        mirror: 'web-v2 (50%)',
      },
    ]);
    expect(view.upstreams).toEqual([
      {
        name: 'web-v1',
        version: 'v1',
        breaker: 'open',
        endpoints: [{ url: 'http://a:1', healthy: false, ejected: true, pending: 3 }],
      },
    ]);
  });

  it('adds up the rates of every gateway replica, each windowed on its own', async () => {
    const source = sourceOver(['http://r2', 'http://r1'], {
      'http://r1': [100, 110],
      // r2 restarted between the reads: its counter went back to 4, which is 4 new requests.
      'http://r2': [500, 4],
    });
    await source.read();
    const view = await source.read();
    // The clock moves 1 s per scrape: r1 grew 10 in 2 s, r2 4 in 2 s.
    expect(view.rates).toEqual([
      { upstream: 'web-v1', version: 'v1', perSecond: 7, errorsPerSecond: 0 },
    ]);
  });

  it('refuses an answer it cannot show, naming the field', async () => {
    const source = new GatewaySource({
      opsUrl: 'http://gw:9080',
      fetchJson: async () => ({ version: 1, routes: [] }),
      fetchText: async () => '',
    });
    await expect(source.read()).rejects.toMatchObject({
      code: 'SOURCE_INVALID',
      message: expect.stringMatching(/http:\/\/gw:9080: unexpected answer \(version: /),
    });
  });
});
