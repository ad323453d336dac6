import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Upstream } from '../upstreams/upstream';
import { cookieValue } from './cookies';
import type { RouteSpec } from './schema';

/** Picks the upstream for one request; may set a cookie (a new sticky id). */
export type Selector = (req: IncomingMessage, res: ServerResponse) => Upstream;

/** FNV-1a: fast, stable across processes and replicas, well spread for short ids. */
export function bucketOf(key: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % buckets;
}

function splitSelector(
  spec: NonNullable<RouteSpec['split']>,
  upstreams: Map<string, Upstream>,
): Selector {
  const targets = spec.targets.filter((t) => t.weight > 0);
  const total = targets.reduce((sum, t) => sum + t.weight, 0);
  const bounds: number[] = [];
  targets.reduce((sum, t) => (bounds.push(sum + t.weight), sum + t.weight), 0);
  const chosen = targets.map((t) => upstreams.get(t.upstream)!);
  const at = (point: number) => chosen[bounds.findIndex((b) => point < b)]!;
  const sticky = spec.sticky;
  if (!sticky) return () => at(Math.random() * total);
  // Hash into 10,000 buckets so weights keep their precision, then scale.
  const scale = (key: string) => at((bucketOf(key, 10_000) / 10_000) * total);
  if (sticky.header) {
    const name = sticky.header.toLowerCase();
    return (req) => {
      const key = req.headers[name];
      return typeof key === 'string' && key ? scale(key) : at(Math.random() * total);
    };
  }
  const cookie = sticky.cookie!;
  return (req, res) => {
    let key = cookieValue(req.headers.cookie, cookie);
    if (!key) {
      // A first visit gets an id, so every later request lands on the same side.
      key = randomUUID();
      res.appendHeader(
        'set-cookie',
        `${cookie}=${key}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax`,
      );
    }
    return scale(key);
  };
}

function chooseSelector(
  spec: NonNullable<RouteSpec['choose']>,
  upstreams: Map<string, Upstream>,
): Selector {
  const cases = new Map(
    Object.entries(spec.cases).map(([value, name]) => [value, upstreams.get(name)!]),
  );
  const fallback = upstreams.get(spec.default)!;
  if (spec.header) {
    const name = spec.header.toLowerCase();
    return (req) => cases.get(req.headers[name] as string) ?? fallback;
  }
  const cookie = spec.cookie!;
  return (req) => cases.get(cookieValue(req.headers.cookie, cookie) ?? '') ?? fallback;
}

export function selectorFor(
  spec: RouteSpec,
  upstreams: Map<string, Upstream>,
): Selector | undefined {
  if (spec.proxy) {
    const upstream = upstreams.get(spec.proxy.upstream)!;
    return () => upstream;
  }
  if (spec.split) return splitSelector(spec.split, upstreams);
  if (spec.choose) return chooseSelector(spec.choose, upstreams);
  return undefined;
}
