// What `npm start` runs for each migration stage: the processes, their ports
// and the environment that wires them together — the local twin of the
// kustomize overlays.

export const stages = {
  0: { title: 'stage 0: the monolith alone', apps: ['monolith'], entry: 'monolith' },
  1: {
    title: 'stage 1: the facade in front of the monolith',
    apps: ['monolith', 'gateway'],
    entry: 'gateway',
  },
  2: {
    title: 'stage 2: store-svc extracted (reads mirrored, then transcoded)',
    apps: ['store-svc', 'monolith', 'gateway'],
    entry: 'gateway',
  },
  3: {
    title: 'stage 3: frontend extracted; the monolith keeps only /api/sentiment',
    apps: ['store-svc', 'monolith', 'frontend', 'gateway'],
    entry: 'gateway',
  },
};

const presets = { 1: 'stage-1-facade', 2: 'stage-2-store', 3: 'stage-3-frontend' };

/** The architecture's ports; replica i of a service adds 100·i (gRPC adds i). */
const standardPorts = {
  gateway: { port: 8080, ops: 9080 },
  monolith: { port: 8081, ops: 9081 },
  frontend: { port: 8082, ops: 9082 },
  'store-svc': { port: 50051, ops: 9083 },
};

/**
 * @param {{ stage: number, replicas: Record<string, number>, redisUrl: string,
 *           root: string, portFor?: (app: string, replica: number, kind: 'port'|'ops') => Promise<number> }} options
 * @returns {Promise<Array<{ name: string, app: string, port: number, opsPort: number, env: Record<string,string> }>>}
 */
export async function planStage({ stage, replicas, redisUrl, root, portFor }) {
  const pick =
    portFor ??
    (async (app, replica, kind) =>
      standardPorts[app][kind] +
      (app === 'store-svc' && kind === 'port' ? replica : replica * 100));
  const processes = [];
  const byApp = {};
  for (const app of stages[stage].apps) {
    const count = app === 'frontend' || app === 'store-svc' ? (replicas[app] ?? 1) : 1;
    byApp[app] = [];
    for (let i = 0; i < count; i++) {
      const proc = {
        name: count > 1 ? `${app}-${i + 1}` : app,
        app,
        port: await pick(app, i, 'port'),
        opsPort: await pick(app, i, 'ops'),
      };
      byApp[app].push(proc);
      processes.push(proc);
    }
  }

  const urls = (app) => (byApp[app] ?? []).map((p) => `http://127.0.0.1:${p.port}`).join(',');
  // grpc-js takes a static list of addresses with the ipv4: scheme and
  // round-robins over them, like dns:/// over a headless Service.
  const storeAddr = byApp['store-svc']
    ? `ipv4:${byApp['store-svc'].map((p) => `127.0.0.1:${p.port}`).join(',')}`
    : undefined;

  for (const proc of processes) {
    proc.env = {
      PORT: String(proc.port),
      OPS_PORT: String(proc.opsPort),
      POD_NAME: `${proc.name}-local`,
      OTEL_SERVICE_NAME: proc.app,
      // Nothing routes to a local process through an endpoint list that needs
      // time to converge, so there is no reason to wait before draining.
      SHUTDOWN_DELAY_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...(proc.app !== 'frontend' ? { REDIS_URL: redisUrl } : {}),
      ...(proc.app === 'frontend' || proc.app === 'gateway'
        ? { STORE_ADDR: storeAddr ?? '', MONOLITH_URL: urls('monolith') }
        : {}),
      ...(proc.app === 'gateway'
        ? {
            FRONTEND_URL: urls('frontend'),
            GATEWAY_ROUTES: `${root}/apps/gateway/routes/${presets[stage]}.yaml`,
          }
        : {}),
    };
    for (const [key, value] of Object.entries(proc.env)) if (value === '') delete proc.env[key];
  }
  return processes;
}
