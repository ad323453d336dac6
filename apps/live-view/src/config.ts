import { z } from 'zod';
import { baseEnv, durationMs, port, url } from '@fig/config';

/** Everything the live view reads from its environment. */
export const liveViewConfigSchema = z.object({
  ...baseEnv,
  PORT: port(8085),
  OPS_PORT: port(9085),
  /** The stage being shown (a stages.yaml id), set by npm start and by each overlay. */
  STAGE: z
    .string()
    .regex(/^stage-\d+[a-z]?-[a-z][a-z0-9-]*$/, 'must be a stage id of stages.yaml')
    .optional(),
  /** The gateway's ops port. Unset (stage 0 has no gateway): the page shows no routes. */
  GATEWAY_OPS_URL: url(['http:', 'https:']).optional(),
  /** The migration controller; unset hides its panel. */
  MIGRATOR_URL: url(['http:', 'https:']).optional(),
  /** How often the sources are read, once for every open page. */
  INTERVAL_MS: durationMs(1_000).pipe(z.number().min(100, 'must be at least 100')),
  /** The window request and error rates are averaged over. */
  RATE_WINDOW_MS: durationMs(60_000).pipe(z.number().min(1_000, 'must be at least 1000')),
  /** How long one read of a source may take before it is reported as a problem. */
  SOURCE_TIMEOUT_MS: durationMs(800),
  /** The namespace whose Deployments, ReplicaSets and Pods are shown (in a cluster). */
  KUBE_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name')
    .default('fig'),
  /** Set inside a pod; with it (or KUBECONFIG) the cluster panel is shown. */
  KUBERNETES_SERVICE_HOST: z.string().min(1).optional(),
  KUBECONFIG: z.string().min(1).optional(),
});

export type LiveViewConfig = z.output<typeof liveViewConfigSchema>;
