import { z } from 'zod';
import { baseEnv, port, url } from '@fig/config';

const urlList = z
  .string()
  .refine((v) => v.split(',').every((u) => url(['http:', 'https:']).safeParse(u.trim()).success), {
    message: 'must be one or more comma-separated http(s) URLs',
  })
  .transform((v) => v.split(',').map((u) => u.trim().replace(/\/$/, '')));

const name = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,252}$/, 'must be a Kubernetes object name');

/** Everything the migrator reads from its environment (the migrations themselves are a YAML file). */
export const migratorConfigSchema = z
  .object({
    ...baseEnv,
    /** The control API (GET /migrations, POST …/start|pause|resume|abort). */
    PORT: port(8086),
    OPS_PORT: port(9086),
    /**
     * Where the control API listens: loopback unless a deployment opens it,
     * since whoever reaches it can move production traffic.
     */
    CONTROL_ADDRESS: z
      .union([z.ipv4(), z.ipv6(), z.hostname()], 'must be an IP address or a host name')
      .default('127.0.0.1'),
    /** The migration spec (YAML): which routes move, by which steps and gates. */
    MIGRATIONS: z.string().min(1, 'must be the path of a migration spec'),
    /** Every gateway replica's ops URL (http://gateway:9080): their metrics are summed. */
    GATEWAY_OPS_URLS: urlList,
    /** file: rewrite GATEWAY_ROUTES; configmap: patch the gateway's ConfigMap; istio: a VirtualService. */
    MIGRATOR_DRIVER: z.enum(['file', 'configmap', 'istio']).default('file'),
    GATEWAY_ROUTES: z.string().min(1).optional(),
    /** Progress, so that a restart resumes (file driver: a JSON file; in a cluster: a ConfigMap). */
    MIGRATOR_STATE: z.string().min(1).default('migrator-state.json'),
    KUBE_NAMESPACE: name.default('fig'),
    GATEWAY_CONFIGMAP: name.default('gateway-routes'),
    GATEWAY_CONFIGMAP_KEY: z.string().min(1).default('routes.yaml'),
    MIGRATOR_STATE_CONFIGMAP: name.default('migrator-state'),
    VIRTUAL_SERVICE: name.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.MIGRATOR_DRIVER === 'file' && !c.GATEWAY_ROUTES)
      ctx.addIssue({
        code: 'custom',
        path: ['GATEWAY_ROUTES'],
        message: 'the file driver needs the path of the gateway route file',
      });
    if (c.MIGRATOR_DRIVER === 'istio' && !c.VIRTUAL_SERVICE)
      ctx.addIssue({
        code: 'custom',
        path: ['VIRTUAL_SERVICE'],
        message: 'the istio driver needs the name of the VirtualService it drives',
      });
  });

export type MigratorConfig = z.output<typeof migratorConfigSchema>;
