import { z } from 'zod';
import { baseEnv, durationMs, port, url } from '@fig/config';

const grpcTarget = (example: string) =>
  z
    .string()
    .regex(
      /^(?:(?:dns|ipv4|ipv6|unix|unix-abstract):\S+|[\w.-]+:\d+)$/,
      `must be a gRPC target such as ${example}`,
    );

/** Everything the frontend reads from its environment. */
export const frontendConfigSchema = z.object({
  ...baseEnv,
  PORT: port(8082),
  OPS_PORT: port(9082),
  /**
   * gRPC target of store-svc: `dns:///store-svc:50051` balances over every address a headless
   * Service returns; `ipv4:127.0.0.1:50051,127.0.0.1:50052` lists replicas (the local runner).
   */
  STORE_ADDR: grpcTarget('dns:///store-svc:50051').default('dns:///127.0.0.1:50051'),
  /** Deadline of each store-svc call: a slow store becomes a coded 503, not a hung page. */
  STORE_DEADLINE_MS: durationMs(1_000),
  /** Where the not-yet-extracted sentiment model lives (the monolith's /api/sentiment). */
  MONOLITH_URL: url(['http:', 'https:']).default('http://127.0.0.1:8081'),
  /**
   * gRPC target of model-svc (`dns:///model-svc:50052`). When set, the model
   * is scored there over gRPC (stage 4) and MONOLITH_URL is not used.
   */
  MODEL_ADDR: grpcTarget('dns:///model-svc:50052').optional(),
  MODEL_TIMEOUT_MS: durationMs(800),
  /** Consecutive model failures that open the circuit. */
  MODEL_BREAKER_FAILURES: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number from 1')
    .transform(Number)
    .default(3),
  /** How long an open circuit waits before letting one trial call through. */
  MODEL_BREAKER_COOLDOWN_MS: durationMs(5_000),
});

export type FrontendConfig = z.output<typeof frontendConfigSchema>;
