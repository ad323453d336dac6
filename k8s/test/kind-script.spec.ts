import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromRoot } from './support/paths';
import { catalogue } from './support/render';

const script = fromRoot('k8s/kind/e2e.sh');

/**
 * Runs the kind script against stand-ins for kind, kubectl, skaffold, docker,
 * npm (and istioctl when asked) that record how they were called: the script's
 * order of steps, its failure path and its clean-up, without a cluster.
 */
function runScript(args: string[], { e2eFails = false, istioctl = false, offline = false } = {}) {
  const bin = mkdtempSync(path.join(tmpdir(), 'fig-kind-stubs-'));
  const log = path.join(bin, 'calls.log');
  const stub = (name: string, body = '') =>
    writeFileSync(
      path.join(bin, name),
      `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\n`,
      { mode: 0o755 },
    );
  stub('kind');
  stub('docker');
  stub('skaffold');
  stub(
    'kubectl',
    [
      'if [[ "$*" == *"get pods -o name"* ]]; then echo pod/monolith-1; fi',
      // No internet: the metrics-server download fails.
      ...(offline ? ['if [[ "$*" == *"https://"* ]]; then exit 1; fi'] : []),
    ].join('\n'),
  );
  stub('npm', `echo "E2E_BASE_URL=$E2E_BASE_URL" >> "${log}"; exit ${e2eFails ? 1 : 0}`);
  if (istioctl) stub('istioctl');
  // Only the stand-ins and the basic tools: a real kubectl must not be reached.
  const run = spawnSync('bash', [script, ...args], {
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: bin },
    encoding: 'utf8',
  });
  const calls = readFileSync(log, { encoding: 'utf8', flag: 'a+' })
    .trim()
    .split('\n')
    .filter(Boolean);
  rmSync(bin, { recursive: true, force: true });
  return { status: run.status, calls, stderr: run.stderr };
}

const indexOf = (calls: string[], prefix: string) => calls.findIndex((c) => c.startsWith(prefix));

describe('k8s/kind/e2e.sh', () => {
  it('creates the cluster, deploys the profile, waits, tests through the NodePort and deletes the cluster', () => {
    const { status, calls } = runScript(['--profile', 'stage-1-facade']);
    expect(status).toBe(0);
    const steps = [
      'kind create cluster --config k8s/kind/cluster.yaml',
      'skaffold run --kube-context kind-fig -p stage-1-facade',
      'kubectl --context kind-fig -n fig wait --for=condition=Available deployment --all',
      'npm run e2e:deployed -w e2e',
      'E2E_BASE_URL=http://127.0.0.1:30080',
      'kind delete cluster --name fig',
    ].map((step) => indexOf(calls, step));
    expect(steps.every((i) => i >= 0)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
  });

  it('dumps pods, events and logs when the suite fails, still deletes the cluster, and fails', () => {
    const { status, calls } = runScript(['--profile', catalogue.defaultStage.id], {
      e2eFails: true,
    });
    expect(status).not.toBe(0);
    expect(calls).toEqual(
      expect.arrayContaining([
        'kubectl --context kind-fig -n fig get events --sort-by=.lastTimestamp',
        'kubectl --context kind-fig -n fig logs pod/monolith-1 --all-containers --prefix --tail=200',
        'kind delete cluster --name fig',
      ]),
    );
  });

  it('installs metrics-server for the HPAs before deploying, unless told not to', () => {
    const { calls } = runScript([]);
    const install = indexOf(
      calls,
      'kubectl --context kind-fig apply -f https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.8.1/components.yaml',
    );
    const patch = indexOf(
      calls,
      'kubectl --context kind-fig -n kube-system patch deployment metrics-server',
    );
    expect(install).toBeGreaterThan(indexOf(calls, 'kind create cluster'));
    expect(patch).toBeGreaterThan(install);
    expect(calls[patch]).toContain('--kubelet-insecure-tls');
    expect(indexOf(calls, 'skaffold run')).toBeGreaterThan(patch);

    const without = runScript(['--no-metrics-server']);
    expect(without.status).toBe(0);
    expect(without.calls.some((c) => c.includes('metrics-server'))).toBe(false);
  });

  it('goes on without metrics-server when it cannot be downloaded, and says so', () => {
    const { status, calls, stderr } = runScript([], { offline: true });
    expect(status).toBe(0);
    expect(stderr).toMatch(/optional: installing metrics-server/);
    expect(stderr).toMatch(/could not be installed .*continuing without it/);
    expect(calls.some((c) => c.includes('patch deployment metrics-server'))).toBe(false);
    expect(indexOf(calls, 'skaffold run')).toBeGreaterThan(-1);
    expect(indexOf(calls, 'npm run e2e:deployed')).toBeGreaterThan(-1);
  });

  it('keeps the cluster when asked', () => {
    const { status, calls } = runScript(['--keep']);
    expect(status).toBe(0);
    expect(indexOf(calls, 'kind delete')).toBe(-1);
  });

  it('installs Istio with the CNI agent for a mesh profile, and refuses one without istioctl', () => {
    const meshed = runScript(['--profile', 'istio', '--stage', 'stage-2-store'], {
      istioctl: true,
    });
    expect(meshed.status).toBe(0);
    expect(
      indexOf(
        meshed.calls,
        'istioctl --context kind-fig install -y --set profile=default --set components.cni.enabled=true',
      ),
    ).toBeGreaterThan(indexOf(meshed.calls, 'kind create cluster'));
    const refused = runScript(['--profile', 'istio']);
    expect(refused.status).toBe(1);
    expect(refused.calls).toEqual([]);
  });

  it('passes shellcheck', () => {
    let output = '';
    try {
      output = execFileSync('shellcheck', ['--severity=style', script], { encoding: 'utf8' });
    } catch (err) {
      const e = err as { code?: string; stdout?: string };
      if (e.code === 'ENOENT')
        throw new Error('shellcheck is not installed (apt-get install shellcheck)');
      output = e.stdout ?? String(err);
    }
    expect(output).toBe('');
  });
});
