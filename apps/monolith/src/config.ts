import { z } from 'zod';
import { baseEnv, port, url } from '@fig/config';
import { MODEL_VERSIONS } from '@fig/sentiment';

/** Everything the monolith reads from its environment. */
export const monolithConfigSchema = z.object({
  ...baseEnv,
  PORT: port(8081),
  OPS_PORT: port(9081),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  MODEL_VERSION: z.enum(MODEL_VERSIONS).default('v1'),
});

export type MonolithConfig = z.output<typeof monolithConfigSchema>;
