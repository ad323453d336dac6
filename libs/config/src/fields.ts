import { z } from 'zod';

/** A TCP port; 0 asks the OS for a free one (tests use it). */
export const port = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(0, 'must be 0-65535').max(65535, 'must be 0-65535'))
    .default(fallback);

export const durationMs = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .default(fallback);

/** A URL whose scheme is one of `protocols` (e.g. ['redis:', 'rediss:']). */
export const url = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    {
      message: `must be a URL with scheme ${protocols.map((p) => p.replace(':', '')).join(' or ')}`,
    },
  );

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/**
 * The address every port of a service (main, ops, gRPC) binds: all
 * interfaces by default, as a container needs; `npm start` sets 127.0.0.1 so
 * that nothing on the network reaches a developer's services, ops ports and
 * `/gateway/routes` included.
 */
export const bindAddress = z
  .union([z.ipv4(), z.ipv6(), z.hostname()], 'must be an IP address or a host name')
  .default('0.0.0.0');

/** Variables every Fig service reads. */
export const baseEnv = {
  BIND_ADDRESS: bindAddress,
  APP_VERSION: z
    .string()
    .regex(/^v\d+(\.\d+){0,2}$/, 'must look like v1, v2.1 or v3.0.2')
    .default('v1'),
  POD_NAME: z.string().min(1).default('local'),
  LOG_LEVEL: logLevel,
  SHUTDOWN_DELAY_MS: durationMs(5_000),
  SHUTDOWN_TIMEOUT_MS: durationMs(10_000),
};

export type BaseEnv = z.output<z.ZodObject<typeof baseEnv>>;
