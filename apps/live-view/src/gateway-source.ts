import { z } from 'zod';
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

export interface GatewaySourceOptions {
  /** The gateway's ops port, e.g. http://gateway:9080. */
  opsUrl: string;
  fetchJson: FetchJson;
  fetchText: FetchText;
  windowMs?: number;
  now?: () => number;
}

/**
 * Everything the page shows about the gateway, read from its ops port: the
 * route table, the upstreams with their endpoints, and /metrics turned into
 * rates over the window. One read per interval serves every browser.
 */
export class GatewaySource {
  private readonly window: RateWindow;

  constructor(private readonly options: GatewaySourceOptions) {
    this.window = new RateWindow(options.windowMs);
  }

  /** Seconds the rates cover. */
  windowSeconds(): number {
    return this.window.seconds();
  }

  async read(): Promise<GatewayView> {
    const { opsUrl, fetchJson, fetchText, now = Date.now } = this.options;
    const [routes, upstreams, metrics] = await Promise.all([
      fetchJson(`${opsUrl}/gateway/routes`).then((b) => routesSchema.parse(b)),
      fetchJson(`${opsUrl}/gateway/upstreams`).then((b) => upstreamsSchema.parse(b)),
      fetchText(`${opsUrl}/metrics`),
    ]);
    this.window.add(sampleCounters(metrics, now()));
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
      rates: this.window.rates(),
      shadow: this.window.shadow(),
    };
  }
}
