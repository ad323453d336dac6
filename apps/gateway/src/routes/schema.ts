import { z } from 'zod';

/**
 * The one schema of the gateway's route file. Objects are strict: a typo in a
 * key is an error with its line, never a silently ignored setting.
 */

const ms = z.number().int().positive();
const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name');
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const healthCheckSchema = z.strictObject({
  /** Presets read it from the environment: ops ports are only predictable in some topologies. */
  enabled: z.boolean().default(true),
  path: z.string().startsWith('/').default('/readyz'),
  /**
   * Where the endpoint's ops port is: Fig serves /readyz on port + 1000
   * (8081 → 9081), for every replica, so an offset works where a fixed port cannot.
   */
  portOffset: z.number().int().min(-65535).max(65535).default(0),
  intervalMs: ms.default(2_000),
  timeoutMs: ms.default(1_000),
  unhealthyAfter: z.number().int().min(1).default(2),
  healthyAfter: z.number().int().min(1).default(1),
});

const breakerSchema = z.strictObject({
  /** Failures needed in one window before the ratio counts (avoids opening on 1 of 1). */
  minFailures: z.number().int().min(1).default(5),
  failureRatio: z.number().gt(0).max(1).default(0.5),
  windowMs: ms.default(10_000),
  /** How long it stays open before one trial request is let through. */
  openMs: ms.default(5_000),
});

const outlierSchema = z.strictObject({
  consecutiveFailures: z.number().int().min(1).default(3),
  ejectMs: ms.default(10_000),
  maxEjectedPercent: z.number().int().min(0).max(100).default(50),
});

const upstreamSchema = z
  .strictObject({
    /** Shown in metrics and in X-Fig-Served-By, e.g. v1, v2. */
    version: z.string().min(1).max(32).optional(),
    /** URLs; an entry holding a comma-separated list (FRONTEND_URL with replicas) gives several. */
    endpoints: z
      .preprocess(
        (v) =>
          Array.isArray(v)
            ? v.flatMap((e) => (typeof e === 'string' ? e.split(',').map((u) => u.trim()) : [e]))
            : v,
        z.array(httpUrl).min(1),
      )
      .optional(),
    dns: z
      .strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        scheme: z.enum(['http', 'https']).default('http'),
        refreshMs: ms.default(5_000),
      })
      .optional(),
    balance: z.enum(['round-robin', 'least-pending']).default('round-robin'),
    connections: z.number().int().min(1).max(1024).default(64),
    /**
     * How long a request may wait for a free pooled connection before the
     * gateway answers 503 UPSTREAM_UNAVAILABLE: a pool held by slow requests
     * must not make every other request hang.
     */
    queueTimeoutMs: ms.default(1_000),
    healthCheck: healthCheckSchema.optional(),
    breaker: breakerSchema.prefault({}),
    outlier: outlierSchema.prefault({}),
  })
  .refine((u) => Boolean(u.endpoints) !== Boolean(u.dns), {
    message: 'give exactly one of endpoints or dns',
  });

const keyMatch = z.strictObject({ name: headerName, value: z.string().optional() });

const matchSchema = z
  .strictObject({
    methods: z.array(z.enum(methods)).min(1).optional(),
    path: z.string().startsWith('/').optional(),
    prefix: z.string().startsWith('/').optional(),
    header: keyMatch.optional(),
    cookie: keyMatch.optional(),
  })
  .refine((m) => Boolean(m.path) !== Boolean(m.prefix), {
    message: 'give exactly one of path or prefix',
  });

const stickySchema = z
  .strictObject({ cookie: headerName.optional(), header: headerName.optional() })
  .refine((s) => Boolean(s.cookie) !== Boolean(s.header), {
    message: 'give exactly one of cookie or header',
  });

/** StoreService's RPCs, then ModelService's Score. */
const rpcs = ['ListEntries', 'GetStats', 'AddEntry', 'Score'] as const;

/** A gRPC target as grpc-js reads it: `dns:///model-svc:50052`, `ipv4:127.0.0.1:50052`, `host:port`. */
const grpcTarget = z
  .string()
  .regex(
    /^(?:(?:dns|ipv4|ipv6|unix|unix-abstract):\S+|[\w.-]+:\d+)$/,
    'must be a gRPC target such as dns:///model-svc:50052',
  );

const transcodeSchema = z
  .strictObject({
    rpc: z.enum(rpcs),
    /** Upstream whose POST /api/sentiment scores new entries (AddEntry only). */
    scorer: name.optional(),
    /**
     * The ModelService (gRPC target, e.g. ${MODEL_ADDR}) that Score calls, or
     * that scores AddEntry's new entries instead of a `scorer` upstream.
     */
    model: grpcTarget.optional(),
    /**
     * Instead of `model`: several ModelService targets by weight (a canary of
     * a new model version); each call picks one.
     */
    models: z
      .array(z.strictObject({ model: grpcTarget, weight: z.number().int().min(0) }))
      .min(1)
      .refine((m) => m.some((t) => t.weight > 0), {
        message: 'at least one weight must be positive',
      })
      .optional(),
  })
  .superRefine((t, ctx) => {
    if (t.model && t.models)
      ctx.addIssue({ code: 'custom', path: ['models'], message: 'give one of model or models' });
    if (t.rpc === 'Score' && !t.model && !t.models)
      ctx.addIssue({
        code: 'custom',
        path: ['model'],
        message: 'Score needs model (a gRPC target)',
      });
    if (t.rpc !== 'Score' && t.rpc !== 'AddEntry' && (t.model || t.models || t.scorer))
      ctx.addIssue({
        code: 'custom',
        path: ['rpc'],
        message: `${t.rpc} scores nothing: drop scorer and model`,
      });
    if (t.rpc === 'Score' && t.scorer)
      ctx.addIssue({
        code: 'custom',
        path: ['scorer'],
        message: 'Score calls model, not a scorer upstream',
      });
    if (t.scorer && (t.model || t.models))
      ctx.addIssue({
        code: 'custom',
        path: ['model'],
        message: 'give at most one of scorer or model',
      });
  });

const actions = {
  proxy: z.strictObject({ upstream: name }).optional(),
  split: z
    .strictObject({
      targets: z.array(z.strictObject({ upstream: name, weight: z.number().int().min(0) })).min(1),
      sticky: stickySchema.optional(),
    })
    .refine((s) => s.targets.some((t) => t.weight > 0), {
      message: 'at least one weight must be positive',
    })
    .optional(),
  choose: z
    .strictObject({
      header: headerName.optional(),
      cookie: headerName.optional(),
      cases: z.record(z.string(), name),
      default: name,
    })
    .refine((c) => Boolean(c.header) !== Boolean(c.cookie), {
      message: 'give exactly one of header or cookie',
    })
    .optional(),
  transcode: transcodeSchema.optional(),
};
export const actionNames = Object.keys(actions) as (keyof typeof actions)[];

const routeSchema = z
  .strictObject({
    name,
    match: matchSchema,
    ...actions,
    timeoutMs: ms.default(15_000),
    /**
     * The route's requests change nothing (scoring a text is a pure function),
     * whatever their method: only then may a POST be mirrored, as sending it
     * twice cannot do anything twice. Every other POST mirror is refused.
     */
    sideEffectFree: z.boolean().default(false),
    retry: z.strictObject({ attempts: z.number().int().min(0).max(5).default(2) }).prefault({}),
    mirror: z
      .strictObject({
        upstream: name.optional(),
        transcode: transcodeSchema.optional(),
        percent: z.number().min(0).max(100).default(100),
        /** JSON paths left out of the comparison: `createdAt`, `entries[].id`, `*.etag`. */
        ignore: z.array(z.string().min(1)).default([]),
        timeoutMs: ms.default(5_000),
      })
      .refine((m) => Boolean(m.upstream) !== Boolean(m.transcode), {
        message: 'give exactly one of upstream or transcode',
      })
      .optional(),
    auth: z
      .strictObject({
        /** Any one of these credentials is enough. */
        accept: z.array(z.enum(['apiKey', 'jwt'])).min(1),
        scopes: z.array(z.string().min(1)).default([]),
        /** Tokens must expire (an `exp` claim) unless the route says otherwise. */
        allowTokensWithoutExpiry: z.boolean().default(false),
      })
      .optional(),
    rateLimit: z
      .strictObject({
        requests: z.number().int().min(1),
        windowSeconds: z.number().int().min(1).default(1),
      })
      .optional(),
  })
  .refine((r) => actionNames.filter((a) => r[a]).length === 1, {
    message: `give exactly one action: ${actionNames.join(', ')}`,
  });

const authSchema = z.strictObject({
  apiKeys: z
    .array(
      z.strictObject({
        id: name,
        /** Hex SHA-256 of the key: the file never holds a usable secret. */
        sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
        scopes: z.array(z.string().min(1)).default([]),
      }),
    )
    .default([]),
  jwt: z
    .strictObject({
      /** HS256 shared secret (use ${ENV}), or a JWKS URL for asymmetric keys. */
      secret: z.string().min(32, 'must be at least 32 characters').optional(),
      jwksUrl: httpUrl.optional(),
      issuer: z.string().optional(),
      audience: z.string().optional(),
      /** Claim holding space-separated scopes, as in OAuth 2. */
      scopeClaim: z.string().default('scope'),
    })
    .refine((j) => Boolean(j.secret) !== Boolean(j.jwksUrl), {
      message: 'give exactly one of secret or jwksUrl',
    })
    .optional(),
});

export const routeFileSchema = z
  .strictObject({
    version: z.literal(1),
    upstreams: z.record(name, upstreamSchema),
    auth: authSchema.prefault({}),
    retryBudget: z
      .strictObject({
        /** Retries allowed per window as a share of requests, plus a floor for quiet periods. */
        percent: z.number().min(0).max(100).default(20),
        minPerWindow: z.number().int().min(0).default(10),
        windowMs: ms.default(10_000),
      })
      .prefault({}),
    routes: z.array(routeSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const known = new Set(Object.keys(file.upstreams));
    const seen = new Set<string>();
    const need = (upstream: string | undefined, path: (string | number)[]) => {
      if (upstream !== undefined && !known.has(upstream)) {
        ctx.addIssue({ code: 'custom', path, message: `no upstream named "${upstream}"` });
      }
    };
    file.routes.forEach((route, i) => {
      const at = ['routes', i];
      if (seen.has(route.name))
        ctx.addIssue({ code: 'custom', path: [...at, 'name'], message: 'duplicate route name' });
      seen.add(route.name);
      need(route.proxy?.upstream, [...at, 'proxy', 'upstream']);
      route.split?.targets.forEach((t, j) =>
        need(t.upstream, [...at, 'split', 'targets', j, 'upstream']),
      );
      if (route.choose) {
        need(route.choose.default, [...at, 'choose', 'default']);
        for (const [k, v] of Object.entries(route.choose.cases))
          need(v, [...at, 'choose', 'cases', k]);
      }
      need(route.transcode?.scorer, [...at, 'transcode', 'scorer']);
      need(route.mirror?.upstream, [...at, 'mirror', 'upstream']);
      need(route.mirror?.transcode?.scorer, [...at, 'mirror', 'transcode', 'scorer']);
      const safe = route.match.methods?.every((m) => m === 'GET' || m === 'HEAD');
      if (route.mirror && !safe && !route.sideEffectFree) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'match', 'methods'],
          message:
            'mirror needs methods GET/HEAD only, or sideEffectFree: true on a route whose requests change nothing (a mirrored write would happen twice)',
        });
      }
      if (route.sideEffectFree && !route.match.methods) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'sideEffectFree'],
          message: 'sideEffectFree needs match.methods: name the methods that change nothing',
        });
      }
      if (route.auth?.accept.includes('jwt') && !file.auth.jwt) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'auth'],
          message: 'jwt accepted but auth.jwt is not configured',
        });
      }
    });
  });

export type RouteFile = z.output<typeof routeFileSchema>;
export type RouteSpec = RouteFile['routes'][number];
export type UpstreamSpec = RouteFile['upstreams'][string];
export type TranscodeSpec = z.output<typeof transcodeSchema>;
export type RpcName = (typeof rpcs)[number];
