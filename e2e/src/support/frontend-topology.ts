import { startBundle, startRedis, type RedisServer, type RunningBundle } from '@fig/testing';

/** A built service started by startBundle. */
export type Service = RunningBundle;

export interface FrontendTopology {
  monolith: Service;
  /** The Python model-svc the frontend scores with (stage 4), when asked for. */
  model?: Service;
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
 * `modelSvc` scores the frontend's entries with the Python model-svc over
 * gRPC instead (stage 4), the same model version (v2) as the monolith's.
 */
export async function startFrontendTopology({
  separateData = false,
  modelSvc = false,
} = {}): Promise<FrontendTopology> {
  const redis: RedisServer[] = [await startRedis()];
  if (separateData) redis.push(await startRedis());
  const services: Service[] = [];
  try {
    // Settled rather than all: if one fails, the other must still be stopped.
    const started = await Promise.allSettled([
      startBundle('monolith', { env: { REDIS_URL: redis[0]!.url, MODEL_VERSION: 'v2' } }),
      startBundle('store-svc', { env: { REDIS_URL: redis.at(-1)!.url } }),
      ...(modelSvc ? [startBundle('model-svc', { env: { MODEL_VERSION: 'v2' } })] : []),
    ]);
    for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const [monolith, store, model] = services as [Service, Service, Service | undefined];
    const frontendEnv = {
      STORE_ADDR: `ipv4:127.0.0.1:${store.port}`,
      MONOLITH_URL: monolith.base,
      ...(model ? { MODEL_ADDR: `ipv4:127.0.0.1:${model.port}` } : {}),
      // These specs check what is shown and stored, not the model's deadline
      // (the frontend's own specs do): a first, cold call on a busy runner may
      // take longer than the production 800 ms, and would save the entry unscored.
      MODEL_TIMEOUT_MS: '3000',
    };
    const addFrontend = async (env: Record<string, string> = {}) => {
      const service = await startBundle('frontend', { env: { ...frontendEnv, ...env } });
      services.push(service);
      return service;
    };
    const frontend = await addFrontend();
    return {
      monolith,
      ...(model ? { model } : {}),
      store,
      frontend,
      redis,
      addFrontend,
      async stop() {
        await Promise.all(services.map((s) => s.kill()));
        await Promise.all(redis.map((r) => r.dispose()));
      },
    };
  } catch (err) {
    await Promise.all(services.map((s) => s.kill()));
    await Promise.all(redis.map((r) => r.dispose()));
    throw err;
  }
}
