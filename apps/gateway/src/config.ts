import { z } from 'zod';
import { baseEnv, durationMs, port, url } from '@fig/config';

/** One URL, or several separated by commas (one per replica, as `npm start` passes them). */
const urlList = (fallback: string) =>
  z
    .string()
    .refine(
      (value) =>
        value.split(',').every((u) => url(['http:', 'https:']).safeParse(u.trim()).success),
      {
        message: 'must be one or more comma-separated http(s) URLs',
      },
    )
    .default(fallback);

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true');

/** Everything the gateway reads from its environment (the route table is a file of its own). */
export const gatewayConfigSchema = z
  .object({
    ...baseEnv,
    PORT: port(8080),
    OPS_PORT: port(9080),
    /** Path of the YAML route table; watched and reloaded when it changes. */
    GATEWAY_ROUTES: z.string().min(1, 'must be the path of a route file'),
    /** How many served route tables /gateway/routes/history keeps (per-route rollback reads them). */
    GATEWAY_ROUTE_HISTORY: z
      .string()
      .regex(/^[1-9]\d*$/, 'must be a whole number from 1')
      .transform(Number)
      .default(10),
    /** Upstream URLs the route file can reference as ${MONOLITH_URL} and so on. */
    MONOLITH_URL: urlList('http://127.0.0.1:8081'),
    FRONTEND_URL: urlList('http://127.0.0.1:8082'),
    /** gRPC target of store-svc, used by transcoded routes. */
    STORE_ADDR: z.string().min(1).default('127.0.0.1:50051'),
    /**
     * gRPC target of model-svc (`dns:///model-svc:50052`). Read by the route
     * file as ${MODEL_ADDR} (transcode.model), checked here so a typo stops the start.
     */
    MODEL_ADDR: z
      .string()
      .regex(
        /^(?:(?:dns|ipv4|ipv6|unix|unix-abstract):\S+|[\w.-]+:\d+)$/,
        'must be a gRPC target such as dns:///model-svc:50052',
      )
      .optional(),
    /** Shared rate-limit counters; without it each replica counts on its own. */
    REDIS_URL: url(['redis:', 'rediss:']).optional(),
    /** TLS termination: both or neither. */
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    /** One log line per request; benchmarks turn it off, as they do for nginx. */
    ACCESS_LOG: flag(true),
    /** A request's headers, then its whole body, must arrive within these (408 REQUEST_TIMEOUT). */
    HEADERS_TIMEOUT_MS: durationMs(10_000),
    REQUEST_TIMEOUT_MS: durationMs(15_000),
    /** Requests one client address may have in progress at once (429 TOO_MANY_IN_FLIGHT beyond). */
    MAX_IN_FLIGHT_PER_CLIENT: z
      .string()
      .regex(/^[1-9]\d*$/, 'must be a whole number from 1')
      .transform(Number)
      .default(32),
    /** The X-Fig-Served-By response header naming the upstream and version (for the workshop). */
    SERVED_BY_HEADER: flag(true),
  })
  .refine((c) => Boolean(c.TLS_CERT_FILE) === Boolean(c.TLS_KEY_FILE), {
    message: 'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
    path: ['TLS_CERT_FILE'],
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
