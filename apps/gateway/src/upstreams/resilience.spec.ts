import { freePort, startProcess, waitFor, type ManagedProcess } from '@fig/testing';
import {
  get,
  load,
  metricValue,
  send,
  serve,
  startGateway,
  type TestServer,
} from '../test-support';

/** An upstream whose behaviour a test can change, counting what it receives. */
async function controllable(name: string) {
  const state = {
    mode: 'ok' as 'ok' | 'reset' | 'reset-once' | '503' | '500' | 'hold',
    received: 0,
    held: [] as (() => void)[],
  };
  let waiters: (() => void)[] = [];
  const server = await serve((req, res) => {
    state.received++;
    waiters.forEach((resolve) => resolve());
    waiters = [];
    req.resume();
    if (state.mode === 'reset') return req.socket.destroy();
    if (state.mode === 'reset-once') {
      state.mode = 'ok';
      return req.socket.destroy();
    }
    if (state.mode === 'hold') return state.held.push(() => res.end(name));
    if (state.mode !== 'ok') res.statusCode = Number(state.mode);
    res.end(name);
  });
  const nextRequest = () => new Promise<void>((resolve) => waiters.push(resolve));
  return { ...server, state, nextRequest };
}

describe('retries', () => {
  it('retries idempotent requests on another endpoint, and never a request with a body', async () => {
    const flaky = await controllable('flaky');
    const good = await controllable('good');
    flaky.state.mode = 'reset';
    const gw = await startGateway(`
version: 1
upstreams:
  u: { endpoints: ["${flaky.url}", "${good.url}"], outlier: { consecutiveFailures: 1000 } }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u }, retry: { attempts: 2 } }
`);
    try {
      const gets = await Promise.all(Array.from({ length: 20 }, () => get(gw.url)));
      expect(gets.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(
        await metricValue(gw.registry, 'gateway_retries_total', { route: 'r' }),
      ).toBeGreaterThan(0);

      flaky.state.received = 0;
      good.state.received = 0;
      const posts = [];
      for (let i = 0; i < 10; i++) posts.push(await send(gw.url, 'POST', '{"a":1}'));
      const failed = posts.filter((r) => r.status === 502);
      expect(failed).toHaveLength(5);
      expect(JSON.parse(failed[0]!.text)).toEqual({
        error: { code: 'BAD_GATEWAY', message: 'The upstream connection failed' },
      });
      // Each POST reached exactly one endpoint once: none was replayed.
      expect(flaky.state.received + good.state.received).toBe(10);
    } finally {
      await gw.close();
      await Promise.all([flaky.close(), good.close()]);
    }
  });

  it('retries a 502-504 answer, within the retry budget', async () => {
    const flaky = await controllable('flaky');
    const good = await controllable('good');
    flaky.state.mode = '503';
    const gw = await startGateway(`
version: 1
retryBudget: { percent: 0, minPerWindow: 3, windowMs: 60000 }
upstreams:
  u: { endpoints: ["${flaky.url}", "${good.url}"], outlier: { consecutiveFailures: 1000 }, breaker: { minFailures: 1000 } }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u }, retry: { attempts: 1 } }
`);
    try {
      const statuses = [];
      for (let i = 0; i < 12; i++) statuses.push((await get(gw.url)).status);
      // Every request that met the failing endpoint failed, except the three the budget allowed to retry.
      expect(flaky.state.received).toBeGreaterThan(3);
      expect(statuses.filter((s) => s === 503)).toHaveLength(flaky.state.received - 3);
      expect(await metricValue(gw.registry, 'gateway_retries_total', { route: 'r' })).toBe(3);
    } finally {
      await gw.close();
      await Promise.all([flaky.close(), good.close()]);
    }
  });

  it("passes on the only endpoint's own answer, and tries its failed connection once more", async () => {
    const only = await controllable('only');
    only.state.mode = '503';
    const gw = await startGateway(`
version: 1
upstreams:
  u: { endpoints: ["${only.url}"], breaker: { minFailures: 1000 } }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u }, retry: { attempts: 2 } }
`);
    try {
      const answered = await get(gw.url);
      expect([answered.status, answered.text]).toEqual([503, 'only']);
      // A connection cut before the answer (a closing keep-alive socket, a pod
      // leaving behind a Service address): a fresh one gets the answer.
      only.state.mode = 'reset-once';
      expect([(await get(gw.url)).status, only.state.received]).toEqual([200, 3]);
      // Once only: an endpoint that keeps cutting is not asked a third time.
      only.state.mode = 'reset';
      const failed = await get(gw.url);
      expect([failed.status, JSON.parse(failed.text).error.code]).toEqual([502, 'BAD_GATEWAY']);
      expect(only.state.received).toBe(5);
      expect(await metricValue(gw.registry, 'gateway_retries_total', { route: 'r' })).toBe(2);
    } finally {
      await gw.close();
      await only.close();
    }
  });

  it('does not retry a timeout, and times out when the route says, not a second later', async () => {
    const slow = await controllable('slow');
    const good = await controllable('good');
    slow.state.mode = 'hold';
    const gw = await startGateway(`
version: 1
upstreams:
  u: { endpoints: ["${slow.url}", "${good.url}"] }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u }, timeoutMs: 100, retry: { attempts: 2 } }
`);
    try {
      const started = performance.now();
      expect((await get(gw.url)).status).toBe(504);
      // undici's own header timeout ticks in whole seconds; the gateway keeps short ones exact.
      expect(performance.now() - started).toBeLessThan(600);
      expect([slow.state.received, good.state.received]).toEqual([1, 0]);
    } finally {
      slow.state.held.forEach((release) => release());
      await gw.close();
      await Promise.all([slow.close(), good.close()]);
    }
  });
});

describe('circuit breaker', () => {
  let up: Awaited<ReturnType<typeof controllable>>;
  afterEach(() => up.close());

  it('opens after failures, refuses at once while open, half-opens for one trial, then closes', async () => {
    up = await controllable('up');
    up.state.mode = '500';
    const gw = await startGateway(`
version: 1
upstreams:
  u: { endpoints: ["${up.url}"], breaker: { minFailures: 3, failureRatio: 0.5, openMs: 300 } }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u } }
`);
    const state = () => metricValue(gw.registry, 'gateway_breaker_state', { upstream: 'u' });
    try {
      for (let i = 0; i < 3; i++) expect((await get(gw.url)).status).toBe(500);
      expect(await state()).toBe(2);
      const refused = await get(gw.url);
      expect(refused.status).toBe(503);
      expect(refused.json()).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
      expect(up.state.received).toBe(3);

      // After openMs one trial goes through; while it is in flight, others are still refused.
      up.state.mode = 'hold';
      let trial: ReturnType<typeof get> | undefined;
      await waitFor(
        async () => {
          const pending = get(gw.url);
          const outcome = await Promise.race([
            pending.then(() => 'refused'),
            up.nextRequest().then(() => 'reached'),
          ]);
          if (outcome === 'reached') trial = pending;
          return outcome === 'reached';
        },
        { timeoutMs: 3_000, intervalMs: 50, what: 'the breaker to let a trial through' },
      );
      expect(await state()).toBe(1);
      expect((await get(gw.url)).status).toBe(503);
      up.state.mode = 'ok';
      up.state.held.forEach((release) => release());
      expect((await trial!).status).toBe(200);
      expect(await state()).toBe(0);
      expect((await get(gw.url)).status).toBe(200);
      const view = gw.gateway.upstreamList[0]!.snapshot();
      expect(view.breaker).toBe('closed');
    } finally {
      await gw.close();
    }
  });
});

describe('outlier ejection and health checks', () => {
  const script = `require('http').createServer((q, s) => s.end(process.env.NAME)).listen(Number(process.env.PORT), '127.0.0.1')`;
  let procs: ManagedProcess[] = [];
  afterEach(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    procs = [];
  });

  it('ejects an endpoint killed mid-run, with under 1% failed requests', async () => {
    const ports = await Promise.all([freePort(), freePort()]);
    procs = await Promise.all(
      ports.map((port, i) =>
        startProcess({
          args: ['-e', script],
          env: { PORT: String(port), NAME: `e${i}` },
          readyUrl: `http://127.0.0.1:${port}/`,
        }),
      ),
    );
    const gw = await startGateway(`
version: 1
upstreams:
  u:
    endpoints: ["http://127.0.0.1:${ports[0]}", "http://127.0.0.1:${ports[1]}"]
    outlier: { consecutiveFailures: 2, ejectMs: 30000 }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u } }
`);
    try {
      let done = 0;
      const statuses = await load(1_000, 8, async () => {
        if (++done === 200) await procs[1]!.kill();
        return (await get(gw.url)).status;
      });
      const failed = statuses.filter((s) => s !== 200).length;
      expect(failed / statuses.length).toBeLessThan(0.01);
      const endpoints = gw.gateway.upstreamList[0]!.snapshot().endpoints;
      expect(endpoints.find((e) => e.url.endsWith(String(ports[1])))).toMatchObject({
        ejected: true,
      });
      expect(
        await metricValue(gw.registry, 'gateway_endpoint_ejections_total', { upstream: 'u' }),
      ).toBe(1);
    } finally {
      await gw.close();
    }
  });

  it('lifts an ejection once a restarted endpoint passes its health check, not for one that stayed up', async () => {
    const ports = await Promise.all([freePort(), freePort()]);
    const run = (i: number) =>
      startProcess({
        args: ['-e', script],
        env: { PORT: String(ports[i]), NAME: `e${i}` },
        readyUrl: `http://127.0.0.1:${ports[i]}/`,
      });
    procs = await Promise.all([run(0), run(1)]);
    // e2 fails every request but passes its health check: a real outlier.
    const outlier = await serve((q, s) => (q.url === '/readyz' ? s.end('ok') : q.socket.destroy()));
    const gw = await startGateway(`
version: 1
upstreams:
  u:
    endpoints: ["http://127.0.0.1:${ports[0]}", "http://127.0.0.1:${ports[1]}", "${outlier.url}"]
    outlier: { consecutiveFailures: 2, ejectMs: 30000, maxEjectedPercent: 100 }
    healthCheck: { path: /readyz, intervalMs: 100, unhealthyAfter: 100 }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u }, retry: { attempts: 2 } }
`);
    const view = (url: string) =>
      gw.gateway.upstreamList[0]!.snapshot().endpoints.find((e) => e.url === url)!;
    const restarted = `http://127.0.0.1:${ports[1]}`;
    try {
      await procs[1]!.kill();
      await waitFor(
        async () => {
          await get(gw.url);
          return view(restarted).ejected && view(outlier.url).ejected;
        },
        { what: 'both failing endpoints to be ejected' },
      );
      // A replacement takes longer than a probe interval to start: let one see it gone.
      await waitFor(() => view(restarted).lastHealthError, { what: 'a failed probe' });
      procs[1] = await run(1);
      await waitFor(() => !view(restarted).ejected, {
        what: 'the restarted endpoint to come back before its 30 s ejection ends',
        timeoutMs: 3_000,
      });
      await waitFor(async () => (await get(gw.url)).text === 'e1', {
        what: 'a request served by the restarted endpoint',
      });
      expect(view(outlier.url).ejected).toBe(true);
    } finally {
      await gw.close();
      await outlier.close();
    }
  });

  it('takes an endpoint that reports draining out at the first probe, others only after unhealthyAfter', async () => {
    let report: 'ready' | 'not-ready' | 'draining' = 'ready';
    let probes = 0;
    const ops = await serve((_q, s) => {
      probes++;
      s.writeHead(report === 'ready' ? 200 : 503, { 'content-type': 'application/json' });
      s.end(JSON.stringify({ status: report, checks: {} }));
    });
    const up = await serve((_q, s) => s.end('up'));
    const gw = await startGateway(`
version: 1
upstreams:
  u:
    endpoints: ["${up.url}"]
    healthCheck: { path: /readyz, portOffset: ${ops.port - up.port}, intervalMs: 40, unhealthyAfter: 5 }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u } }
`);
    const healthy = () => gw.gateway.upstreamList[0]!.snapshot().endpoints[0]!.healthy;
    const probesUntilUnhealthy = async () => {
      const before = probes;
      await waitFor(() => !healthy(), { what: 'the endpoint to be taken out' });
      return probes - before;
    };
    try {
      await waitFor(() => probes > 0, { what: 'a first probe' });
      report = 'not-ready';
      expect(await probesUntilUnhealthy()).toBeGreaterThanOrEqual(5);
      report = 'ready';
      await waitFor(healthy, { what: 'the endpoint back' });
      report = 'draining';
      // One probe, or two if the next one started before the check above ran.
      expect(await probesUntilUnhealthy()).toBeLessThanOrEqual(2);
    } finally {
      await gw.close();
      await Promise.all([ops.close(), up.close()]);
    }
  });

  it('takes an endpoint out while its /readyz fails and brings it back when it passes', async () => {
    let ready = true;
    const [a, b, ops] = await Promise.all([
      serve((_q, s) => s.end('a')),
      serve((_q, s) => s.end('b')),
      serve((_q, s) => {
        s.statusCode = ready ? 200 : 503;
        s.end();
      }),
    ]);
    const servers: TestServer[] = [a, b, ops];
    // Only endpoint a has its ops port where the offset points.
    const gw = await startGateway(`
version: 1
upstreams:
  u:
    endpoints: ["${a.url}"]
    healthCheck: { path: /readyz, portOffset: ${ops.port - a.port}, intervalMs: 30, unhealthyAfter: 1, healthyAfter: 1 }
  v: { endpoints: ["${b.url}"] }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u } }
`);
    const endpoint = () =>
      gw.gateway.upstreamList.find((u) => u.name === 'u')!.snapshot().endpoints[0]!;
    try {
      expect((await get(gw.url)).text).toBe('a');
      ready = false;
      await waitFor(() => !endpoint().healthy, { what: 'endpoint to turn unhealthy' });
      const refused = await get(gw.url);
      expect(refused.status).toBe(503);
      expect(endpoint().lastHealthError).toBe('status 503');
      ready = true;
      await waitFor(() => endpoint().healthy, { what: 'endpoint to turn healthy' });
      expect((await get(gw.url)).text).toBe('a');
    } finally {
      await gw.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
