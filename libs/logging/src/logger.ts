import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  version: string;
  pod: string;
  level: string;
  /** Where lines go; stdout unless a test captures them. */
  destination?: DestinationStream;
}

/**
 * JSON logs, one line per event, carrying the active trace and span ids so a
 * log line can be found from a trace and the other way round.
 */
export function createLogger({ service, version, pod, level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service, version, pod },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    // Synchronous writes: a line logged before a crash or an exit is never lost
    // and never overtaken by a later one (an async stdout reordered the last
    // lines of every shutdown). A write to a pipe costs a few microseconds.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
