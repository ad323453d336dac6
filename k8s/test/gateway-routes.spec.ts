import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAppModule } from './support/apps';
import { resolveEnv } from './support/env';
import { named, type K8sObject } from './support/objects';
import { fromRoot } from './support/paths';
import { allTargets, catalogue, overlayTargets, rendered } from './support/render';
import { serviceAddresses, workloads, type Workload } from './support/workloads';

const presetsSource = fromRoot('apps/gateway/routes');
const presetsCopy = fromRoot('k8s/base/gateway/routes');

type ParseRoutes = (
  text: string,
  file: string,
  env: Record<string, string | undefined>,
) => { file: RouteFile };
interface RouteFile {
  upstreams: Record<
    string,
    {
      endpoints?: string[];
      dns?: { host: string; port: number };
      healthCheck?: { enabled: boolean; portOffset: number };
    }
  >;
  routes: {
    name: string;
    transcode?: { model?: string };
    mirror?: { transcode?: { model?: string } };
  }[];
}

/** The gateway's own parser: the route-table schema lives in its code, not here. */
const parseRoutes = () => loadAppModule('gateway', 'routes/load.ts').parseRoutes as ParseRoutes;

function mountedRouteFile(objects: K8sObject[], gateway: Workload, env: Record<string, string>) {
  const file = env.GATEWAY_ROUTES as string;
  const mount = gateway.containers[0]?.volumeMounts?.find(
    (m: { mountPath: string }) => m.mountPath === path.dirname(file),
  );
  const volume = gateway.pod.volumes?.find((v: { name: string }) => v.name === mount?.name);
  const configMap = volume?.configMap && named(objects, 'ConfigMap', volume.configMap.name);
  return { text: configMap?.data?.[path.basename(file)] as string | undefined, configMap };
}

describe('gateway route presets', () => {
  it('deploys a byte-identical copy of every preset the gateway ships, and nothing else', () => {
    const source = readdirSync(presetsSource)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''));
    const copies = readdirSync(presetsCopy).filter((d) =>
      existsSync(path.join(presetsCopy, d, 'routes.yaml')),
    );
    expect(copies.sort()).toEqual(source.sort());
    for (const preset of source) {
      const copy = readFileSync(path.join(presetsCopy, preset, 'routes.yaml'), 'utf8');
      // On failure: cp apps/gateway/routes/<preset>.yaml k8s/base/gateway/routes/<preset>/routes.yaml
      expect({ preset, copy }).toEqual({
        preset,
        copy: readFileSync(path.join(presetsSource, `${preset}.yaml`), 'utf8'),
      });
    }
  });

  // The stages that run the gateway, and the preset each names, as the catalogue says.
  const presetOf = (stage: string) => catalogue.resolve(stage).preset;
  it.each(overlayTargets.filter((t) => presetOf(t.stage)).map((t) => [t.name, presetOf(t.stage)]))(
    '%s mounts the %s preset',
    (name, preset) => {
      const objects = rendered(name);
      const gateway = workloads(objects).find((w) => w.name === 'gateway') as Workload;
      const { text } = mountedRouteFile(objects, gateway, resolveEnv(objects, gateway));
      expect(text).toBe(readFileSync(path.join(presetsSource, `${preset}.yaml`), 'utf8'));
    },
  );

  const withGateway = allTargets.filter((t) => presetOf(t.stage)).map((t) => [t.name]);
  it.each(withGateway)(
    '%s: the route table is valid and names only upstreams this overlay runs',
    (name) => {
      const objects = rendered(name);
      const gateway = workloads(objects).find((w) => w.name === 'gateway') as Workload;
      const env = resolveEnv(objects, gateway);
      const { text } = mountedRouteFile(objects, gateway, env);
      expect(text).toBeDefined();
      // Throws with each problem and its line, exactly as the gateway would at start.
      const { file } = parseRoutes()(text as string, 'gateway-routes', env);

      const addresses = serviceAddresses(objects);
      const problems: string[] = [];
      for (const [upstream, spec] of Object.entries(file.upstreams)) {
        const targets = spec.endpoints
          ?.map((u) => new URL(u))
          .map((u) => `${u.hostname}:${u.port || 80}`) ?? [`${spec.dns?.host}:${spec.dns?.port}`];
        for (const t of targets) {
          if (!addresses.has(t)) problems.push(`upstream ${upstream} → ${t}: no such Service port`);
          // Active checks probe each endpoint's ops port (port + offset); behind a
          // Service that port must be reachable too, or every endpoint is ejected.
          const [host, port] = t.split(':');
          const checked =
            spec.healthCheck?.enabled && `${host}:${Number(port) + spec.healthCheck.portOffset}`;
          if (checked && !addresses.has(checked))
            problems.push(
              `upstream ${upstream}: health checks on ${checked}, no such Service port`,
            );
        }
      }
      const transcodes = file.routes.some((r) => r.transcode || r.mirror?.transcode);
      const store = /^(?:dns:\/\/\/)?([^/]+:\d+)$/.exec(env.STORE_ADDR ?? '')?.[1];
      if (transcodes && !(store && addresses.has(store)))
        problems.push(`transcoded routes, but STORE_ADDR=${env.STORE_ADDR}`);
      // Routes scored by model-svc name its gRPC target (the file's ${MODEL_ADDR}).
      for (const r of file.routes) {
        for (const model of [r.transcode?.model, r.mirror?.transcode?.model]) {
          const address = /^(?:dns:\/\/\/)?([^/]+:\d+)$/.exec(model ?? '')?.[1];
          if (model !== undefined && !(address && addresses.has(address)))
            problems.push(`route ${r.name}: model ${model || '(empty)'}, no such Service port`);
        }
      }
      expect(problems).toEqual([]);
    },
  );
});
