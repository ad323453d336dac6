import path from 'node:path';
import {
  freePort,
  startProcess,
  startRedis,
  type ManagedProcess,
  type RedisServer,
} from '@fig/testing';
import { root } from './local-stage';

export type App = 'monolith' | 'store-svc' | 'frontend' | 'gateway';

export interface Service {
  app: App;
  proc: ManagedProcess;
  port: number;
  opsPort: number;
  /** http://127.0.0.1:<port> */
  base: string;
  /** http://127.0.0.1:<ops port> */
  ops: string;
  env: Record<string, string>;
}

/**
 * Starts one production bundle (`dist/apps/<app>/main.js`) on free ports, or
 * on the given ones (a restart keeps its address), and waits for /readyz.
 */
export async function startService(
  app: App,
  env: Record<string, string>,
  ports?: { port: number; opsPort: number },
): Promise<Service> {
  const [port, opsPort] = ports
    ? [ports.port, ports.opsPort]
    : await Promise.all([freePort(), freePort()]);
  const fullEnv = {
    PORT: String(port),
    OPS_PORT: String(opsPort),
    POD_NAME: `${app}-e2e`,
    LOG_LEVEL: 'warn',
    OTEL_SDK_DISABLED: 'true',
    SHUTDOWN_DELAY_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...env,
  };
  const ops = `http://127.0.0.1:${opsPort}`;
  const proc = await startProcess({
    args: [path.join(root, 'dist/apps', app, 'main.js')],
    env: fullEnv,
    readyUrl: `${ops}/readyz`,
  });
  return { app, proc, port, opsPort, base: `http://127.0.0.1:${port}`, ops, env: fullEnv };
}

/** SIGTERM and wait for the exit code, as Kubernetes stops a pod. */
export async function stopService(service: Service): Promise<number | string> {
  service.proc.signal('SIGTERM');
  return service.proc.exited;
}

/**
 * The same service again on the same ports (a restarted pod behind the same
 * address), once the old one has exited; resolves with the old one's exit
 * code. `service.proc` is replaced in place, so whoever cleans up kills the
 * new process.
 */
export async function restartService(service: Service): Promise<number | string> {
  const code = await stopService(service);
  service.proc = (await startService(service.app, service.env, service)).proc;
  return code;
}

export interface FrontendTopology {
  monolith: Service;
  store: Service;
  frontend: Service;
  redis: RedisServer[];
  /** Starts another frontend on the same store and model (e.g. another version). */
  addFrontend(env?: Record<string, string>): Promise<Service>;
  stop(): Promise<void>;
}

/**
 * Stage 3 as processes: the monolith (still the model), store-svc, and the
 * frontend reading and writing through store-svc and scoring through the
 * monolith. `separateData` gives the monolith its own Redis, so that the same
 * request sequence starts from the same empty state on both sides (parity).
 */
export async function startFrontendTopology({
  separateData = false,
} = {}): Promise<FrontendTopology> {
  const redis: RedisServer[] = [await startRedis()];
  if (separateData) redis.push(await startRedis());
  const services: Service[] = [];
  try {
    // Settled rather than all: if one fails, the other must still be stopped.
    const started = await Promise.allSettled([
      startService('monolith', { REDIS_URL: redis[0]!.url, MODEL_VERSION: 'v2' }),
      startService('store-svc', { REDIS_URL: redis.at(-1)!.url }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const [monolith, store] = services as [Service, Service];
    const frontendEnv = {
      STORE_ADDR: `ipv4:127.0.0.1:${store.port}`,
      MONOLITH_URL: monolith.base,
    };
    const addFrontend = async (env: Record<string, string> = {}) => {
      const service = await startService('frontend', { ...frontendEnv, ...env });
      services.push(service);
      return service;
    };
    const frontend = await addFrontend();
    return {
      monolith,
      store,
      frontend,
      redis,
      addFrontend,
      async stop() {
        await Promise.all(services.map((s) => s.proc.kill()));
        await Promise.all(redis.map((r) => r.dispose()));
      },
    };
  } catch (err) {
    await Promise.all(services.map((s) => s.proc.kill()));
    await Promise.all(redis.map((r) => r.dispose()));
    throw err;
  }
}
