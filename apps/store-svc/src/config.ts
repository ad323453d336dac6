import { z } from 'zod';
import { baseEnv, port, url } from '@fig/config';

/** Everything store-svc reads from its environment. */
export const storeConfigSchema = z.object({
  ...baseEnv,
  PORT: port(50051),
  OPS_PORT: port(9083),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
});

export type StoreConfig = z.output<typeof storeConfigSchema>;
