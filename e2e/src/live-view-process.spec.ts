import { startBundle } from '@fig/testing';
import { openStream, startCanaryTopology, traffic, type CanaryTopology } from './support/live-view';

/**
 * The built live view as a real process, watching a real gateway in front of
 * two real monolith versions: what it shows must follow the traffic.
 */
describe('the live view watching a gateway canary', () => {
  it('refuses to start with a gateway address that is not a URL, naming the variable', async () => {
    const { proc } = await startBundle('live-view', {
      env: { GATEWAY_OPS_URL: 'gateway:9080' },
      waitFor: 'nothing',
    });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/GATEWAY_OPS_URL: must be a URL/);
  });

  let t: CanaryTopology;
  beforeAll(async () => {
    t = await startCanaryTopology();
  }, 60_000);

  const rate = (
    doc: { gateway: { rates: { version: string; perSecond: number }[] } | null },
    version: string,
  ) => doc.gateway?.rates.find((r) => r.version === version)?.perSecond ?? 0;

  it('starts a stream with the route table and each upstream coloured by its version', async () => {
    const stream = await openStream(t.liveView.base);
    const doc = await stream.until((d) => d.gateway !== null, 'the gateway is read');
    expect(doc.stage).toBe('stage-1-facade');
    expect(doc.gateway!.upstreams.map((u) => [u.name, u.version, u.breaker])).toEqual([
      ['web-v1', 'v1', 'closed'],
      ['web-v2', 'v2', 'closed'],
    ]);
    expect(doc.gateway!.routes.map((r) => [r.name, r.action, r.mirror])).toEqual([
      ['info', 'web-v1', 'web-v2 (100%)'],
      ['stats', 'web-v2', null],
      ['everything-else', 'web-v1 50% · web-v2 50%', null],
    ]);
    expect(stream.counts.snapshot).toBe(1);
    stream.close();
  });

  it('shows the request rate of each version change as traffic moves: v2 only, then both', async () => {
    const stream = await openStream(t.liveView.base);
    await stream.until((d) => d.gateway !== null, 'the gateway is read');

    await traffic(`${t.gateway.base}/api/stats`, 30);
    const v2Only = await stream.until((d) => rate(d, 'v2') > 0, 'v2 traffic shows');
    expect(rate(v2Only, 'v1')).toBe(0);

    await traffic(`${t.gateway.base}/api/entries`, 40);
    const both = await stream.until((d) => rate(d, 'v1') > 0, 'the split shows v1 as well');
    expect(rate(both, 'v2')).toBeGreaterThan(0);
    // Patches, not whole documents, carried the changes.
    expect(stream.counts).toMatchObject({ snapshot: 1 });
    expect(stream.counts.patch).toBeGreaterThan(0);
    stream.close();
  });

  it('counts the mirrored route’s mismatches (v1 and v2 answer /api/info differently)', async () => {
    const stream = await openStream(t.liveView.base);
    await traffic(`${t.gateway.base}/api/info`, 10);
    const doc = await stream.until(
      (d) => (d.gateway?.shadow.find((s) => s.route === 'info')?.mismatch ?? 0) > 0,
      'mismatches show',
    );
    expect(doc.gateway!.shadow.find((s) => s.route === 'info')).toMatchObject({ match: 0 });
    stream.close();
  });

  it('names the gateway as a problem when it goes away, keeping the last table on screen', async () => {
    const stream = await openStream(t.liveView.base);
    await stream.until((d) => d.gateway !== null, 'the gateway is read');
    await t.gateway.kill();
    const doc = await stream.until(
      (d) => d.problems.some((p) => p.source === 'gateway'),
      'a problem',
    );
    expect(doc.problems.find((p) => p.source === 'gateway')?.message).toMatch(/unreachable/);
    expect(doc.gateway?.upstreams).toHaveLength(2);
    stream.close();
  });

  it('serves the same document as JSON at /api/view, for scripts and the workshop checks', async () => {
    const res = await fetch(`${t.liveView.base}/api/view`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      stage: 'stage-1-facade',
      gateway: { upstreams: [{ name: 'web-v1' }, { name: 'web-v2' }] },
      migrations: null,
      cluster: null,
    });
  });

  it('ends open streams on SIGTERM and exits 0', async () => {
    const stream = await openStream(t.liveView.base);
    await stream.until(() => true, 'the snapshot');
    t.liveView.proc.signal('SIGTERM');
    expect(await stream.ended()).toBe(true);
    expect(await t.liveView.proc.exited).toBe(0);
  });
});
