import type { IncomingMessage, ServerResponse } from 'node:http';

const clientKey = Symbol('in-flight client');
type Tracked = ServerResponse & { [clientKey]: string; [limiterKey]: InFlightLimit };
const limiterKey = Symbol('in-flight limiter');

/** One shared listener rather than a closure per request. */
function onClose(this: ServerResponse) {
  const res = this as Tracked;
  res[limiterKey].release(res[clientKey]);
}

/**
 * How many requests one client address may have in progress at once. Slow
 * bodies from one address held the gateway's whole connection pool to the
 * frontend; with this bound one client holds at most `max` of its
 * connections, whatever the route and however slowly it sends.
 */
export class InFlightLimit {
  private readonly counts = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Counts the request until its response closes; false (not counted) when the client is at its limit. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const client = req.socket.remoteAddress ?? '?';
    const count = this.counts.get(client) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(client, count + 1);
    const tracked = res as Tracked;
    tracked[clientKey] = client;
    tracked[limiterKey] = this;
    // 'close' fires once per response; `on` spares the wrapper `once` would allocate.
    res.on('close', onClose);
    return true;
  }

  release(client: string) {
    const count = this.counts.get(client)! - 1;
    if (count === 0) this.counts.delete(client);
    else this.counts.set(client, count);
  }

  /** Clients with requests in progress (for tests and the ops page). */
  get clients(): number {
    return this.counts.size;
  }
}
