/**
 * What the page shows, as one JSON document: the server builds it once per
 * interval for every browser, sends it whole to a new stream, then only the
 * JSON Patch (RFC 6902) from the last one. Types only: the browser script
 * imports this file too, so nothing here may pull in Node code.
 */

/** Requests per second and the share answered with 5xx, over the rate window. */
export interface Rate {
  perSecond: number;
  errorsPerSecond: number;
}

export interface EndpointView {
  url: string;
  healthy: boolean;
  ejected: boolean;
  pending: number;
}

export interface UpstreamView {
  name: string;
  version: string;
  breaker: string;
  endpoints: EndpointView[];
}

export interface RouteView {
  name: string;
  match: string;
  /** Where it goes: `frontend`, `web-v1 90% · web-v2 10%`, `transcode GetStats`, … */
  action: string;
  /** Upstreams it can reach, for colouring. */
  upstreams: string[];
  mirror: string | null;
}

/** Traffic per upstream and version over the window. */
export interface VersionRate extends Rate {
  upstream: string;
  version: string;
}

export interface ShadowView {
  route: string;
  /** Over the rate window. */
  match: number;
  mismatch: number;
  error: number;
  /** Since the gateway started. */
  totalMatch: number;
  totalMismatch: number;
}

export interface GatewayView {
  url: string;
  /** The route table's content hash, as /gateway/routes reports it. */
  tableVersion: string;
  routes: RouteView[];
  upstreams: UpstreamView[];
  rates: VersionRate[];
  shadow: ShadowView[];
}

export interface MigrationView {
  route: string;
  state: string;
  step: { index: number; name: string; percent: number };
  /** value: null before the step has samples. */
  gates: { name: string; value: number | null; threshold: number; ok: boolean }[];
  history: { at: string; from: string; to: string; reason: string }[];
}

export interface PodView {
  name: string;
  version: string;
  phase: string;
  ready: boolean;
  /** The ReplicaSet that owns it. */
  owner: string;
  terminating: boolean;
}

export interface ReplicaSetView {
  name: string;
  version: string;
  /** The Deployment that owns it. */
  owner: string;
  desired: number;
  ready: number;
}

export interface DeploymentView {
  name: string;
  version: string;
  desired: number;
  ready: number;
  updated: number;
}

export interface ClusterView {
  namespace: string;
  deployments: DeploymentView[];
  replicaSets: ReplicaSetView[];
  pods: PodView[];
}

/** A source that could not be read this time, and why. */
export interface SourceProblem {
  source: 'gateway' | 'migrator' | 'cluster';
  message: string;
}

export interface LiveView {
  stage: string;
  /** Seconds covered by the rates (shorter than the window just after start). */
  windowSeconds: number;
  gateway: GatewayView | null;
  /** null: no MIGRATOR_URL, the panel is hidden. */
  migrations: MigrationView[] | null;
  /** null: not in a cluster, the panel is hidden. */
  cluster: ClusterView | null;
  problems: SourceProblem[];
}
