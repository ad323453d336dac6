import { context } from '@opentelemetry/api';
import type * as Core from '@opentelemetry/core';
import { providerKey } from './settings';

/**
 * Runs `fn` with tracing suppressed, so that what it does (a health ping
 * every half second) makes no spans. With the SDK not started it only calls
 * `fn`: `@opentelemetry/core` (83 modules) is loaded only when tracing is on.
 */
export function untraced<T>(fn: () => T): T {
  if (!(globalThis as Record<symbol, unknown>)[providerKey]) return fn();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: nothing is loaded when tracing is off
  const { suppressTracing } = require('@opentelemetry/core') as typeof Core;
  return context.with(suppressTracing(context.active()), fn);
}
