// `npm run workshop -- load`: steady traffic for the demos, from the project
// itself (no tool the learner must install). A few clients loop over the page
// and the read API, one writes an entry a second; every outcome is counted, so
// a rolling update's failed requests show up instead of vanishing.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadOptions {
  url: string;
  seconds: number;
  clients: number;
  /** Also post an entry a second (off for read-only checks). */
  writes: boolean;
  /** Called once a second with the counts so far. */
  onTick?: (summary: LoadSummary) => void;
}

export interface LoadSummary {
  requests: number;
  failed: number;
  /** Failures by kind: an HTTP status, or the transport error. */
  failures: Record<string, number>;
  /** Who answered (`service version` from the page's footer or /api/info). */
  servedBy: Record<string, number>;
}

/** No request may take longer than this: a hang counts as a failure. */
const requestTimeoutMs = 5_000;
const paths = ['/', '/api/entries?limit=5', '/api/stats', '/api/info'];

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const summary: LoadSummary = { requests: 0, failed: 0, failures: {}, servedBy: {} };
  const until = Date.now() + options.seconds * 1000;
  const fail = (kind: string) => {
    summary.failed++;
    summary.failures[kind] = (summary.failures[kind] ?? 0) + 1;
  };
  const send = async (path: string, init?: RequestInit) => {
    summary.requests++;
    try {
      const res = await fetch(new URL(path, options.url), {
        ...init,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const body = await res.text();
      // 429 is the rate limit doing its job, not the system failing.
      if (res.status >= 500) return fail(String(res.status));
      const who = servedBy(path, body);
      if (who) summary.servedBy[who] = (summary.servedBy[who] ?? 0) + 1;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      fail(cause ?? (err as Error).name);
    }
  };
  const reader = async (offset: number) => {
    for (let i = offset; Date.now() < until; i++) await send(paths[i % paths.length] as string);
  };
  const writer = async () => {
    while (Date.now() < until) {
      await Promise.all([
        send('/api/entries', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ author: 'Load', text: 'a steady writer, one entry a second' }),
        }),
        sleep(1000),
      ]);
    }
  };
  const ticker = setInterval(() => options.onTick?.(summary), 1000);
  try {
    await Promise.all([
      ...Array.from({ length: options.clients }, (_, i) => reader(i)),
      ...(options.writes ? [writer()] : []),
    ]);
  } finally {
    clearInterval(ticker);
  }
  return summary;
}

/** `service version` of whoever rendered a page or answered /api/info. */
function servedBy(path: string, body: string): string | undefined {
  if (path === '/') {
    const footer = /<footer id="served-by">\[[^\]]*\] ([^<]+)<\/footer>/.exec(body);
    return footer?.[1];
  }
  if (path === '/api/info') {
    try {
      const info = JSON.parse(body) as { service?: string; version?: string };
      return `${info.service} ${info.version}`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function formatSummary(s: LoadSummary): string {
  const who = Object.entries(s.servedBy)
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
  const why = Object.entries(s.failures)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  return `${s.requests} requests, ${s.failed} failed${why ? ` (${why})` : ''}${who ? `; served by ${who}` : ''}`;
}
