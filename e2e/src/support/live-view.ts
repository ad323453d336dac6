import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import {
  closeAtEnd,
  startBundle,
  startRedis,
  type RunningBundle,
  type RedisServer,
} from '@fig/testing';

/** The live view's document, as far as these specs read it. */
export interface ViewDoc {
  stage: string;
  gateway: {
    upstreams: { name: string; version: string; breaker: string; endpoints: unknown[] }[];
    routes: { name: string; action: string; mirror: string | null }[];
    rates: { upstream: string; version: string; perSecond: number; errorsPerSecond: number }[];
    shadow: { route: string; match: number; mismatch: number; totalMismatch: number }[];
  } | null;
  cluster: {
    deployments: { name: string; ready: number; desired: number }[];
    replicaSets: { name: string; version: string; ready: number; desired: number }[];
    pods: { name: string; version: string; ready: boolean; owner: string }[];
  } | null;
  migrations:
    | {
        route: string;
        state: string;
        step: { index: number; name: string; percent: number };
        gates: { name: string; value: number | null; threshold: number; ok: boolean }[];
        history: { at: string; from: string; to: string; reason: string }[];
      }[]
    | null;
  problems: { source: string; message: string }[];
}

/**
 * A canary in the gateway, as exercise 10 sets it up: the monolith at v1 and
 * at v2 (real processes on one real Redis), every page and read split 50/50,
 * /api/stats sent to v2 only, and /api/info answered by v1 and mirrored to v2
 * (their answers differ in `version`: a planted mismatch for the shadow panel).
 */
export function canaryRoutes(v1: string, v2: string): string {
  return `version: 1
upstreams:
  web-v1: { version: v1, endpoints: ["${v1}"] }
  web-v2: { version: v2, endpoints: ["${v2}"] }
routes:
  - name: info
    match: { methods: [GET], path: /api/info }
    proxy: { upstream: web-v1 }
    mirror: { upstream: web-v2, percent: 100 }
  - name: stats
    match: { methods: [GET], path: /api/stats }
    proxy: { upstream: web-v2 }
  - name: everything-else
    match: { prefix: / }
    split:
      targets:
        - { upstream: web-v1, weight: 50 }
        - { upstream: web-v2, weight: 50 }
`;
}

export interface CanaryTopology {
  redis: RedisServer;
  v1: RunningBundle;
  v2: RunningBundle;
  gateway: RunningBundle;
  liveView: RunningBundle;
}

/** Starts the canary topology and a live view watching its gateway (sources read every 200 ms). */
export async function startCanaryTopology(): Promise<CanaryTopology> {
  const redis = await startRedis();
  const monolith = (version: string) =>
    startBundle('monolith', { env: { REDIS_URL: redis.url, APP_VERSION: version } });
  const [v1, v2] = await Promise.all([monolith('v1'), monolith('v2')]);
  const dir = mkdtempSync(path.join(tmpdir(), 'fig-live-view-'));
  closeAtEnd(async () => rmSync(dir, { recursive: true, force: true }));
  const routes = path.join(dir, 'routes.yaml');
  writeFileSync(routes, canaryRoutes(v1.base, v2.base));
  const gateway = await startBundle('gateway', {
    env: { GATEWAY_ROUTES: routes, ACCESS_LOG: 'false' },
  });
  const liveView = await startBundle('live-view', {
    env: { GATEWAY_OPS_URL: gateway.ops, STAGE: 'stage-1-facade', INTERVAL_MS: '200' },
  });
  return { redis, v1, v2, gateway, liveView };
}

/** Sends `count` GETs to `url`, a few at a time, and reads every body. */
export async function traffic(url: string, count: number) {
  for (let i = 0; i < count; i += 5) {
    await Promise.all(
      Array.from({ length: Math.min(5, count - i) }, () =>
        fetch(url).then((res) => res.arrayBuffer()),
      ),
    );
  }
}

/**
 * Reads the live view's event stream as a browser does: the snapshot, then
 * each patch applied to it. `until` waits for a document that satisfies a
 * predicate (the stream only sends changes, so each wait is event-driven).
 */
export async function openStream(base: string) {
  const controller = new AbortController();
  closeAtEnd(async () => controller.abort());
  const res = await fetch(`${base}/events`, { signal: controller.signal });
  if (!res.headers.get('content-type')?.startsWith('text/event-stream'))
    throw new Error(`${base}/events is not an event stream`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let doc: ViewDoc | undefined;
  const counts = { snapshot: 0, patch: 0 };

  const next = async (): Promise<boolean> => {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (\w+)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event === 'snapshot' && data) {
        doc = JSON.parse(data) as ViewDoc;
        counts.snapshot++;
      } else if (event === 'patch' && data && doc) {
        doc = applyPatch(doc, JSON.parse(data) as Operation[], true, false).newDocument;
        counts.patch++;
      }
    }
    return true;
  };

  return {
    counts,
    current: () => doc,
    /** Resolves with the first document for which `ok` holds; rejects if the stream ends first. */
    async until(ok: (doc: ViewDoc) => boolean, what: string): Promise<ViewDoc> {
      while (!(doc && ok(doc))) {
        if (!(await next())) throw new Error(`stream ended before ${what}`);
      }
      return doc;
    },
    /** Resolves true when the server ends the stream. */
    async ended(): Promise<boolean> {
      while (await next());
      return true;
    },
    close: () => controller.abort(),
  };
}
