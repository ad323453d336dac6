import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { named, ofKind } from './support/objects';
import { allTargets, rendered } from './support/render';
import { containerPorts, workloads } from './support/workloads';

// The observability add-on collects metrics, not only exposes them (ADR 0514):
// Prometheus finds every Fig pod through the API and scrapes its ops port.

const withObservability = allTargets.filter((t) => t.observability);
type Mount = { name: string; mountPath: string };
const scrapeConfig = (name: string) =>
  named(rendered(name), 'ConfigMap', configMapName(name))?.data?.['prometheus.yml'] as string;
function configMapName(name: string): string {
  const prometheus = named(rendered(name), 'Deployment', 'prometheus');
  return prometheus?.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'config')
    .configMap.name;
}

/**
 * A promtool that knows Kubernetes service discovery. Debian's package (what
 * CI installs at /usr/bin/promtool) is built without it, so the config is
 * checked by an upstream release's promtool when `PROMTOOL` names one (e.g.
 * `go install github.com/prometheus/prometheus/cmd/promtool@v3.5.0`), and
 * otherwise by Debian's with the discovery block swapped for a static target:
 * the relabelling and every other field are then still checked, the
 * discovery fields by the schema test below. Never a binary that happens to
 * be lying in a cache: the same run must check the same way on every machine.
 */
const upstream = [process.env.PROMTOOL].find((p): p is string => Boolean(p && existsSync(p)));
const promtool = upstream ?? '/usr/bin/promtool';

function promtoolCheck(config: string): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fig-prometheus-'));
  try {
    let text = config;
    if (!upstream) {
      const parsed = parse(config);
      for (const job of parsed.scrape_configs) {
        delete job.kubernetes_sd_configs;
        job.static_configs = [{ targets: ['127.0.0.1:9081'] }];
      }
      text = stringify(parsed);
    }
    writeFileSync(path.join(dir, 'prometheus.yml'), text);
    const run = spawnSync(promtool, ['check', 'config', path.join(dir, 'prometheus.yml')], {
      encoding: 'utf8',
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe(`the scrape config (promtool: ${upstream ? 'upstream, with Kubernetes discovery' : 'Debian, discovery swapped for a static target'})`, () => {
  it('is the same in every render with the add-on', () => {
    const configs = new Set(withObservability.map((t) => scrapeConfig(t.name)));
    expect(configs.size).toBe(1);
    expect([...configs][0]).toContain('kubernetes_sd_configs');
  });

  it('passes promtool check config', () => {
    if (!existsSync(promtool))
      throw new Error(`${promtool} is missing: install Debian's prometheus package`);
    const { status, output } = promtoolCheck(scrapeConfig(withObservability[0]!.name));
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('fails promtool on a broken relabelling, so the check above means something', () => {
    const broken = scrapeConfig(withObservability[0]!.name).replace('action: keep', 'action: kep');
    expect(promtoolCheck(broken).status).not.toBe(0);
  });

  it('discovers pods in its own namespace only, and keeps only pods that ask to be scraped', () => {
    const job = parse(scrapeConfig(withObservability[0]!.name)).scrape_configs[0];
    expect(job.kubernetes_sd_configs).toEqual([
      { role: 'pod', namespaces: { own_namespace: true } },
    ]);
    expect(job.relabel_configs[0]).toEqual({
      source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'],
      action: 'keep',
      regex: 'true',
    });
  });
});

describe.each(withObservability.map((t) => [t.name]))('%s', (name) => {
  const objects = () => rendered(name);

  it('runs Prometheus from a pinned image with read-only pod discovery', () => {
    const prometheus = workloads(objects()).find((w) => w.name === 'prometheus');
    expect(prometheus?.containers[0]?.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(named(objects(), 'Role', 'prometheus')?.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = named(objects(), 'RoleBinding', 'prometheus');
    expect(binding?.subjects).toEqual([
      expect.objectContaining({ kind: 'ServiceAccount', name: 'prometheus' }),
    ]);
    expect(prometheus?.pod.serviceAccountName).toBe('prometheus');
  });

  it("asks Prometheus to scrape every Fig pod's ops port, at /metrics", () => {
    const problems = workloads(objects())
      .filter((w) => ['service', 'controller'].includes(w.labels['app.kubernetes.io/component']!))
      .flatMap((w) => {
        const a = w.object.spec.template.metadata?.annotations ?? {};
        const ops = containerPorts(w).get('http-ops');
        return a['prometheus.io/scrape'] === 'true' &&
          a['prometheus.io/port'] === String(ops) &&
          a['prometheus.io/path'] === '/metrics'
          ? []
          : [`${w.name}: ${JSON.stringify(a)} (ops port ${ops})`];
      });
    expect(problems).toEqual([]);
  });

  // The collector's config once reached its pod as `collector-config.yaml`
  // while it read `config.yaml`: it crash-looped on the first real cluster.
  it('mounts the config file each telemetry program is told to read', () => {
    const problems = workloads(objects())
      .filter((w) => w.labels['app.kubernetes.io/component'] === 'telemetry')
      .flatMap((w) =>
        w.containers.flatMap((c) =>
          ((c.args ?? []) as string[]).flatMap((arg) => {
            const file = /^--config(?:\.file)?=(.+)$/.exec(arg)?.[1];
            if (!file) return [];
            const mount = (c.volumeMounts as Mount[] | undefined)?.find(
              (m) => m.mountPath === path.posix.dirname(file),
            );
            const volume = w.pod.volumes?.find((v: { name: string }) => v.name === mount?.name);
            const data = named(objects(), 'ConfigMap', volume?.configMap?.name ?? '')?.data ?? {};
            return Object.hasOwn(data, path.posix.basename(file))
              ? []
              : [
                  `${w.name}: ${file} is not a key of its ConfigMap (${Object.keys(data).join(', ')})`,
                ];
          }),
        ),
      );
    expect(problems).toEqual([]);
  });

  it('has no ClusterRole: discovery stays in the namespace', () => {
    expect(ofKind(objects(), 'ClusterRole')).toEqual([]);
  });
});

/**
 * test:cluster runs the add-on on the node from images it builds from each
 * project's Go module (k8s/node/versions.env, ADR 0517), renamed over the
 * upstream images by deploy.sh: a manifest bumped without the node's pin
 * would run, on the node, a version it does not name.
 */
describe("the node's builds of the add-on's images", () => {
  const pins = Object.fromEntries(
    readFileSync(path.join(__dirname, '../node/versions.env'), 'utf8')
      .split('\n')
      .flatMap((l) => (/^([A-Z_]+)=(\S+)$/.exec(l) ? [l.split('=') as [string, string]] : [])),
  );
  const images = new Set(
    withObservability.flatMap((t) =>
      workloads(rendered(t.name))
        .filter((w) => w.labels['app.kubernetes.io/component'] === 'telemetry')
        .map((w) => w.containers[0]!.image as string),
    ),
  );

  it('are the versions the manifests name', () => {
    expect([...images].sort()).toEqual([
      `jaegertracing/jaeger:${pins.JAEGER_VERSION}`,
      `otel/opentelemetry-collector:${pins.OTELCOL_VERSION}`,
      `prom/prometheus:${pins.PROMETHEUS_VERSION}`,
    ]);
  });
});
