import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** What happened to one request: an HTTP status, or a transport error / timeout. */
export interface Outcome {
  what: string;
  /** When the request was sent (epoch ms), to place a failure on a timeline. */
  at: number;
  status?: number;
  /** The `error.code` of a coded error body. */
  code?: string;
  /**
   * A failed answer's X-Request-Id and X-Fig-Served-By: the gateway logs the
   * first with every failure, so the pods' logs say what happened to it.
   */
  requestId?: string;
  servedBy?: string;
  error?: string;
}

export interface Write {
  key: string;
  text: string;
  outcome: Outcome;
  /** The entry id, when the write was acknowledged (201). */
  id?: string;
}

export interface Load {
  outcomes: Outcome[];
  writes: Write[];
  /** Stops the clients and waits for the requests in flight. */
  stop(): Promise<void>;
}

/** No request may take longer than this: a hang counts as a failure. */
const requestTimeoutMs = 5_000;

async function send(what: string, url: string, init?: RequestInit) {
  const outcome: Outcome = { what, at: Date.now() };
  let body = '';
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
    body = await res.text();
    outcome.status = res.status;
    if (res.status >= 400) {
      outcome.requestId = res.headers.get('x-request-id') ?? undefined;
      outcome.servedBy = res.headers.get('x-fig-served-by') ?? undefined;
      if (res.headers.get('content-type')?.includes('json'))
        outcome.code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
    }
  } catch (err) {
    outcome.error = (err as Error).message;
  }
  return { outcome, body };
}

/**
 * Steady traffic against a guestbook entry point: `readers` clients looping
 * over the page and the read API, and one writer posting ten entries a second
 * (under the presets' limit of twenty per client), each with its own
 * Idempotency-Key so that a failed write can be retried safely.
 */
export function startLoad(base: string, { readers = 3, writes: writing = true } = {}): Load {
  const outcomes: Outcome[] = [];
  const writes: Write[] = [];
  let stopped = false;
  const paths = ['/api/entries?limit=5', '/api/stats', '/', '/api/entries?limit=20'];

  const reader = async (offset: number) => {
    for (let i = offset; !stopped; i++) {
      const path = paths[i % paths.length]!;
      outcomes.push((await send(`GET ${path}`, `${base}${path}`)).outcome);
    }
  };
  const writer = async () => {
    while (!stopped) {
      const key = randomUUID();
      const text = `under load ${writes.length} ${key.slice(0, 8)}`;
      const [{ outcome, body }] = await Promise.all([
        send('POST /api/entries', `${base}/api/entries`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ author: 'Load', text }),
        }),
        sleep(100),
      ]);
      outcomes.push(outcome);
      const id = outcome.status === 201 ? (JSON.parse(body) as { id: string }).id : undefined;
      writes.push({ key, text, outcome, ...(id ? { id } : {}) });
    }
  };

  const running = Promise.all([
    ...Array.from({ length: readers }, (_, i) => reader(i)),
    ...(writing ? [writer()] : []),
  ]);
  return {
    outcomes,
    writes,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** A one-line account of an outcome, for failure messages. */
export const describeOutcome = (o: Outcome) =>
  `${o.what} → ${o.status ?? o.error}${o.code ? ` ${o.code}` : ''}${
    o.requestId ? ` (request ${o.requestId}${o.servedBy ? ` from ${o.servedBy}` : ''})` : ''
  }`;

export const succeeded = (o: Outcome) => o.status === 200 || o.status === 201;
