// What `npm start` runs for a stage of the catalogue (stages.yaml): the
// processes, their ports and the environment that wires them together — the
// local twin of the stage's kustomize overlay.
import path from 'node:path';
import type { Catalogue, Stage } from '@fig/stages';

export interface LocalProcess {
  /** The app, or `app-N` for replica N of several. */
  name: string;
  app: string;
  port: number;
  opsPort: number;
  env: Record<string, string>;
}

export type PortFor = (app: string, replica: number, kind: 'port' | 'ops') => Promise<number>;

export interface PlanOptions {
  catalogue: Catalogue;
  stage: Stage;
  replicas: Record<string, number>;
  redisUrl: string;
  root: string;
  /** The address every port binds (BIND_ADDRESS). */
  bindAddress: string;
  /** The gateway's route file; the stage's preset when not given. */
  routes?: string;
  /** Free ports for `--ports auto`; the architecture's ports otherwise. */
  portFor?: PortFor;
  /**
   * Also run model-svc with model v2 beside v1 (`--model-v2`), for the
   * gateway's model rollout presets (MODEL_V2_ADDR): canary, A/B, mirror.
   */
  modelV2?: boolean;
}

/**
 * Where the other processes reach one that binds `bindAddress`: loopback when
 * it binds every interface, the address itself otherwise (an IPv6 address in
 * brackets, as URLs want it).
 */
export function reachableHost(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '::') return '127.0.0.1';
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}

/** Apps that may run as several replicas (the others hold state or are the entry). */
export const scalable = ['frontend', 'store-svc'];

export async function planStage(options: PlanOptions): Promise<LocalProcess[]> {
  const { catalogue, stage } = options;
  // The catalogue's port; replica i of a service adds 100·i (a gRPC port adds i).
  const standard: PortFor = async (app, replica, kind) => {
    const entry = catalogue.apps.get(app);
    const base = kind === 'port' ? entry?.port : entry?.ops;
    if (base === undefined) throw new Error(`stages.yaml gives ${app} no ${kind} port`);
    return base + (kind === 'port' && entry?.protocol === 'grpc' ? replica : replica * 100);
  };
  const pick = options.portFor ?? standard;
  const byApp = new Map<string, Omit<LocalProcess, 'env'>[]>();
  // The stage's apps, then the platform's (the live view), which watch them.
  for (const app of catalogue.appsOf(stage)) {
    const count = scalable.includes(app) ? (options.replicas[app] ?? 1) : 1;
    const procs = [];
    for (let i = 0; i < count; i++) {
      procs.push({
        name: count > 1 ? `${app}-${i + 1}` : app,
        app,
        port: await pick(app, i, 'port'),
        opsPort: await pick(app, i, 'ops'),
      });
    }
    if (app === 'model-svc' && options.modelV2) {
      procs.push({
        name: 'model-svc-v2',
        app,
        // The next port over, as a second replica would have (50053, 9184).
        port: await pick(app, count, 'port'),
        opsPort: await pick(app, count, 'ops'),
      });
    }
    byApp.set(app, procs);
  }

  const host = reachableHost(options.bindAddress);
  const urls = (app: string) =>
    (byApp.get(app) ?? []).map((p) => `http://${host}:${p.port}`).join(',');
  // grpc-js takes a static list of addresses with the ipv4: scheme and
  // round-robins over them, like dns:/// over a headless Service.
  const store = byApp.get('store-svc');
  const scheme = host.startsWith('[') ? 'ipv6' : host === 'localhost' ? 'dns' : 'ipv4';
  const storeAddr = store
    ? scheme === 'dns'
      ? `dns:${host}:${store[0]?.port}`
      : `${scheme}:${store.map((p) => `${host}:${p.port}`).join(',')}`
    : '';
  // One model-svc (with --model-v2 a second one serving v2, MODEL_V2_ADDR);
  // the frontend scores with the first only where the stage says it calls it (stage 4).
  const modelSvcs = byApp.get('model-svc') ?? [];
  const grpcAddr = (proc: { port: number } | undefined) =>
    proc ? `${scheme === 'dns' ? 'dns:' : `${scheme}:`}${host}:${proc.port}` : '';
  const modelAddr = grpcAddr(modelSvcs[0]);
  const modelV2Addr = grpcAddr(modelSvcs[1]);
  const frontendScoresWithModelSvc = stage.calls.some(
    (c) => c.from === 'frontend' && c.to === 'model-svc',
  );
  const gatewayOps = byApp.get('gateway')?.[0]?.opsPort;
  const routes =
    options.routes ??
    (stage.preset ? path.join(options.root, 'apps/gateway/routes', `${stage.preset}.yaml`) : '');

  return [...byApp.values()].flat().map((proc) => {
    const env: Record<string, string> = {
      PORT: String(proc.port),
      OPS_PORT: String(proc.opsPort),
      BIND_ADDRESS: options.bindAddress,
      POD_NAME: `${proc.name}-local`,
      OTEL_SERVICE_NAME: proc.app,
      // Nothing routes to a local process through an endpoint list that needs
      // time to converge, so there is no reason to wait before draining.
      SHUTDOWN_DELAY_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...(proc.app !== 'frontend' && proc.app !== 'model-svc' && proc.app !== 'live-view'
        ? { REDIS_URL: options.redisUrl }
        : {}),
      ...(proc.app === 'frontend' || proc.app === 'gateway'
        ? { STORE_ADDR: storeAddr, MONOLITH_URL: urls('monolith') }
        : {}),
      ...(proc.app === 'gateway'
        ? {
            FRONTEND_URL: urls('frontend'),
            GATEWAY_ROUTES: routes,
            MODEL_ADDR: modelAddr,
            MODEL_V2_ADDR: modelV2Addr,
          }
        : {}),
      // With --model-v2 the two model-svc processes serve v1 and v2; otherwise its own default.
      ...(proc.app === 'model-svc' && modelV2Addr
        ? { MODEL_VERSION: proc.name === 'model-svc-v2' ? 'v2' : 'v1' }
        : {}),
      ...(proc.app === 'frontend' && frontendScoresWithModelSvc ? { MODEL_ADDR: modelAddr } : {}),
      ...(proc.app === 'live-view'
        ? {
            STAGE: stage.id,
            GATEWAY_OPS_URL: gatewayOps ? `http://${host}:${gatewayOps}` : '',
          }
        : {}),
    };
    for (const [key, value] of Object.entries(env)) if (value === '') delete env[key];
    return { ...proc, env };
  });
}
