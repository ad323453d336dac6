import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { startOtlpReceiver, waitFor, type OtlpReceiver } from '@fig/testing';

/**
 * The real bootstrap (register.ts → NodeSDK) in a real process, in front of a
 * small server using Fig's logger: spans, propagation and log correlation as
 * a service gets them, with and without an exporter.
 */
const root = path.resolve(__dirname, '../../..');
// Inside the workspace, so the bundles' npm packages resolve from its node_modules.
const out = path.join(root, 'test-output/telemetry-bootstrap');

beforeAll(() => {
  mkdirSync(out, { recursive: true });
  buildSync({
    entryPoints: {
      instrument: path.join(__dirname, 'register.ts'),
      server: path.join(__dirname, '../test/traced-server.ts'),
    },
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    packages: 'external',
    tsconfig: path.join(root, 'tsconfig.base.json'),
    logLevel: 'error',
  });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Running {
  child: ChildProcessWithoutNullStreams;
  base: string;
  lines: () => Record<string, unknown>[];
}
const running: Running[] = [];
afterEach(() => {
  for (const r of running.splice(0)) r.child.kill('SIGKILL');
});

async function startServer(env: Record<string, string>): Promise<Running> {
  const child = spawn(
    process.execPath,
    ['--import', path.join(out, 'instrument.js'), path.join(out, 'server.js')],
    { env: { PATH: process.env.PATH ?? '', OTEL_SERVICE_NAME: 'probe', ...env } },
  );
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const started: Running = {
    child,
    base: '',
    lines: () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
  running.push(started);
  const port = await waitFor(() => /^port (\d+)$/m.exec(stdout)?.[1], {
    what: 'the server to listen',
    timeoutMs: 10_000,
  });
  return { ...started, base: `http://127.0.0.1:${port}` };
}

const traceId = '0af7651916cd43dd8448eb211c80319c';
const parentId = 'b7ad6b7169203331';
const traceparent = `00-${traceId}-${parentId}-01`;

describe('the tracing bootstrap in a process', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver?.close());

  it('exports the server span to OTEL_EXPORTER_OTLP_ENDPOINT as JSON, joined to the caller, and the log line carries its ids', async () => {
    const server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    expect((await fetch(`${server.base}/work`, { headers: { traceparent } })).status).toBe(200);
    const span = await waitFor(
      () => receiver.spans.find((s) => s.traceId === traceId && s.service === 'probe'),
      { what: 'the server span', timeoutMs: 10_000 },
    );
    expect([span.kind, span.parentSpanId]).toEqual([2, parentId]);
    const line = await waitFor(() => server.lines().find((l) => l.url === '/work'), {
      what: 'the log line',
    });
    expect([line.trace_id, line.span_id]).toEqual([traceId, span.spanId]);
  });

  it('without an exporter still makes spans, so logs carry the caller trace id and a span of their own', async () => {
    const server = await startServer({});
    expect((await fetch(`${server.base}/quiet`, { headers: { traceparent } })).status).toBe(200);
    const line = await waitFor(() => server.lines().find((l) => l.url === '/quiet'), {
      what: 'the log line',
    });
    expect(line.trace_id).toBe(traceId);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(line.span_id).not.toBe(parentId);
  });

  it('does not trace probes and scrapes', async () => {
    const server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    const probeTrace = '11111111111111111111111111111111';
    for (const probe of ['/livez', '/readyz', '/metrics']) {
      await fetch(`${server.base}${probe}`, {
        headers: { traceparent: `00-${probeTrace}-${parentId}-01` },
      });
    }
    // A traced request after the probes: once its span has arrived, the probes' would have too.
    await fetch(`${server.base}/after`, { headers: { traceparent } });
    await waitFor(
      () =>
        receiver.spans.find(
          (s) => s.attributes['url.path'] === '/after' || s.attributes['http.target'] === '/after',
        ),
      {
        what: 'the span of the request after the probes',
        timeoutMs: 10_000,
      },
    );
    expect(receiver.spans.filter((s) => s.traceId === probeTrace)).toEqual([]);
  });

  it('starts nothing with OTEL_SDK_DISABLED=true: logs carry no ids and nothing is exported', async () => {
    const server = await startServer({
      OTEL_SDK_DISABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    });
    const disabledTrace = '22222222222222222222222222222222';
    await fetch(`${server.base}/off`, {
      headers: { traceparent: `00-${disabledTrace}-${parentId}-01` },
    });
    const line = await waitFor(() => server.lines().find((l) => l.url === '/off'), {
      what: 'the log line',
    });
    expect(line.trace_id).toBeUndefined();
    expect(receiver.spans.filter((s) => s.traceId === disabledTrace)).toEqual([]);
  });
});
