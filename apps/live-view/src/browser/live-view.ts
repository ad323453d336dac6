// The live view's page script: one EventSource, a whole document first
// (`snapshot`), then JSON Patches (`patch`) applied to it, and the page redrawn
// from the document. Every text goes in through textContent, never as HTML.
import { applyPatch, type Operation } from 'fast-json-patch';
import type { ClusterView, GatewayView, LiveView, MigrationView } from '../view';

type Child = Node | string;

function el(tag: string, attrs: Record<string, string> = {}, children: Child[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** `v-v2` for v2, v2.1 or v2.0.3; `v-other` for anything else. */
function versionClass(version: string): string {
  const major = /^v[123]\b/.exec(version)?.[0];
  return major ? `v-${major}` : 'v-other';
}

function table(head: string[], rows: Child[][]): HTMLElement {
  return el('table', {}, [
    el('thead', {}, [
      el(
        'tr',
        {},
        head.map((h) => el('th', { scope: 'col' }, [h])),
      ),
    ]),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          r.map((c) => el('td', {}, [c])),
        ),
      ),
    ),
  ]);
}

/** A bar as wide as `percent` of its cell; set through the CSSOM, which no CSP governs. */
function bar(colour: string, percent: number): HTMLElement {
  const node = el('div', { class: `bar ${colour}`, role: 'presentation' });
  node.style.width = `${Math.round(percent)}%`;
  return node;
}

function fill(id: string, ...children: Child[]) {
  document.getElementById(id)?.replaceChildren(...children);
}

function empty(text: string): HTMLElement {
  return el('p', { class: 'muted' }, [text]);
}

function renderGateway(g: GatewayView | null) {
  if (!g) {
    const none = 'No gateway is watched here (stage 0 has none; elsewhere set GATEWAY_OPS_URL).';
    for (const id of ['routes', 'upstreams', 'traffic', 'shadow']) fill(id, empty(none));
    return;
  }
  const versionOf = new Map(g.upstreams.map((u) => [u.name, u.version]));
  const upstreamChip = (name: string) =>
    el('span', { class: `chip ${versionClass(versionOf.get(name) ?? '')}` }, [name]);
  fill(
    'routes',
    table(
      ['route', 'match', 'to', 'mirror'],
      g.routes.map((r) => [
        r.name,
        el('code', {}, [r.match]),
        el('span', {}, [
          ...r.upstreams.map(upstreamChip),
          // A split or a choice also says how: the weights, the header or cookie.
          r.upstreams.length === 1 ? '' : el('span', { class: 'muted' }, [r.action]),
        ]),
        r.mirror ?? '–',
      ]),
    ),
    el('p', { class: 'muted' }, [`table ${g.tableVersion}`]),
  );
  fill(
    'upstreams',
    table(
      ['upstream', 'version', 'breaker', 'endpoints'],
      g.upstreams.map((u) => [
        u.name,
        el('span', { class: `chip ${versionClass(u.version)}` }, [u.version]),
        el('span', { class: `state-${u.breaker}` }, [u.breaker]),
        el(
          'span',
          {},
          u.endpoints.map((e) => {
            const state = e.ejected ? 'ejected' : e.healthy ? 'healthy' : 'unhealthy';
            const down = state === 'healthy' ? '' : ' down';
            return el('span', { class: `endpoint ${versionClass(u.version)}${down}` }, [
              `${e.url.replace(/^https?:\/\//, '')} ${state} · ${e.pending} pending`,
            ]);
          }),
        ),
      ]),
    ),
  );
  const top = Math.max(1, ...g.rates.map((r) => r.perSecond));
  fill(
    'traffic',
    g.rates.length
      ? table(
          ['upstream', 'version', 'req/s', '5xx/s', ''],
          g.rates.map((r) => [
            r.upstream,
            el('span', { class: `chip ${versionClass(r.version)}` }, [r.version]),
            r.perSecond.toFixed(2),
            el('span', { class: r.errorsPerSecond > 0 ? 'bad' : '' }, [
              r.errorsPerSecond.toFixed(2),
            ]),
            bar(versionClass(r.version), (100 * r.perSecond) / top),
          ]),
        )
      : empty('No requests yet.'),
  );
  fill(
    'shadow',
    g.shadow.length
      ? table(
          ['route', 'match', 'mismatch', 'error', 'since start'],
          g.shadow.map((s) => [
            s.route,
            String(s.match),
            el('span', { class: s.mismatch > 0 ? 'bad' : '' }, [String(s.mismatch)]),
            String(s.error),
            `${s.totalMatch} match · ${s.totalMismatch} mismatch`,
          ]),
        )
      : empty('No mirrored route has been compared.'),
  );
}

function renderMigrations(migrations: MigrationView[] | null) {
  const section = document.getElementById('migrations-section');
  if (section) section.hidden = migrations === null;
  if (!migrations) return;
  fill(
    'migrations',
    migrations.length
      ? table(
          ['route', 'state', 'step', 'gates', 'last change'],
          migrations.map((m) => {
            const last = m.history[m.history.length - 1];
            return [
              m.route,
              m.state,
              `${m.step.index} ${m.step.name} (${m.step.percent}%)`,
              el(
                'span',
                {},
                m.gates.map((gate) =>
                  el('span', { class: gate.ok ? 'chip' : 'chip bad' }, [
                    `${gate.ok ? '✓' : '✗'} ${gate.name} ${gate.value ?? '–'}/${gate.threshold}`,
                  ]),
                ),
              ),
              last ? `${last.from} → ${last.to}: ${last.reason}` : '–',
            ];
          }),
        )
      : empty('No migration running.'),
  );
}

function renderCluster(cluster: ClusterView | null) {
  const section = document.getElementById('cluster-section');
  if (section) section.hidden = cluster === null;
  if (!cluster) return;
  const podsOf = (rs: string) => cluster.pods.filter((p) => p.owner === rs);
  const rows = cluster.deployments.map((d) =>
    el('div', {}, [
      el('h3', {}, [`${d.name} ${d.ready}/${d.desired} ready, ${d.updated} updated`]),
      ...cluster.replicaSets
        .filter((rs) => rs.owner === d.name && (rs.desired > 0 || podsOf(rs.name).length))
        .map((rs) =>
          el('div', {}, [
            el('p', {}, [
              el('span', { class: `chip ${versionClass(rs.version)}` }, [rs.version]),
              ` ${rs.name} ${rs.ready}/${rs.desired}`,
            ]),
            ...podsOf(rs.name).map((p) =>
              el(
                'span',
                {
                  class: `pod ${versionClass(p.version)}${p.ready ? '' : ' not-ready'}${p.terminating ? ' terminating' : ''}`,
                },
                [
                  `${p.name} ${p.terminating ? 'terminating' : p.ready ? 'ready' : `not ready (${p.phase})`}`,
                ],
              ),
            ),
          ]),
        ),
    ]),
  );
  fill('cluster', el('p', { class: 'muted' }, [`namespace ${cluster.namespace}`]), ...rows);
}

function render(view: LiveView) {
  fill('stage', view.stage);
  fill(
    'updated',
    `updated ${new Date().toLocaleTimeString()} · rates over ${view.windowSeconds} s`,
  );
  fill('problems', ...view.problems.map((p) => el('p', {}, [`${p.source}: ${p.message}`])));
  renderGateway(view.gateway);
  renderMigrations(view.migrations);
  renderCluster(view.cluster);
  document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
}

let view: LiveView | undefined;
const events = new EventSource('/events');
events.addEventListener('snapshot', (e) => {
  view = JSON.parse((e as MessageEvent<string>).data) as LiveView;
  render(view);
});
events.addEventListener('patch', (e) => {
  if (!view) return;
  const ops = JSON.parse((e as MessageEvent<string>).data) as Operation[];
  view = applyPatch(view, ops, false, true).newDocument;
  render(view);
});
events.addEventListener('error', () => fill('updated', 'reconnecting…'));
