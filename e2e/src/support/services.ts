import path from 'node:path';
import { loadCatalogue } from '@fig/stages';
import { startBundle } from '@fig/testing';
import type { Service } from './frontend-topology';
import { root } from './local-stage';

/** The route preset of the full system (the catalogue's default stage, stages.yaml). */
export const stage3Routes = path.join(
  root,
  `apps/gateway/routes/${loadCatalogue(root).defaultStage.preset}.yaml`,
);

export const killAll = (services: Service[]) => Promise.all(services.map((s) => s.kill()));

/**
 * What each service logged at warn or above (every restart of it included),
 * for a failed load spec: a coded 503 says what the client saw, these lines
 * say why (the gRPC status and its cause).
 */
export function complaints(services: Service[]): string {
  return services
    .map((s) => {
      const lines = s
        .output()
        .split('\n')
        .filter((line) => /"level":"(warn|error|fatal)"/.test(line));
      return lines.length ? `--- ${s.app} :${s.port}\n${lines.join('\n')}` : '';
    })
    .filter(Boolean)
    .join('\n');
}

export interface Stage3 {
  monolith: Service;
  store: Service;
  frontend: Service;
  gateway: Service;
  all: Service[];
}

/** Stage 3 with one of each, behind the gateway's shipped preset, on one Redis. */
export async function startStage3(redisUrl: string): Promise<Stage3> {
  const [monolith, store] = await Promise.all([
    startBundle('monolith', { env: { REDIS_URL: redisUrl } }),
    startBundle('store-svc', { env: { REDIS_URL: redisUrl } }),
  ]);
  const frontend = await startBundle('frontend', {
    env: { STORE_ADDR: `ipv4:127.0.0.1:${store.port}`, MONOLITH_URL: monolith.base },
  });
  const gateway = await startBundle('gateway', {
    env: {
      GATEWAY_ROUTES: stage3Routes,
      FRONTEND_URL: frontend.base,
      MONOLITH_URL: monolith.base,
      REDIS_URL: redisUrl,
    },
  });
  return { monolith, store, frontend, gateway, all: [monolith, store, frontend, gateway] };
}

/** A gateway preset shipped with the gateway (apps/gateway/routes). */
export const presetPath = (preset: string) => path.join(root, `apps/gateway/routes/${preset}.yaml`);

/** The gRPC target of a running gRPC service, as MODEL_ADDR and STORE_ADDR take it. */
export const grpcTarget = (service: Service) => `ipv4:127.0.0.1:${service.port}`;

export interface Stage4 {
  store: Service;
  model: Service;
  frontend: Service;
  gateway: Service;
  all: Service[];
}

/**
 * Stage 4 with one of each behind the gateway's shipped preset, on one Redis:
 * no monolith; the frontend and the gateway's transcoded writes score with
 * the Python model-svc over gRPC.
 */
export async function startStage4(
  redisUrl: string,
  { modelVersion = 'v2' }: { modelVersion?: string } = {},
): Promise<Stage4> {
  const started = await Promise.allSettled([
    startBundle('store-svc', { env: { REDIS_URL: redisUrl } }),
    startBundle('model-svc', { env: { MODEL_VERSION: modelVersion } }),
  ]);
  const up = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await killAll(up);
    throw failed.reason;
  }
  const [store, model] = up as [Service, Service];
  const frontend = await startBundle('frontend', {
    env: { STORE_ADDR: grpcTarget(store), MODEL_ADDR: grpcTarget(model) },
  });
  const gateway = await startBundle('gateway', {
    env: {
      GATEWAY_ROUTES: presetPath(loadCatalogue(root).resolve('4').preset!),
      FRONTEND_URL: frontend.base,
      STORE_ADDR: grpcTarget(store),
      MODEL_ADDR: grpcTarget(model),
      REDIS_URL: redisUrl,
    },
  });
  return { store, model, frontend, gateway, all: [store, model, frontend, gateway] };
}

/** A counter of a service's /metrics, summed over the series matching every label given. */
export async function metricSum(
  service: Service,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const text = await (await fetch(`${service.ops}/metrics`)).text();
  let sum = 0;
  for (const [, set, value] of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm')))
    if (Object.entries(labels).every(([k, v]) => set!.includes(`${k}="${v}"`)))
      sum += Number(value);
  return sum;
}

/** Sum of store-svc's handled-call counter for one method, over every code. */
export async function handledCalls(store: Service, method: string): Promise<number> {
  const text = await (await fetch(`${store.ops}/metrics`)).text();
  const pattern = new RegExp(
    `^grpc_server_handled_total\\{[^}]*grpc_method="${method}"[^}]*\\} (\\d+)`,
    'gm',
  );
  return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** Every entry the API lists, page by page, newest first. */
export async function allEntries(base: string): Promise<{ id: string; text: string }[]> {
  const entries: { id: string; text: string }[] = [];
  let cursor = '';
  do {
    const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = (await (await fetch(`${base}/api/entries?limit=50${query}`)).json()) as {
      entries: { id: string; text: string }[];
      nextCursor: string | null;
    };
    entries.push(...page.entries);
    cursor = page.nextCursor ?? '';
  } while (cursor);
  return entries;
}
