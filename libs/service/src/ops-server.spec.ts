import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMetrics } from './metrics';
import { createOpsServer } from './ops-server';
import type { Check, ReadinessReport } from './checks';

async function startOps(checks: Check[], draining = false) {
  const metrics = createMetrics({ service: 'svc', version: 'v2' });
  const ops = createOpsServer({
    checks,
    registry: metrics.registry,
    isDraining: () => draining,
    checkTimeoutMs: 200,
    routes: { '/extra': () => ({ hello: 'ops' }) },
  });
  const port = await ops.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  return { base, close: () => new Promise((r) => ops.server.close(r)) };
}

const ok = (name: string): Check => ({ name, run: async () => undefined });
const failing = (name: string, critical = true): Check => ({
  name,
  critical,
  run: async () => {
    throw new Error(`${name} is down`);
  },
});

describe('ops server', () => {
  it('answers a request Node cannot parse with a coded JSON body', async () => {
    const ops = await startOps([]);
    const { port } = new URL(ops.base);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.write('NOT HTTP\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('"code":"MALFORMED_REQUEST"');
    await ops.close();
  });

  it('answers /livez while anything runs, even when draining', async () => {
    const ops = await startOps([failing('redis')], true);
    const res = await fetch(`${ops.base}/livez`);
    expect(res.status).toBe(200);
    await ops.close();
  });

  it('names each check in the /readyz body', async () => {
    const ops = await startOps([ok('redis'), ok('store')]);
    const res = await fetch(`${ops.base}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReadinessReport;
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks)).toEqual(['redis', 'store']);
    await ops.close();
  });

  it('fails readiness when a critical check fails, with its error', async () => {
    const ops = await startOps([ok('store'), failing('redis')]);
    const res = await fetch(`${ops.base}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as ReadinessReport;
    expect(body.checks.redis).toMatchObject({ ok: false, error: 'redis is down' });
    await ops.close();
  });

  it('stays ready but degraded when only a non-critical check fails', async () => {
    const ops = await startOps([ok('store'), failing('model', false)]);
    const res = await fetch(`${ops.base}/readyz`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as ReadinessReport).status).toBe('degraded');
    await ops.close();
  });

  it('times out a hanging check instead of hanging the probe', async () => {
    // Ignores its signal, as a stuck client would; unreferenced so Jest can exit.
    const hanging: Check = { name: 'slow', run: () => sleep(5_000, undefined, { ref: false }) };
    const ops = await startOps([hanging]);
    const started = Date.now();
    const res = await fetch(`${ops.base}/readyz`);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(((await res.json()) as ReadinessReport).checks.slow?.error).toMatch(/timed out/);
    await ops.close();
  });

  it('fails readiness while draining', async () => {
    const ops = await startOps([ok('redis')], true);
    const res = await fetch(`${ops.base}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as ReadinessReport).status).toBe('draining');
    await ops.close();
  });

  it('serves Prometheus text with fig_build_info', async () => {
    const ops = await startOps([]);
    const text = await (await fetch(`${ops.base}/metrics`)).text();
    expect(text).toMatch(/fig_build_info\{service="svc",version="v2"\} 1/);
    await ops.close();
  });

  it('serves extra JSON routes and 404s the rest', async () => {
    const ops = await startOps([]);
    expect(await (await fetch(`${ops.base}/extra`)).json()).toEqual({ hello: 'ops' });
    expect((await fetch(`${ops.base}/nope`)).status).toBe(404);
    await ops.close();
  });
});
