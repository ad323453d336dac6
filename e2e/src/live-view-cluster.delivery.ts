import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { parseAllDocuments } from 'yaml';
import { loadCatalogue } from '@fig/stages';
import { closeAtEnd, startBundle, type RunningBundle } from '@fig/testing';
import { browserMissing, launchChromium, seriousAxeViolations } from './support/browser-harness';
import { deliveryTool, startControlPlane, type ControlPlane } from './support/control-plane';
import { openStream, traffic } from './support/live-view';
import { root } from './support/local-stage';

// The API server is the delivery work's own build (tools/delivery): without
// it (or without chromium) a developer is told what to build; in CI it fails.
const etcd = deliveryTool('etcd');
const apiserver = deliveryTool('kube-apiserver');
const missing = etcd.missing ?? apiserver.missing ?? browserMissing();
if (missing && process.env.CI === 'true') throw new Error(missing);
if (missing) console.warn(`live view cluster spec skipped: ${missing}`);
const describeWithCluster = missing ? describe.skip : describe;

const ns = '/api/v1/namespaces/fig';
const apps = '/apis/apps/v1/namespaces/fig';
const mergePatch = 'application/merge-patch+json';

/** The live view's own RBAC, exactly as k8s/base/live-view ships it. */
const rbac = parseAllDocuments(
  readFileSync(path.join(root, 'k8s/base/live-view/rbac.yaml'), 'utf8'),
).map((d) => d.toJS() as { kind: string; metadata: Record<string, unknown> });

const template = (version: string) => ({
  metadata: { labels: { 'app.kubernetes.io/name': 'frontend', version } },
  spec: {
    automountServiceAccountToken: false,
    containers: [{ name: 'app', image: `fig-frontend:${version}` }],
  },
});

/** A page server standing for one frontend version behind the gateway. */
async function frontendVersion(version: string): Promise<string> {
  const server = createServer((_req, res) => res.end(`frontend ${version}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeAtEnd(() => new Promise((resolve) => server.close(() => resolve(undefined))));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** The gateway's side of the same rollout: the pages split between v1 and v2. */
const rolloutRoutes = (v1: string, v2: string) => `version: 1
upstreams:
  frontend-v1: { version: v1, endpoints: ["${v1}"] }
  frontend-v2: { version: v2, endpoints: ["${v2}"] }
routes:
  - name: pages
    match: { prefix: / }
    split:
      targets:
        - { upstream: frontend-v1, weight: 67 }
        - { upstream: frontend-v2, weight: 33 }
`;

describeWithCluster('the live view against a real kube-apiserver', () => {
  let cp: ControlPlane;
  let gateway: RunningBundle;
  let liveView: RunningBundle;
  let browser: Browser;
  let token: string;
  let deploymentUid: string;

  /** A ReplicaSet of the frontend Deployment, as its controller would make it. */
  async function replicaSet(name: string, version: string, replicas: number) {
    const rs = await cp.api<{ metadata: { uid: string } }>('POST', `${apps}/replicasets`, {
      metadata: {
        name,
        labels: { 'app.kubernetes.io/name': 'frontend', version },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'frontend',
            uid: deploymentUid,
            controller: true,
          },
        ],
      },
      spec: {
        replicas,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'frontend', version } },
        template: template(version),
      },
    });
    return rs.metadata.uid;
  }

  /** A pod of a ReplicaSet, Running, Ready or not, as a kubelet would report it. */
  async function pod(
    name: string,
    version: string,
    rs: { name: string; uid: string },
    ready: boolean,
  ) {
    await cp.api('POST', `${ns}/pods`, {
      metadata: {
        name,
        labels: { 'app.kubernetes.io/name': 'frontend', version },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rs.name,
            uid: rs.uid,
            controller: true,
          },
        ],
      },
      spec: template(version).spec,
    });
    await setPodReady(name, ready);
  }

  const setPodReady = (name: string, ready: boolean) =>
    cp.api(
      'PATCH',
      `${ns}/pods/${name}/status`,
      {
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        },
      },
      mergePatch,
    );

  const setStatus = (path: string, status: Record<string, number>) =>
    cp.api('PATCH', `${path}/status`, { status }, mergePatch);

  beforeAll(async () => {
    [cp, browser] = await Promise.all([
      startControlPlane(etcd.path!, apiserver.path!),
      launchChromium(),
    ]);
    await cp.api('POST', '/api/v1/namespaces', { metadata: { name: 'fig' } });
    // No controller-manager: the accounts it would create are created here.
    for (const name of ['default', 'live-view'])
      await cp.api('POST', `${ns}/serviceaccounts`, { metadata: { name } });
    for (const doc of rbac)
      await cp.api(
        'POST',
        `/apis/rbac.authorization.k8s.io/v1/namespaces/fig/${doc.kind === 'Role' ? 'roles' : 'rolebindings'}`,
        doc,
      );
    // The token a pod of the live-view ServiceAccount would get.
    const request = await cp.api<{ status: { token: string } }>(
      'POST',
      `${ns}/serviceaccounts/live-view/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    );
    token = request.status.token;

    const deployment = await cp.api<{ metadata: { uid: string } }>('POST', `${apps}/deployments`, {
      metadata: {
        name: 'frontend',
        labels: { 'app.kubernetes.io/name': 'frontend', version: 'v1' },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'frontend' } },
        template: template('v1'),
      },
    });
    deploymentUid = deployment.metadata.uid;
    const v1 = { name: 'frontend-6d9f7c', uid: await replicaSet('frontend-6d9f7c', 'v1', 2) };
    await pod('frontend-6d9f7c-a1', 'v1', v1, true);
    await pod('frontend-6d9f7c-b2', 'v1', v1, true);
    await setStatus(`${apps}/replicasets/${v1.name}`, { replicas: 2, readyReplicas: 2 });
    await setStatus(`${apps}/deployments/frontend`, {
      replicas: 2,
      readyReplicas: 2,
      updatedReplicas: 2,
    });

    // A real gateway is watched too, as in a cluster: the picture is the whole page.
    const dir = mkdtempSync(path.join(tmpdir(), 'fig-live-cluster-'));
    closeAtEnd(async () => rmSync(dir, { recursive: true, force: true }));
    const routes = path.join(dir, 'routes.yaml');
    writeFileSync(routes, rolloutRoutes(await frontendVersion('v1'), await frontendVersion('v2')));
    gateway = await startBundle('gateway', {
      env: { GATEWAY_ROUTES: routes, ACCESS_LOG: 'false' },
    });
    liveView = await startBundle('live-view', {
      env: {
        GATEWAY_OPS_URL: gateway.ops,
        KUBECONFIG: cp.kubeconfigFor(token),
        KUBE_NAMESPACE: 'fig',
        STAGE: loadCatalogue(root).defaultStage.id,
        INTERVAL_MS: '200',
      },
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('reads with a Role that lets it watch Deployments, ReplicaSets and Pods, and nothing more', async () => {
    expect(await cp.statusAs(token, `${apps}/deployments?watch=false`)).toBe(200);
    expect(await cp.statusAs(token, `${ns}/secrets`)).toBe(403);
    expect(await cp.statusAs(token, '/apis/apps/v1/deployments')).toBe(403);
  });

  it('shows the Deployment, its ReplicaSet ready/desired, and its pods coloured by version', async () => {
    const stream = await openStream(liveView.base);
    // Each kind has its own informer: wait for all three, not only the pods.
    const doc = await stream.until(
      (d) =>
        d.cluster?.pods.length === 2 &&
        d.cluster.replicaSets.length === 1 &&
        d.cluster.deployments.length === 1,
      'the Deployment, its ReplicaSet and two pods',
    );
    expect(doc.problems).toEqual([]);
    expect(doc.cluster!.deployments).toEqual([
      expect.objectContaining({ name: 'frontend', ready: 2, desired: 2 }),
    ]);
    expect(doc.cluster!.replicaSets).toEqual([
      expect.objectContaining({ name: 'frontend-6d9f7c', version: 'v1', ready: 2, desired: 2 }),
    ]);
    expect(doc.cluster!.pods.map((p) => [p.name, p.version, p.ready, p.owner])).toEqual([
      ['frontend-6d9f7c-a1', 'v1', true, 'frontend-6d9f7c'],
      ['frontend-6d9f7c-b2', 'v1', true, 'frontend-6d9f7c'],
    ]);
    stream.close();
  });

  it('follows a rolling update as it happens: a v2 pod turning ready, a v1 pod leaving', async () => {
    const stream = await openStream(liveView.base);
    await stream.until((d) => (d.cluster?.pods.length ?? 0) === 2, 'the v1 pods');

    const v2 = { name: 'frontend-84b5d2', uid: await replicaSet('frontend-84b5d2', 'v2', 1) };
    await pod('frontend-84b5d2-c3', 'v2', v2, false);
    const surging = await stream.until(
      (d) => d.cluster!.pods.some((p) => p.version === 'v2'),
      'the new pod',
    );
    expect(surging.cluster!.pods.find((p) => p.version === 'v2')).toMatchObject({ ready: false });

    await setPodReady('frontend-84b5d2-c3', true);
    await setStatus(`${apps}/replicasets/${v2.name}`, { replicas: 1, readyReplicas: 1 });
    await cp.api(
      'PATCH',
      `${apps}/replicasets/frontend-6d9f7c`,
      { spec: { replicas: 1 } },
      mergePatch,
    );
    await cp.api('DELETE', `${ns}/pods/frontend-6d9f7c-b2`);
    await setStatus(`${apps}/replicasets/frontend-6d9f7c`, { replicas: 1, readyReplicas: 1 });
    const rolled = await stream.until(
      (d) =>
        d.cluster!.pods.length === 2 &&
        d.cluster!.pods.every((p) => p.ready) &&
        d.cluster!.replicaSets.every((rs) => rs.ready === 1),
      'one v1 and one v2 pod, both ready',
    );
    expect(rolled.cluster!.pods.map((p) => p.version).sort()).toEqual(['v1', 'v2']);
    stream.close();
  });

  it('draws a rollout in flight in Chromium: the old pod terminating, a new one not ready yet', async () => {
    // The next step of the rollout, held where a learner would watch it: the
    // last v1 pod kept terminating by a finalizer, a second v2 pod not ready.
    await cp.api(
      'PATCH',
      `${ns}/pods/frontend-6d9f7c-a1`,
      { metadata: { finalizers: ['fig.test/hold'] } },
      mergePatch,
    );
    await cp.api('DELETE', `${ns}/pods/frontend-6d9f7c-a1`);
    await cp.api(
      'PATCH',
      `${apps}/replicasets/frontend-6d9f7c`,
      { spec: { replicas: 0 } },
      mergePatch,
    );
    await setStatus(`${apps}/replicasets/frontend-6d9f7c`, { replicas: 1, readyReplicas: 0 });
    await cp.api(
      'PATCH',
      `${apps}/replicasets/frontend-84b5d2`,
      { spec: { replicas: 2 } },
      mergePatch,
    );
    const v2 = await cp.api<{ metadata: { uid: string } }>(
      'GET',
      `${apps}/replicasets/frontend-84b5d2`,
    );
    await pod('frontend-84b5d2-d4', 'v2', { name: 'frontend-84b5d2', uid: v2.metadata.uid }, false);
    await setStatus(`${apps}/deployments/frontend`, {
      replicas: 3,
      readyReplicas: 1,
      updatedReplicas: 2,
    });

    const stream = await openStream(liveView.base);
    await traffic(`${gateway.base}/`, 60);
    await stream.until(
      (d) => ['v1', 'v2'].every((v) => d.gateway?.rates.some((r) => r.version === v)),
      'both versions’ rates',
    );
    stream.close();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(liveView.base);
    await page.waitForSelector('#routes table');
    expect(await page.textContent('body')).not.toMatch(/No gateway is watched/);
    await page.waitForSelector('#cluster .pod.v-v1.terminating');
    await page.waitForSelector('#cluster .pod.v-v2.not-ready');
    expect(await page.isVisible('#cluster-section')).toBe(true);
    const colours = await page.evaluate(() => {
      // Serialised into the page; the DOM seen through the little this spec needs.
      const w = globalThis as unknown as {
        document: { querySelector(s: string): object };
        getComputedStyle(e: object): { backgroundColor: string };
      };
      return ['v-v1', 'v-v2'].map(
        (v) => w.getComputedStyle(w.document.querySelector(`#cluster .pod.${v}`)).backgroundColor,
      );
    });
    expect(colours).toEqual(['rgb(46, 125, 50)', 'rgb(21, 101, 192)']);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const dir = path.join(root, 'docs/workshop/img');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'live-view-cluster.png'), fullPage: true });
  });
});
