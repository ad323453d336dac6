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
