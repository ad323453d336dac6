/* eslint-disable no-console -- a command-line step of test:delivery: its output is the interface */
/**
 * Runs a rendered stage as containers on the local engine, each the way its
 * Deployment (or StatefulSet) runs it, and checks its probes:
 *
 *   node containers.cjs up <target> <state.json>    start, wait for probes, check hardening
 *   node containers.cjs down <state.json>           remove containers, network, volumes
 *
 * From the pod spec: the resolved env (Secrets, downward API, $(VAR)
 * expansion, also in args), runAsUser/runAsGroup, readOnlyRootFilesystem with
 * the same emptyDirs (tmpfs of their sizeLimit), ConfigMap volumes as
 * read-only files, capabilities dropped, no-new-privileges, CPU and memory
 * limits. Every container joins one network under the names of the Services
 * that select it, so `store-svc`, `monolith`, `frontend` and `redis` resolve
 * as in the cluster. Each container port is published on 127.0.0.1 only.
 * Results are printed as PASS/FAIL lines that tools/delivery/lib.sh counts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveEnv } from '../test/support/env';
import { named, ofKind, type K8sObject } from '../test/support/objects';
import { rendered } from '../test/support/render';
import { containerPorts, selectedBy, workloads, type Workload } from '../test/support/workloads';

const docker = (args: string[], opts: { quiet?: boolean } = {}) =>
  execFileSync(process.env.DOCKER ?? '/usr/bin/docker', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', opts.quiet ? 'ignore' : 'pipe'],
  }).trim();

const report = (ok: boolean, what: string, detail = '') => {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}${detail ? ` — ${detail}` : ''}`);
  return ok;
};

interface State {
  target: string;
  network: string;
  containers: string[];
  volumes: string[];
  /** container name → container port → published 127.0.0.1 port */
  ports: Record<string, Record<string, number>>;
  frontDoor?: string;
}

/** The image a container runs here: our build's tag for fig-*, a stand-in for Redis. */
function localImage(image: string): string {
  const tag = process.env.FIG_IMAGE_TAG ?? 'delivery';
  if (/^fig-[a-z-]+$/.test(image)) return `${image}:${tag}`;
  const standIn = process.env[`FIG_STANDIN_${image.split(':')[0]?.toUpperCase()}`];
  if (standIn) return standIn;
  throw new Error(`no local image for ${image}: set FIG_STANDIN_<NAME>`);
}

const quantityBytes = (q: string): number => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(q);
  if (!m) throw new Error(`unsupported quantity ${q}`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Math.round(Number(m[1]) * unit);
};
const cpus = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
const expand = (s: string, env: Record<string, string>) =>
  s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, n: string) => env[n] ?? ref);

function runArgs(objects: K8sObject[], w: Workload, state: State, scratch: string): string[] {
  const c = w.containers[0];
  if (!c) throw new Error(`${w.name}: no container`);
  const pod = w.pod ?? {};
  const sc = { ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) };
  const env = resolveEnv(objects, w, c);
  const name = `fig-delivery-${w.name}`;
  const args = [
    'run',
    '-d',
    '--name',
    name,
    '--network',
    state.network,
    '--label',
    'fig.delivery=1',
  ];
  args.push('--hostname', env.POD_NAME ?? w.name);
  for (const s of ofKind(objects, 'Service'))
    if (s.spec.selector && selectedBy(objects, s.spec.selector).some((x) => x.name === w.name)) {
      for (const p of s.spec.ports as { port: number; targetPort: string | number }[])
        if (containerPorts(w).get(p.targetPort) !== p.port)
          throw new Error(
            `Service ${s.metadata.name}: port ${p.port} ≠ target; a network alias cannot remap it`,
          );
      args.push('--network-alias', s.metadata.name);
    }
  if (sc.runAsUser !== undefined)
    args.push('--user', `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`);
  if (sc.readOnlyRootFilesystem) args.push('--read-only');
  for (const cap of sc.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  for (const cap of sc.capabilities?.add ?? []) args.push('--cap-add', cap);
  if (sc.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  if (sc.privileged) throw new Error(`${w.name}: privileged`);
  const limits = c.resources?.limits ?? {};
  if (limits.memory) args.push('--memory', String(quantityBytes(limits.memory)));
  if (limits.cpu) args.push('--cpus', String(cpus(String(limits.cpu))));
  for (const m of c.volumeMounts ?? []) {
    const v = (pod.volumes ?? []).find((x: { name: string }) => x.name === m.name);
    const claim = (w.object.spec.volumeClaimTemplates ?? []).find(
      (t: K8sObject) => t.metadata.name === m.name,
    );
    if (v?.emptyDir) {
      const size = v.emptyDir.sizeLimit ? `,tmpfs-size=${quantityBytes(v.emptyDir.sizeLimit)}` : '';
      args.push('--mount', `type=tmpfs,destination=${m.mountPath},tmpfs-mode=1777${size}`);
    } else if (v?.configMap) {
      const cm = named(objects, 'ConfigMap', v.configMap.name);
      if (!cm) throw new Error(`${w.name}: ConfigMap ${v.configMap.name} not rendered`);
      const dir = path.join(scratch, w.name, m.name);
      mkdirSync(dir, { recursive: true });
      for (const [k, text] of Object.entries<string>(cm.data ?? {}))
        writeFileSync(path.join(dir, k), text, { mode: 0o644 });
      args.push('--mount', `type=bind,source=${dir},destination=${m.mountPath},readonly`);
    } else if (claim) {
      const volume = `fig-delivery-${w.name}-${m.name}`;
      state.volumes.push(volume);
      args.push('--mount', `type=volume,source=${volume},destination=${m.mountPath}`);
    } else throw new Error(`${w.name}: volume ${m.name} is of a kind this runner does not model`);
  }
  const envFile = path.join(scratch, `${w.name}.env`);
  writeFileSync(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  args.push('--env-file', envFile);
  for (const port of new Set(containerPorts(w).values())) args.push('-p', `127.0.0.1::${port}`);
  const command = (c.command ?? []).map((s: string) => expand(s, env));
  if (command.length) args.push('--entrypoint', command[0]);
  args.push(
    localImage(c.image),
    ...command.slice(1),
    ...(c.args ?? []).map((s: string) => expand(s, env)),
  );
  state.containers.push(name);
  return args;
}

function publishedPorts(name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of docker(['port', name]).split('\n')) {
    const m = /^(\d+)\/tcp -> 127\.0\.0\.1:(\d+)$/.exec(line.trim());
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

type ProbeSpec = {
  httpGet?: { path: string; port: string | number; scheme?: string };
  tcpSocket?: { port: string | number };
  exec?: { command: string[] };
  grpc?: { port: number };
  timeoutSeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
};

async function probeOnce(
  w: Workload,
  name: string,
  ports: Record<string, number>,
  spec: ProbeSpec,
) {
  const timeout = (spec.timeoutSeconds ?? 1) * 1000;
  const local = (p: string | number): number => {
    const port = ports[String(containerPorts(w).get(p))];
    if (port === undefined)
      throw new Error(`${w.name}: probe port ${p} is not a published container port`);
    return port;
  };
  if (spec.httpGet) {
    const port = local(spec.httpGet.port);
    try {
      const res = await fetch(`http://127.0.0.1:${port}${spec.httpGet.path}`, {
        signal: AbortSignal.timeout(timeout),
      });
      await res.arrayBuffer();
      return {
        ok: res.status >= 200 && res.status < 400,
        detail: `GET ${spec.httpGet.path} on ${spec.httpGet.port} → ${res.status}`,
      };
    } catch (err) {
      return {
        ok: false,
        detail: `GET ${spec.httpGet.path} on ${spec.httpGet.port}: ${(err as Error).message}`,
      };
    }
  }
  if (spec.tcpSocket) {
    const port = local(spec.tcpSocket.port);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.setTimeout(timeout, () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(false));
    });
    return { ok, detail: `TCP ${spec.tcpSocket.port}` };
  }
  if (spec.exec) {
    try {
      docker(['exec', name, ...spec.exec.command], { quiet: true });
      return { ok: true, detail: `exec ${spec.exec.command.join(' ')}` };
    } catch {
      return { ok: false, detail: `exec ${spec.exec.command.join(' ')}` };
    }
  }
  throw new Error(`${w.name}: probe kind not modelled: ${JSON.stringify(spec)}`);
}

/** A probe as the kubelet runs it: every periodSeconds, up to failureThreshold misses. */
async function probeUntil(
  w: Workload,
  name: string,
  ports: Record<string, number>,
  kind: string,
  spec: ProbeSpec,
) {
  const attempts =
    kind === 'startupProbe'
      ? (spec.failureThreshold ?? 3)
      : Math.max(30, spec.failureThreshold ?? 3);
  let last = { ok: false, detail: 'not run' };
  for (let i = 0; i < attempts; i++) {
    last = await probeOnce(w, name, ports, spec);
    if (last.ok) return last;
    if (docker(['inspect', '-f', '{{.State.Running}}', name]) !== 'true')
      return { ok: false, detail: `${last.detail}; container exited` };
    await new Promise((r) =>
      setTimeout(
        r,
        (spec.periodSeconds ?? 10) * 1000 > 2000 ? 2000 : (spec.periodSeconds ?? 1) * 1000,
      ),
    );
  }
  return last;
}

/** What the engine actually applied, read back rather than assumed. */
function hardening(w: Workload, name: string): boolean {
  const c = w.containers[0];
  const sc = { ...(w.pod.securityContext ?? {}), ...(c?.securityContext ?? {}) };
  const info = JSON.parse(docker(['inspect', name]))[0];
  const problems: string[] = [];
  if (sc.readOnlyRootFilesystem && !info.HostConfig.ReadonlyRootfs)
    problems.push('root filesystem writable');
  if (!(info.HostConfig.CapDrop ?? []).includes('ALL')) problems.push('capabilities not dropped');
  if (!(info.HostConfig.SecurityOpt ?? []).includes('no-new-privileges'))
    problems.push('no-new-privileges missing');
  if (String(info.Config.User).split(':')[0] !== String(sc.runAsUser))
    problems.push(`user ${info.Config.User}`);
  if (String(sc.runAsUser) === '0') problems.push('runs as root');
  // Fig's images: prove the root filesystem refuses a write and /tmp accepts
  // one, with the image's own interpreter (its ENTRYPOINT: node, or model-svc's
  // Python; neither image has a shell).
  if (/^fig-/.test(c?.image ?? '')) {
    const interpreter = String(info.Config.Entrypoint?.[0] ?? '');
    const probe = /\/python3?$/.test(interpreter)
      ? [
          '-c',
          "import os\ntry:\n open('/app/x','w'); ro=False\nexcept OSError as e:\n ro=e.errno in (13,30)\nopen('/tmp/x','w').write('ok')\nprint('ro' if ro else 'rw', os.getuid())",
        ]
      : [
          '-e',
          `const fs=require('fs');let ro=false;try{fs.writeFileSync('/app/x','')}catch(e){ro=e.code==='EROFS'||e.code==='EACCES'}fs.writeFileSync('/tmp/x','ok');console.log(ro?'ro':'rw', process.getuid())`,
        ];
    const out = docker(['exec', name, interpreter, ...probe]);
    if (out !== `ro ${sc.runAsUser}`) problems.push(`in-container check said "${out}"`);
  }
  return report(
    problems.length === 0,
    `${w.name}: runs as ${sc.runAsUser}, read-only root, cap-drop ALL, no-new-privileges`,
    problems.join('; '),
  );
}

/** Where the world reaches the stage: the host port of the workload behind Service `fig`. */
function frontDoor(
  objects: K8sObject[],
  state: State,
): { url: string; detail: string } | { detail: string } {
  const door = named(objects, 'Service', 'fig');
  if (!door) return { detail: 'no Service fig was rendered' };
  const behind = selectedBy(objects, door.spec.selector)[0];
  if (!behind)
    return { detail: `Service fig selects no workload (${JSON.stringify(door.spec.selector)})` };
  const name = `fig-delivery-${behind.name}`;
  const containerPort = String(door.spec.ports[0].port);
  const port = state.ports[name]?.[containerPort];
  if (!port) {
    const running = docker(['inspect', '-f', '{{.State.Status}}', name]);
    return {
      detail: `${name} (${running}) has no host port for ${containerPort}: ${JSON.stringify(state.ports[name] ?? {})}`,
    };
  }
  return { url: `http://127.0.0.1:${port}`, detail: `${behind.name} on http://127.0.0.1:${port}` };
}

async function up(target: string, statePath: string) {
  const objects = rendered(target);
  const network = `fig-delivery-${target.replace(/[^a-z0-9-]/g, '-')}`.slice(0, 60);
  const state: State = { target, network, containers: [], volumes: [], ports: {} };
  writeFileSync(statePath, JSON.stringify(state));
  docker(['network', 'create', '--label', 'fig.delivery=1', network]);
  const scratch = mkdtempSync(path.join(tmpdir(), 'fig-delivery-pods-'));
  // Data stores first, as the kubelet would eventually converge to anyway.
  const all = workloads(objects).sort(
    (a, b) => Number(b.kind === 'StatefulSet') - Number(a.kind === 'StatefulSet'),
  );
  let ok = true;
  for (const w of all) {
    const args = runArgs(objects, w, state, scratch);
    writeFileSync(statePath, JSON.stringify(state));
    docker(args);
    const name = `fig-delivery-${w.name}`;
    state.ports[name] = publishedPorts(name);
    writeFileSync(statePath, JSON.stringify(state));
  }
  for (const w of all) {
    const name = `fig-delivery-${w.name}`;
    for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const spec = w.containers[0]?.[kind] as ProbeSpec | undefined;
      if (!spec) continue;
      const r = await probeUntil(w, name, state.ports[name] ?? {}, kind, spec);
      ok = report(r.ok, `${w.name}: ${kind} answers as the manifest defines it`, r.detail) && ok;
      if (!r.ok) console.log(docker(['logs', '--tail', '30', name]));
    }
    ok = hardening(w, name) && ok;
  }
  const door = frontDoor(objects, state);
  if ('url' in door) state.frontDoor = door.url;
  ok = report('url' in door, `the front door (Service fig) is published: ${door.detail}`) && ok;
  writeFileSync(statePath, JSON.stringify(state));
  process.exitCode = ok ? 0 : 1;
}

function down(statePath: string) {
  let state: State;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8'));
  } catch {
    return;
  }
  for (const c of state.containers) {
    try {
      docker(['rm', '-f', '-v', c], { quiet: true });
    } catch {
      /* already gone */
    }
  }
  for (const v of state.volumes) {
    try {
      docker(['volume', 'rm', '-f', v], { quiet: true });
    } catch {
      /* already gone */
    }
  }
  try {
    docker(['network', 'rm', state.network], { quiet: true });
  } catch {
    /* already gone */
  }
}

/** The container logs of a run, for a failed check's report (issue 12 reuses it). */
function logs(statePath: string) {
  const state: State = JSON.parse(readFileSync(statePath, 'utf8'));
  for (const c of state.containers) {
    console.log(`----- ${c}`);
    try {
      console.log(docker(['logs', '--tail', '50', c]));
    } catch (err) {
      console.log((err as Error).message);
    }
  }
}

const [cmd, a, b] = process.argv.slice(2);
if (cmd === 'up' && a && b)
  up(a, b).catch((err) => {
    console.error(err);
    process.exitCode = 2;
  });
else if (cmd === 'down' && a) down(a);
else if (cmd === 'logs' && a) logs(a);
else {
  console.error(
    'usage: containers up <target> <state.json> | down <state.json> | logs <state.json>',
  );
  process.exitCode = 64;
}
