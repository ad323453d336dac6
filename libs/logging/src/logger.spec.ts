import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from './logger';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => context.disable());

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON with service, version and pod', () => {
    const { lines, destination } = capture();
    createLogger({
      service: 'monolith',
      version: 'v2',
      pod: 'p-1',
      level: 'info',
      destination,
    }).info('hello');
    expect(lines[0]).toMatchObject({
      service: 'monolith',
      version: 'v2',
      pod: 'p-1',
      level: 'info',
      msg: 'hello',
    });
  });

  it('adds trace_id and span_id of the active span', () => {
    const { lines, destination } = capture();
    const logger = createLogger({
      service: 's',
      version: 'v1',
      pod: 'p',
      level: 'info',
      destination,
    });
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };
    const ctx = trace.setSpanContext(context.active(), spanContext);
    context.with(ctx, () => logger.info('inside'));
    expect(lines[0]).toMatchObject({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
  });

  it('omits trace fields outside a span', () => {
    const { lines, destination } = capture();
    createLogger({ service: 's', version: 'v1', pod: 'p', level: 'info', destination }).info(
      'outside',
    );
    expect(lines[0]).not.toHaveProperty('trace_id');
  });
});
