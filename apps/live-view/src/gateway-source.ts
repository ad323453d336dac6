import { z } from 'zod';
import { SourceError, parse } from './http';
import { RateWindow, sampleCounters } from './rates';
import type { GatewayView, RouteView, UpstreamView } from './view';

/** The parts of /gateway/routes the page shows; anything else the gateway adds is ignored. */
const routesSchema = z.object({
  version: z.string(),
  routes: z.array(
    z.object({
      name: z.string(),
      match: z.object({
        methods: z.array(z.string()).optional(),
        path: z.string().optional(),
        prefix: z.string().optional(),
        header: z.object({ name: z.string(), value: z.string().optional() }).optional(),
        cookie: z.object({ name: z.string(), value: z.string().optional() }).optional(),
      }),
      proxy: z.object({ upstream: z.string() }).optional(),
      split: z
        .object({ targets: z.array(z.object({ upstream: z.string(), weight: z.number() })) })
        .optional(),
      choose: z
        .object({
          header: z.string().optional(),
          cookie: z.string().optional(),
          cases: z.record(z.string(), z.string()),
          default: z.string(),
        })
        .optional(),
      transcode: z.object({ rpc: z.string() }).optional(),
      mirror: z
        .object({
          upstream: z.string().optional(),
          transcode: z.object({ rpc: z.string() }).optional(),
          percent: z.number(),
        })
        .optional(),
    }),
  ),
});

const upstreamsSchema = z.object({
  upstreams: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      breaker: z.string(),
      endpoints: z.array(
        z.object({
          url: z.string(),
          healthy: z.boolean(),
          ejected: z.boolean(),
          pending: z.number(),
        }),
      ),
    }),
  ),
});

type Route = z.output<typeof routesSchema>['routes'][number];

function describeMatch({ match }: Route): string {
  const where = match.path ?? `${match.prefix}*`;
  const methods = match.methods ? `${match.methods.join(',')} ` : '';
  const key = match.header ? ` header ${match.header.name}` : '';
  const cookie = match.cookie ? ` cookie ${match.cookie.name}` : '';
  return `${methods}${where}${key}${cookie}`;
}

/** The route's action in a few words, and the upstreams it can send to. */
function describeAction(route: Route): Pick<RouteView, 'action' | 'upstreams'> {
  if (route.proxy) return { action: route.proxy.upstream, upstreams: [route.proxy.upstream] };
  if (route.split) {
    const total = route.split.targets.reduce((sum, t) => sum + t.weight, 0) || 1;
    return {
      action: route.split.targets
        .map((t) => `${t.upstream} ${Math.round((100 * t.weight) / total)}%`)
        .join(' · '),
      upstreams: route.split.targets.map((t) => t.upstream),
    };
  }
  if (route.choose) {
    const by = route.choose.header
      ? `header ${route.choose.header}`
      : `cookie ${route.choose.cookie}`;
    const cases = Object.entries(route.choose.cases).map(([v, u]) => `${v}→${u}`);
    return {
      action: `by ${by}: ${[...cases, `else ${route.choose.default}`].join(', ')}`,
      upstreams: [...new Set([...Object.values(route.choose.cases), route.choose.default])],
    };
  }
  return { action: `transcode ${route.transcode?.rpc ?? '?'}`, upstreams: [] };
}

function describeMirror(route: Route): string | null {
  const m = route.mirror;
  if (!m) return null;
  return `${m.upstream ?? `transcode ${m.transcode?.rpc}`} (${m.percent}%)`;
}

export type FetchJson = (url: string) => Promise<unknown>;
export type FetchText = (url: string) => Promise<string>;
/** The ops URL of every gateway replica behind `opsUrl` (a headless Service's addresses). */
export type ResolveReplicas = (opsUrl: string) => Promise<string[]>;

export interface GatewaySourceOptions {
  /** The gateway's ops port, e.g. http://gateway:9080. */
  opsUrl: string;
  fetchJson: FetchJson;
  fetchText: FetchText;
  /** Every replica's URL; by default `opsUrl` alone. */
  resolve?: ResolveReplicas;
  windowMs?: number;
  now?: () => number;
}

/** Adds up the replicas' rates and shadow counts, key by key. */
function merged<T extends object>(
  lists: T[][],
  key: (t: T) => string,
  sum: (a: T, b: T) => T,
): T[] {
  const byKey = new Map<string, T>();
  for (const item of lists.flat()) {
    const k = key(item);
    const seen = byKey.get(k);
    byKey.set(k, seen ? sum(seen, item) : item);
  }
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
}

/**
 * Everything the page shows about the gateway, read from its ops port: the
 * route table, the upstreams with their endpoints, and /metrics turned into
 * rates over the window. One read per interval serves every browser. With
 * several gateway replicas, each one's metrics are read and windowed on their
 * own (a replica's restart resets only its counters) and the rates added up;
 * the table and the upstreams' states are the first replica's.
 */
export class GatewaySource {
  private readonly windows = new Map<string, RateWindow>();

  constructor(private readonly options: GatewaySourceOptions) {}

  /** Seconds the rates cover. */
  windowSeconds(): number {
    return Math.max(0, ...[...this.windows.values()].map((w) => w.seconds()));
  }

  private async readMetrics(replicas: string[]) {
    const { fetchText, windowMs, now = Date.now } = this.options;
    const texts = await Promise.all(replicas.map((r) => fetchText(`${r}/metrics`)));
    for (const gone of [...this.windows.keys()].filter((r) => !replicas.includes(r)))
      this.windows.delete(gone);
    replicas.forEach((replica, i) => {
      let window = this.windows.get(replica);
      if (!window) this.windows.set(replica, (window = new RateWindow(windowMs)));
      window.add(sampleCounters(texts[i]!, now()));
    });
    const windows = [...this.windows.values()];
    return {
      rates: merged(
        windows.map((w) => w.rates()),
        (r) => `${r.upstream}\t${r.version}`,
        (a, b) => ({
          ...a,
          perSecond: Math.round((a.perSecond + b.perSecond) * 100) / 100,
          errorsPerSecond: Math.round((a.errorsPerSecond + b.errorsPerSecond) * 100) / 100,
        }),
      ),
      shadow: merged(
        windows.map((w) => w.shadow()),
        (s) => s.route,
        (a, b) => ({
          route: a.route,
          match: a.match + b.match,
          mismatch: a.mismatch + b.mismatch,
          error: a.error + b.error,
          totalMatch: a.totalMatch + b.totalMatch,
          totalMismatch: a.totalMismatch + b.totalMismatch,
        }),
      ),
    };
  }

  async read(): Promise<GatewayView> {
    const { opsUrl, fetchJson, resolve = async (u: string) => [u] } = this.options;
    const replicas = (await resolve(opsUrl)).sort();
    const first = replicas[0];
    if (!first) throw new SourceError('SOURCE_UNAVAILABLE', `${opsUrl}: no gateway replica`);
    const [routes, upstreams, { rates, shadow }] = await Promise.all([
      fetchJson(`${first}/gateway/routes`).then((b) => parse(routesSchema, b, first)),
      fetchJson(`${first}/gateway/upstreams`).then((b) => parse(upstreamsSchema, b, first)),
      this.readMetrics(replicas),
    ]);
    return {
      url: opsUrl,
      tableVersion: routes.version,
      routes: routes.routes.map((r) => ({
        name: r.name,
        match: describeMatch(r),
        ...describeAction(r),
        mirror: describeMirror(r),
      })),
      upstreams: upstreams.upstreams.map((u): UpstreamView => ({
        name: u.name,
        version: u.version,
        breaker: u.breaker,
        endpoints: u.endpoints.map(({ url, healthy, ejected, pending }) => ({
          url,
          healthy,
          ejected,
          pending,
        })),
      })),
      rates,
      shadow,
    };
  }
}
