import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { listenOnLoopback, startBundle, waitFor } from '@fig/testing';

/** The built gateway as a real process: reloads, streaming memory and TLS are properties of the process. */

const serve = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
  listenOnLoopback(createServer(handler));

/** A directory laid out and updated the way the kubelet mounts a ConfigMap (atomic symlink swap). */
function configMap(initial: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'fig-gw-e2e-'));
  let generation = 0;
  const publish = (text: string) => {
    const data = `..${++generation}`;
    mkdirSync(path.join(dir, data));
    writeFileSync(path.join(dir, data, 'routes.yaml'), text);
    symlinkSync(data, path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  };
  publish(initial);
  symlinkSync('..data/routes.yaml', path.join(dir, 'routes.yaml'));
  return {
    dir,
    file: path.join(dir, 'routes.yaml'),
    publish,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function startGateway(routesFile: string, env: Record<string, string> = {}) {
  return startBundle('gateway', {
    env: { GATEWAY_ROUTES: routesFile, ACCESS_LOG: 'false', ...env },
  });
}

const routesTo = (name: string, url: string) => `version: 1
upstreams:
  ${name}: { endpoints: ["${url}"] }
routes:
  - { name: all, match: { prefix: / }, proxy: { upstream: ${name} } }
`;

const agent = new Agent({ connections: 16 });
afterAll(() => agent.close());

describe('route reloads of a running gateway', () => {
  it('swaps tables under load without losing a request, and keeps the live table when the new file is invalid', async () => {
    const a = await serve((_q, s) => s.end('a'));
    const b = await serve((_q, s) => s.end('b'));
    const cm = configMap(routesTo('a', a.url));
    const gw = await startGateway(cm.file);
    const statuses: number[] = [];
    const seen = { a: 0, b: 0 } as Record<string, number>;
    let running = true;
    const loops = Array.from({ length: 8 }, async () => {
      while (running) {
        const res = await request(gw.base, { dispatcher: agent }).catch(() => undefined);
        const body = res ? await res.body.text() : '';
        statuses.push(res?.statusCode ?? 0);
        seen[body] = (seen[body] ?? 0) + 1;
      }
    });
    const servedBy = async () => await (await request(gw.base, { dispatcher: agent })).body.text();
    try {
      for (let i = 0; i < 6; i++) {
        const [name, upstream] = i % 2 ? ['a', a] : ['b', b];
        cm.publish(routesTo(name, upstream.url));
        await waitFor(async () => (await servedBy()) === name, {
          timeoutMs: 5_000,
          what: `upstream ${name} to serve`,
        });
      }
      running = false;
      await Promise.all(loops);
      expect(statuses.length).toBeGreaterThan(100);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(seen.a! > 0 && seen.b! > 0).toBe(true);

      // Now an invalid file: the gateway says why, with the line, and keeps the live table.
      const live = await servedBy();
      cm.publish(routesTo('c', a.url).replace('proxy:', 'proxyy:'));
      const view = await waitFor(
        async () => {
          const body = (await (await fetch(`${gw.ops}/gateway/routes`)).json()) as {
            lastRejected: { problems: string[] } | null;
          };
          return body.lastRejected;
        },
        { what: 'the invalid file to be rejected' },
      );
      expect(view.problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^line 5: routes\.0: Unrecognized key: "proxyy"/),
        ]),
      );
      expect(await servedBy()).toBe(live);
      const metrics = await (await fetch(`${gw.ops}/metrics`)).text();
      expect(metrics).toMatch(/gateway_route_reloads_total\{[^}]*result="rejected"[^}]*\} 1/);
      const upstreams = (await (await fetch(`${gw.ops}/gateway/upstreams`)).json()) as {
        upstreams: { name: string; breaker: string }[];
      };
      expect(upstreams.upstreams).toEqual([
        expect.objectContaining({ name: live, breaker: 'closed' }),
      ]);
    } finally {
      running = false;
      await gw.kill();
      cm.remove();
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('shutdown', () => {
  it('on SIGTERM fails readiness, keeps serving with Connection: close through the delay, then exits 0', async () => {
    const upstream = await serve((_q, s) => s.end('ok'));
    const cm = configMap(routesTo('up', upstream.url));
    const gw = await startGateway(cm.file, { SHUTDOWN_DELAY_MS: '1500' });
    try {
      gw.proc.signal('SIGTERM');
      await waitFor(async () => (await fetch(`${gw.ops}/readyz`)).status === 503, {
        what: 'readiness to fail',
      });
      expect((await fetch(`${gw.ops}/livez`)).status).toBe(200);
      const res = await request(gw.base, { dispatcher: agent });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('ok');
      expect(res.headers.connection).toBe('close');
      expect(await gw.proc.exited).toBe(0);
    } finally {
      await gw.kill();
      cm.remove();
      await upstream.close();
    }
  });
});

/** Resident memory of a process, from /proc (Linux). */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) / 1024;
}

describe('streaming through the gateway process', () => {
  const total = 256 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 7);
  let upstream: Awaited<ReturnType<typeof serve>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let cm: ReturnType<typeof configMap>;

  function* chunks(size = total) {
    for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
  }

  beforeAll(async () => {
    upstream = await serve(async (req, res) => {
      if (req.method === 'POST') {
        let bytes = 0;
        for await (const c of req as AsyncIterable<Buffer>) bytes += c.length;
        res.end(JSON.stringify({ bytes }));
        return;
      }
      const size = Number(new URL(req.url!, 'http://x').searchParams.get('size') ?? total);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      Readable.from(chunks(size)).pipe(res);
    });
    cm = configMap(
      routesTo('up', upstream.url).replace(
        'proxy: { upstream: up }',
        'proxy: { upstream: up }, timeoutMs: 60000',
      ),
    );
    gw = await startGateway(cm.file);
    // Warm up (JIT, pools, heap sizing), so growth measured later is the transfer's own.
    const warm = await request(`${gw.base}/download?size=${32 * 1024 * 1024}`, {
      dispatcher: agent,
    });
    await warm.body.dump({ limit: Infinity });
  });

  afterAll(async () => {
    await gw?.kill();
    cm?.remove();
    await upstream?.close();
  });

  /**
   * Runs `transfer` while sampling the gateway's RSS; returns the growth over
   * the starting level. Streaming keeps it near V8's 64 MiB allowance for
   * not-yet-collected socket buffers whatever the size; buffering the body
   * would add all 256 MiB, hence the 128 MiB bound.
   */
  async function peakGrowth(transfer: () => Promise<void>): Promise<number> {
    const pid = gw.proc.child.pid!;
    const start = rssMiB(pid);
    let peak = start;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 20);
    try {
      await transfer();
    } finally {
      clearInterval(sampler);
    }
    return peak - start;
  }

  it('streams a 256 MiB download with flat gateway memory', async () => {
    let received = 0;
    const growth = await peakGrowth(async () => {
      const res = await request(`${gw.base}/download`, { dispatcher: agent });
      for await (const c of res.body) received += (c as Buffer).length;
    });
    expect(received).toBe(total);
    expect(growth).toBeLessThan(128);
  });

  it('streams a 256 MiB upload with flat gateway memory', async () => {
    let answer = '';
    const growth = await peakGrowth(async () => {
      const res = await request(`${gw.base}/upload`, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Readable.from(chunks()),
      });
      answer = await res.body.text();
    });
    expect(JSON.parse(answer)).toEqual({ bytes: total });
    expect(growth).toBeLessThan(128);
  });
});

describe('TLS termination', () => {
  it('serves HTTPS from certificate files, sets HSTS and tells the upstream the original scheme', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fig-gw-tls-'));
    const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const upstream = await serve((req, res) => res.end(String(req.headers['x-forwarded-proto'])));
    const cm = configMap(routesTo('up', upstream.url));
    const gw = await startGateway(cm.file, { TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    const tls = new Agent({ connect: { ca: readFileSync(cert) } });
    try {
      const res = await request(`https://127.0.0.1:${gw.port}/`, { dispatcher: tls });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('https');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      await expect(
        request(`http://127.0.0.1:${gw.port}/`, { dispatcher: agent }).then((r) => r.body.text()),
      ).rejects.toThrow();
    } finally {
      await tls.close();
      await gw.kill();
      cm.remove();
      rmSync(dir, { recursive: true, force: true });
      await upstream.close();
    }
  });
});
