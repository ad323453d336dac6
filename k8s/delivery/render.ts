/* eslint-disable no-console -- a command-line step of test:delivery: its output is the interface */
/**
 * Writes every target the manifest tests render (k8s/test/support/render.ts:
 * each stage with and without istio and observability, every variant and
 * strategy) to <out-dir>/<slug>.yaml, plus <out-dir>/targets.tsv
 * (slug, istio 0/1, name), so the field's tools read exactly what the tests read.
 * Also <slug>.pods.yaml: each Deployment's and StatefulSet's pod template as a
 * Pod, which is what Pod Security admission enforces (it only warns on
 * workloads), namespaces.yaml: the Namespaces the targets create, and
 * accounts.yaml: every ServiceAccount a target creates (admission looks up a
 * Pod's ServiceAccount, so the dry-run Pods of a stage that the real apply
 * does not deploy, model-svc's from stage 3a on, need theirs to exist).
 *
 *   node render.cjs <out-dir>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { K8sObject } from '../test/support/objects';
import { allTargets, rendered } from '../test/support/render';

const out = process.argv[2];
if (!out) {
  console.error('usage: render <out-dir>');
  process.exit(64);
}
mkdirSync(out, { recursive: true });
const yaml = (objects: K8sObject[]) =>
  objects.map((o) => `---\n${stringify(o, { version: '1.1' })}`).join('');

function asPods(objects: K8sObject[]): K8sObject[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => {
      const claims = (o.spec.volumeClaimTemplates ?? []).map((t: K8sObject) => ({
        name: t.metadata.name,
        persistentVolumeClaim: { claimName: `${t.metadata.name}-${o.metadata.name}-0` },
      }));
      const spec = o.spec.template.spec;
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${o.metadata.name}-dry-run`,
          namespace: o.metadata.namespace,
          labels: o.spec.template.metadata?.labels ?? {},
          annotations: o.spec.template.metadata?.annotations ?? {},
        },
        spec: claims.length ? { ...spec, volumes: [...(spec.volumes ?? []), ...claims] } : spec,
      };
    });
}

const index: string[] = [];
const namespaces = new Map<string, K8sObject>();
const accounts = new Map<string, K8sObject>();
for (const target of allTargets) {
  const slug = target.name.replace(/[^A-Za-z0-9-]+/g, '_');
  const objects = rendered(target);
  // The first target's (a plain overlay: Pod Security restricted); the mesh
  // targets relax it to baseline for their sidecars' init (istio/mesh).
  for (const ns of objects.filter((o) => o.kind === 'Namespace'))
    if (!namespaces.has(ns.metadata.name)) namespaces.set(ns.metadata.name, ns);
  for (const sa of objects.filter((o) => o.kind === 'ServiceAccount')) {
    const key = `${sa.metadata.namespace}/${sa.metadata.name}`;
    if (!accounts.has(key)) accounts.set(key, sa);
  }
  writeFileSync(path.join(out, `${slug}.pods.yaml`), yaml(asPods(objects)));
  writeFileSync(
    path.join(out, `${slug}.yaml`),
    objects.map((o) => `---\n${stringify(o, { version: '1.1' })}`).join(''),
  );
  index.push(`${slug}\t${target.istio ? 1 : 0}\t${target.name}`);
}
writeFileSync(path.join(out, 'namespaces.yaml'), yaml([...namespaces.values()]));
writeFileSync(path.join(out, 'accounts.yaml'), yaml([...accounts.values()]));
writeFileSync(path.join(out, 'targets.tsv'), `${index.join('\n')}\n`);
console.log(`${allTargets.length} targets rendered to ${out}`);
