import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { closeAtEnd, freePort, startProcess, waitFor } from '@fig/testing';
import { root } from './local-stage';

/**
 * The pinned etcd or kube-apiserver the delivery work builds
 * (tools/delivery/lib.sh `tool_path`), or why it is not there.
 */
export function deliveryTool(name: 'etcd' | 'kube-apiserver'): { path?: string; missing?: string } {
  const file = execFileSync(
    'bash',
    ['-c', `source tools/delivery/lib.sh >/dev/null && tool_path ${name}`],
    {
      cwd: root,
    },
  )
    .toString()
    .trim();
  if (existsSync(file)) return { path: file };
  return { missing: `${file} is not built: bash tools/delivery/build-tools.sh etcd kubernetes` };
}

export interface ControlPlane {
  url: string;
  dir: string;
  caFile: string;
  /** Calls the API as a cluster admin (system:masters); rejects on an error status. */
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T>;
  /** Calls the API with a bearer token; resolves with the status code. */
  statusAs(token: string, path: string): Promise<number>;
  /** A kubeconfig file that authenticates with `token`. */
  kubeconfigFor(token: string): string;
}

function openssl(dir: string, ...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** `<name>.key` and `<name>.crt` for `subject`, signed by the test CA with the given extensions. */
function signed(dir: string, name: string, subject: string, extensions: string[]) {
  openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    subject,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  writeFileSync(path.join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}

/** A CA, the API server's certificate (127.0.0.1), an admin client certificate, the service-account key pair. */
function makeCertificates(dir: string) {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=fig-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  signed(dir, 'apiserver', '/CN=kube-apiserver', [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'extendedKeyUsage=serverAuth',
  ]);
  signed(dir, 'admin', '/CN=fig-admin/O=system:masters', ['extendedKeyUsage=clientAuth']);
  openssl(dir, 'genrsa', '-out', 'sa.key', '2048');
  openssl(dir, 'rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}

/**
 * etcd and a real kube-apiserver with RBAC on free loopback ports, in a
 * folder of their own (never the delivery work's shared cluster), stopped
 * when the spec file ends. No controllers or kubelet: the spec writes the
 * objects and their status itself, which is all an API reader sees anyway.
 */
export async function startControlPlane(etcd: string, apiserver: string): Promise<ControlPlane> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fig-apiserver-'));
  closeAtEnd(async () => rmSync(dir, { recursive: true, force: true }));
  makeCertificates(dir);
  const [client, peer, secure] = await Promise.all([freePort(), freePort(), freePort()]);
  await startProcess({
    command: etcd,
    args: [
      '--data-dir',
      path.join(dir, 'etcd'),
      '--listen-client-urls',
      `http://127.0.0.1:${client}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${client}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peer}`,
    ],
    readyUrl: `http://127.0.0.1:${client}/health`,
    readyTimeoutMs: 30_000,
  });
  const file = (name: string) => path.join(dir, name);
  await startProcess({
    command: apiserver,
    args: [
      '--etcd-servers',
      `http://127.0.0.1:${client}`,
      '--bind-address',
      '127.0.0.1',
      '--advertise-address',
      '127.0.0.1',
      '--secure-port',
      String(secure),
      '--tls-cert-file',
      file('apiserver.crt'),
      '--tls-private-key-file',
      file('apiserver.key'),
      '--client-ca-file',
      file('ca.crt'),
      '--service-account-issuer',
      'https://kubernetes.default.svc',
      '--service-account-key-file',
      file('sa.pub'),
      '--service-account-signing-key-file',
      file('sa.key'),
      '--service-cluster-ip-range',
      '10.96.0.0/16',
      '--authorization-mode',
      'RBAC',
      '--cert-dir',
      dir,
    ],
  });
  const url = `https://127.0.0.1:${secure}`;
  const ca = readFileSync(file('ca.crt'));
  const admin = new Agent({
    connect: { ca, cert: readFileSync(file('admin.crt')), key: readFileSync(file('admin.key')) },
  });
  const anonymous = new Agent({ connect: { ca } });
  closeAtEnd(() => Promise.all([admin.close(), anonymous.close()]).then(() => undefined));

  const api: ControlPlane['api'] = async (
    method,
    apiPath,
    body,
    contentType = 'application/json',
  ) => {
    const res = await request(`${url}${apiPath}`, {
      method: method as 'GET',
      dispatcher: admin,
      headers: { 'content-type': contentType },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${apiPath}: ${res.statusCode} ${text}`);
    return JSON.parse(text);
  };
  // Ready once its post-start hooks (RBAC's bootstrap roles among them) have run.
  await waitFor(
    async () => {
      const res = await request(`${url}/readyz`, { dispatcher: admin });
      return res.statusCode === 200 && (await res.body.text()) === 'ok';
    },
    { timeoutMs: 90_000, intervalMs: 500, what: 'kube-apiserver /readyz' },
  );

  return {
    url,
    dir,
    caFile: file('ca.crt'),
    api,
    async statusAs(token, apiPath) {
      const res = await request(`${url}${apiPath}`, {
        dispatcher: anonymous,
        headers: { authorization: `Bearer ${token}` },
      });
      await res.body.dump();
      return res.statusCode;
    },
    kubeconfigFor(token) {
      const kubeconfig = file(`kubeconfig-${Math.random().toString(36).slice(2)}`);
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'test', cluster: { server: url, 'certificate-authority': file('ca.crt') } },
          ],
          users: [{ name: 'live-view', user: { token } }],
          contexts: [
            { name: 'test', context: { cluster: 'test', user: 'live-view', namespace: 'fig' } },
          ],
          'current-context': 'test',
        }),
      );
      return kubeconfig;
    },
  };
}
