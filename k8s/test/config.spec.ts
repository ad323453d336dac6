import { appConfig, notWritten, written, type App } from './support/apps';
import { expansionHelpers, resolveEnv } from './support/env';
import { allTargets, catalogue, rendered } from './support/render';
import { named, type K8sObject } from './support/objects';
import { containerPorts, serviceAddresses, services, type Workload } from './support/workloads';

// Read by libs/telemetry (the OpenTelemetry SDK's own variables), not by the
// apps' config schemas.
const telemetryVariable = /^OTEL_[A-Z_]+$/;

/** ${NAME} references in files mounted from ConfigMaps (the gateway's route table reads some). */
function mountedFileVariables(objects: K8sObject[], w: Workload): Set<string> {
  const names = new Set<string>();
  for (const volume of w.pod.volumes ?? []) {
    const configMap = volume.configMap && named(objects, 'ConfigMap', volume.configMap.name);
    for (const text of Object.values<string>(configMap?.data ?? {})) {
      for (const m of text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)) names.add(m[1] as string);
    }
  }
  return names;
}

/** host:port inside a URL or a gRPC target such as dns:///store-svc:50051. */
function addressIn(value: string): string | undefined {
  const match = /^(?:[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?|dns:\/\/\/)([a-z0-9.-]+):(\d+)/.exec(value);
  return match ? `${match[1]}:${match[2]}` : undefined;
}

describe(`each service's Deployment against its config schema (checked: ${written.join(', ')}; not written yet: ${notWritten.join(', ') || 'none'})`, () => {
  it('finds the schema of every app whose source exists', () => {
    for (const app of written) expect(appConfig(app).keys.length).toBeGreaterThan(0);
  });

  it("reads model-svc's variables from its Python settings, which refuse a bad value by name", () => {
    const config = appConfig('model-svc');
    expect(config.keys).toEqual(expect.arrayContaining(['PORT', 'OPS_PORT', 'MODEL_VERSION']));
    expect(config.parse({ MODEL_VERSION: 'v3' }).problems).toEqual([
      expect.stringMatching(/^MODEL_VERSION: /),
    ]);
    expect(config.parse({ MODEL_VERSION: 'v2', PORT: '50052' }).values).toMatchObject({
      MODEL_VERSION: 'v2',
      PORT: 50052,
    });
  });

  describe.each(allTargets.map((t) => [t.name]))('%s', (name) => {
    const objects = () => rendered(name);
    const deployed = () =>
      services(objects()).filter((w) =>
        written.includes(w.labels['app.kubernetes.io/name'] as App),
      );
    const configs = new Map<string, ReturnType<typeof appConfig>>();
    const configOf = (app: string) => {
      if (!configs.has(app)) configs.set(app, appConfig(app as App));
      return configs.get(app) as ReturnType<typeof appConfig>;
    };

    it('sets every required variable and nothing the schema rejects or does not know', () => {
      const problems: string[] = [];
      for (const w of deployed()) {
        const config = configOf(w.labels['app.kubernetes.io/name'] as string);
        const env = resolveEnv(objects(), w);
        for (const key of config.required)
          if (!(key in env)) problems.push(`${w.name}: ${key} is required`);
        for (const problem of config.parse(env).problems) problems.push(`${w.name}: ${problem}`);
        const known = new Set(config.keys);
        const helpers = expansionHelpers(w.containers[0] ?? {});
        const fileVariables = mountedFileVariables(objects(), w);
        for (const key of Object.keys(env)) {
          const read =
            known.has(key) ||
            telemetryVariable.test(key) ||
            helpers.has(key) ||
            fileVariables.has(key);
          if (!read) problems.push(`${w.name}: ${key} is not read by the app`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('listens where the container ports say, and drains within the grace period', () => {
      const problems: string[] = [];
      for (const w of deployed()) {
        const config = configOf(w.labels['app.kubernetes.io/name'] as string).parse(
          resolveEnv(objects(), w),
        ).values as Record<string, number>;
        const ports = containerPorts(w);
        if (config.PORT !== (ports.get('http') ?? ports.get('grpc')))
          problems.push(`${w.name}: PORT ${config.PORT} is no container port`);
        if (config.OPS_PORT !== ports.get('http-ops'))
          problems.push(`${w.name}: OPS_PORT ${config.OPS_PORT} is not http-ops`);
        // SIGTERM → readiness fails → delay → drain: all before SIGKILL.
        const budgetMs =
          (config.SHUTDOWN_DELAY_MS as number) + (config.SHUTDOWN_TIMEOUT_MS as number);
        if (w.pod.terminationGracePeriodSeconds * 1000 <= budgetMs) {
          problems.push(
            `${w.name}: grace ${w.pod.terminationGracePeriodSeconds}s ≤ shutdown budget ${budgetMs} ms`,
          );
        }
      }
      expect(problems).toEqual([]);
    });

    it("holds the gRPC services' rollouts until their clients have reconnected (minReadySeconds)", () => {
      // grpc-js reconnects to a restarted address after a ~1 s backoff; the
      // rolling-update spec (e2e) waits 2 s before it rolls the next replica.
      const grpc = deployed().filter(
        (w) =>
          catalogue.apps.get(w.labels['app.kubernetes.io/name'] as string)?.protocol === 'grpc',
      );
      for (const w of grpc) {
        const spec = (w.object as { spec: { minReadySeconds?: number } }).spec;
        expect([w.name, (spec.minReadySeconds ?? 0) >= 2]).toEqual([w.name, true]);
      }
    });

    it('points every upstream address at a Service port of this overlay', () => {
      const addresses = serviceAddresses(objects());
      const problems: string[] = [];
      for (const w of services(objects())) {
        for (const [key, value] of Object.entries(resolveEnv(objects(), w))) {
          const address = addressIn(value);
          if (address && !addresses.has(address))
            problems.push(`${w.name}: ${key} → ${address}, no such Service port`);
        }
      }
      expect(problems).toEqual([]);
    });
  });
});
