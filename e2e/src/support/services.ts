import path from 'node:path';
import { freePort, startProcess, type ManagedProcess } from '@fig/testing';

const root = path.resolve(__dirname, '../../..');
const bundle = (app: string, file = 'main.js') => path.join(root, 'dist/apps', app, file);

/** The stage-3 route preset the gateway ships with. */
export const stage3Routes = path.join(root, 'apps/gateway/routes/stage-3-frontend.yaml');

/** One replica of an app, run from its build on fixed ports so it can be restarted in place. */
export interface Replica {
  app: 'monolith' | 'store-svc' | 'frontend' | 'gateway';
  port: number;
  ops: number;
  env: Record<string, string>;
  proc?: ManagedProcess;
}

export const urlOf = (replica: Replica) => `http://127.0.0.1:${replica.port}`;

export async function replica(
  app: Replica['app'],
  env: Record<string, string>,
  ports: { port?: number; ops?: number } = {},
): Promise<Replica> {
  return {
    app,
    port: ports.port ?? (await freePort()),
    ops: ports.ops ?? (await freePort()),
    env,
  };
}

/** Starts (or restarts) the replica and resolves once its /readyz answers 2xx. */
export async function start(r: Replica): Promise<Replica> {
  r.proc = await startProcess({
    args: ['--import', bundle(r.app, 'instrument.js'), bundle(r.app)],
    env: {
      PORT: String(r.port),
      OPS_PORT: String(r.ops),
      LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
      ...r.env,
    },
    readyUrl: `http://127.0.0.1:${r.ops}/readyz`,
    readyTimeoutMs: 15_000,
  });
  return r;
}

export const killAll = (replicas: Replica[]) => Promise.all(replicas.map((r) => r.proc?.kill()));

/** Sum of store-svc's handled-call counter for one method, over every code. */
export async function handledCalls(store: Replica, method: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${store.ops}/metrics`)).text();
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
