import { GatewaySource } from './gateway-source';
import { SourceError } from './http';
import { readMigrations } from './migrator-source';
import { viewBuilder } from './snapshot';

const routes = {
  version: 'v-abc',
  routes: [{ name: 'all', match: { prefix: '/' }, proxy: { upstream: 'web' } }],
};
const upstreams = { upstreams: [{ name: 'web', version: 'v1', breaker: 'closed', endpoints: [] }] };

const migration = {
  route: 'entries-read',
  state: 'progressing',
  step: { index: 2, name: 'canary', percent: 25 },
  gates: [{ name: 'error-rate', value: 0.001, threshold: 0.01, ok: true }],
  history: Array.from({ length: 8 }, (_, i) => ({
    at: `2026-01-01T00:00:0${i}Z`,
    from: `s${i}`,
    to: `s${i + 1}`,
    reason: 'gates passed',
  })),
};

describe('viewBuilder', () => {
  it('hides the migrations and cluster panels when their sources are not configured', async () => {
    const view = await viewBuilder({ stage: 'stage-0-monolith' })();
    expect(view).toEqual({
      stage: 'stage-0-monolith',
      windowSeconds: 0,
      gateway: null,
      migrations: null,
      cluster: null,
      problems: [],
    });
  });

  it('names a failing source and keeps its last good picture', async () => {
    let up = true;
    const gateway = new GatewaySource({
      opsUrl: 'http://gw:9080',
      fetchJson: async (url) => {
        if (!up)
          throw new SourceError('SOURCE_UNAVAILABLE', 'http://gw:9080/gateway/routes: unreachable');
        return url.endsWith('/routes') ? routes : upstreams;
      },
      fetchText: async () => '',
    });
    const build = viewBuilder({ stage: 'stage-1-facade', gateway });
    const before = await build();
    up = false;
    const after = await build();
    expect(after.problems).toEqual([
      { source: 'gateway', message: 'http://gw:9080/gateway/routes: unreachable' },
    ]);
    expect(after.gateway).toEqual(before.gateway);
  });

  it('shows a migration controller’s migrations, with the last five history lines', async () => {
    const migrations = () =>
      readMigrations('http://migrator:8086', async (url) => {
        expect(url).toBe('http://migrator:8086/migrations');
        return { migrations: [migration] };
      });
    const view = await viewBuilder({ stage: 'stage-2-store', migrations })();
    expect(view.migrations).toHaveLength(1);
    expect(view.migrations![0]!.history.map((h) => h.to)).toEqual(['s4', 's5', 's6', 's7', 's8']);
  });

  it('names a migration controller that answers something else, and its field', async () => {
    const migrations = () =>
      readMigrations('http://migrator:8086', async () => ({ migrations: [{ route: 1 }] }));
    const view = await viewBuilder({ stage: 'stage-2-store', migrations })();
    expect(view.migrations).toEqual([]);
    expect(view.problems).toEqual([
      {
        source: 'migrator',
        message: expect.stringMatching(
          /^http:\/\/migrator:8086: unexpected answer \(migrations\.0\.route: /,
        ),
      },
    ]);
  });
});
