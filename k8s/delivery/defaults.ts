/* eslint-disable no-console -- a command-line step of test:delivery: its output is the interface */
/**
 * What the API server defaulted on a real apply, compared with what we sent:
 *
 *   node defaults.cjs <server.json> <rendered.yaml>
 *
 * Prints every field path the server added (grouped by kind) and checks the
 * ones our manifests rely on: rollout and scheduling defaults that match what
 * docs/kubernetes.md describes, Services' cluster IPs, and that no hardening
 * field we set was dropped or changed by admission.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const ignored =
  /^metadata\.(uid|resourceVersion|creationTimestamp|generation|managedFields|annotations\.kubectl)|^status/;

/** Paths present in `server` but not in `sent`; array items compared by index. */
function added(sent: unknown, server: unknown, at = ''): string[] {
  if (sent === undefined) return ignored.test(at) ? [] : [at];
  if (Array.isArray(server) && Array.isArray(sent))
    return server.flatMap((v, i) => added(sent[i], v, `${at}[]`));
  if (isObj(server) && isObj(sent))
    return Object.entries(server).flatMap(([k, v]) => added(sent[k], v, at ? `${at}.${k}` : k));
  return [];
}
/** Paths whose value we sent and the server changed. */
function changed(sent: unknown, server: unknown, at = ''): string[] {
  if (Array.isArray(sent))
    return sent.flatMap((v, i) => changed(v, (server as unknown[])?.[i], `${at}[${i}]`));
  if (isObj(sent))
    return Object.entries(sent).flatMap(([k, v]) =>
      changed(v, (server as Obj)?.[k], at ? `${at}.${k}` : k),
    );
  if (/^metadata\.annotations/.test(at)) return [];
  // The API server writes quantities canonically ("0.5" → "500m"); compare loosely.
  return String(sent) === String(server)
    ? []
    : [`${at}: ${JSON.stringify(sent)} → ${JSON.stringify(server)}`];
}

const [serverFile, renderedFile] = process.argv.slice(2);
if (!serverFile || !renderedFile) {
  console.error('usage: defaults <server.json> <rendered.yaml>');
  process.exit(64);
}
const server = (JSON.parse(readFileSync(serverFile, 'utf8')).items as Obj[]) ?? [];
const sent = parseAllDocuments(readFileSync(renderedFile, 'utf8')).map((d) => d.toJS() as Obj);
const key = (o: Obj) => `${o.kind}/${(o.metadata as Obj).name}`;
const sentBy = new Map(sent.map((o) => [key(o), o]));
const report = (ok: boolean, what: string, detail = '') =>
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}${detail ? ` — ${detail}` : ''}`);

const byKind = new Map<string, Set<string>>();
const changes: string[] = [];
for (const o of server) {
  const s = sentBy.get(key(o));
  if (!s) continue;
  const set = byKind.get(String(o.kind)) ?? new Set<string>();
  for (const p of added(s, o)) set.add(p);
  byKind.set(String(o.kind), set);
  changes.push(...changed(s, o).map((c) => `${key(o)} ${c}`));
}
for (const [kind, paths] of byKind)
  console.log(`defaulted on ${kind}: ${[...paths].sort().join(', ') || '(nothing)'}`);

report(
  server.length > 0 && server.every((o) => sentBy.has(key(o))),
  `the server holds the ${server.length} applied workloads, Services, PDBs and HPAs`,
);
report(
  changes.length === 0,
  'admission changed none of the values we set',
  changes.slice(0, 10).join('; '),
);

/* eslint-disable @typescript-eslint/no-explicit-any */
const was = (o: any) => sentBy.get(key(o)) as any;
const deployments = server.filter((o) => o.kind === 'Deployment') as any[];
report(
  deployments.length > 0 &&
    deployments.every(
      (d) =>
        d.spec.progressDeadlineSeconds === (was(d).spec.progressDeadlineSeconds ?? 600) &&
        d.spec.revisionHistoryLimit === (was(d).spec.revisionHistoryLimit ?? 10) &&
        d.spec.strategy?.type === (was(d).spec.strategy?.type ?? 'RollingUpdate'),
    ),
  'Deployments: progressDeadlineSeconds, revisionHistoryLimit and strategy as set, else the documented defaults (600, 10, RollingUpdate)',
);
report(
  deployments.every((d) => d.spec.replicas === (was(d).spec.replicas ?? 1)),
  'Deployments without replicas start at 1 until their HPA raises them to its minimum',
);
const pods = [...deployments, ...(server.filter((o) => o.kind === 'StatefulSet') as any[])].map(
  (w) => w.spec.template.spec,
);
report(
  pods.every(
    (p) =>
      p.dnsPolicy === 'ClusterFirst' &&
      p.restartPolicy === 'Always' &&
      p.schedulerName === 'default-scheduler',
  ),
  'pod templates: dnsPolicy ClusterFirst, restartPolicy Always, default scheduler',
);
report(
  pods.every(
    (p) =>
      p.securityContext?.runAsNonRoot === true &&
      p.securityContext?.seccompProfile?.type === 'RuntimeDefault',
  ),
  'pod templates kept runAsNonRoot and the RuntimeDefault seccomp profile',
);
const services = server.filter((o) => o.kind === 'Service') as any[];
report(
  services.every((s) =>
    was(s).spec.clusterIP === 'None'
      ? s.spec.clusterIP === 'None'
      : /^\d+\.\d+\.\d+\.\d+$/.test(s.spec.clusterIP ?? ''),
  ),
  'Services got a cluster IP unless headless',
  services.map((s) => `${s.metadata.name}=${s.spec.clusterIP}`).join(' '),
);
const door = services.find((s) => s.metadata.name === 'fig');
report(
  door?.spec.type === 'NodePort' && door?.spec.ports?.[0]?.nodePort === 30080,
  'the front door kept NodePort 30080',
);
