// Checks of exercises 10-12: canary and A/B of the model, the model upgrade's
// shadow comparison, resilience. They judge behaviour at the front door, so the
// same check holds whether the gateway's table or Istio splits the traffic.
import { formatSummary, runLoad } from '../load';
import type { Probe } from '../probe';

async function scoredBy(p: Probe, headers: Record<string, string> = {}): Promise<string> {
  const res = await p.json<{ model?: string }>(
    p.entry('/api/sentiment', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ text: 'What a lovely, happy day' }),
    }),
    'POST /api/sentiment',
  );
  return res.model ?? '(none)';
}

/** 10: either a weighted canary (both models answer) or an A/B split (the header or cookie picks v2). */
export async function canaryAb(p: Probe) {
  const plain = new Map<string, number>();
  for (let i = 0; i < 60; i++) {
    const model = await scoredBy(p);
    plain.set(model, (plain.get(model) ?? 0) + 1);
  }
  const shares = [...plain].map(([m, n]) => `${m} ×${n}`).join(', ');
  if (plain.size >= 2) {
    p.pass(`canary: 60 requests scored by ${shares}`);
    return;
  }
  const byHeader = await scoredBy(p, { 'x-fig-model': 'v2' });
  const byCookie = await scoredBy(p, { cookie: 'fig-model=v2' });
  p.expect(
    byHeader === 'v2' && byCookie === 'v2' && plain.has('v1'),
    `no split: 60 plain requests scored by ${shares}; with x-fig-model: v2 → ${byHeader}, with cookie fig-model=v2 → ${byCookie}`,
    p.track === 'local'
      ? 'npm start -- --stage 4 --model-v2 --routes apps/gateway/routes/model-rollout/canary-v2.yaml (or ab-v2.yaml)'
      : 'FIG_STRATEGY=canary FIG_STAGE=<your stage> skaffold dev -p strategy (or ab-test; k8s/variants/strategies)',
  );
  p.pass(`A/B: plain requests → ${shares}; header x-fig-model: v2 → v2; cookie fig-model=v2 → v2`);
}

/** 11: the candidate model scored mirrored requests beside the live one, and the differences are counted. */
export async function modelShadow(p: Probe) {
  const table = await p.routes();
  const mirrored = table.routes.filter((r) => r.match.path === '/api/sentiment' && r.mirror);
  const metrics = await p.metrics();
  const compared = (route: string) =>
    metrics.sum('gateway_shadow_total', { route, result: 'match' }) +
    metrics.sum('gateway_shadow_total', { route, result: 'mismatch' });
  const seen = metrics.values('gateway_shadow_total', 'route').filter((r) => compared(r) > 0);
  const sentiment = seen.filter((r) => /sentiment/.test(r));
  p.expect(
    mirrored.length || sentiment.length,
    'no sentiment route is mirrored to a candidate model',
    'npm start -- --stage 4 --model-v2 --routes apps/gateway/routes/model-rollout/mirror-v2.yaml (or --stage 3a)',
  );
  p.expect(
    sentiment.length,
    'no mirrored scoring has been compared yet',
    `score some texts: curl -X POST -H 'content-type: application/json' -d '{"text":"I love it"}' ${p.options.url}/api/sentiment`,
  );
  for (const route of sentiment) {
    const mismatch = metrics.sum('gateway_shadow_total', { route, result: 'mismatch' });
    const fields = metrics.values('gateway_shadow_differences_total', 'field', { route });
    p.pass(
      `${route}: ${compared(route)} scorings compared, ${mismatch} disagreed${fields.length ? ` (fields ${fields.join(', ')})` : ''}`,
    );
  }
}

/** 12: an endpoint failed and the gateway routed around it; now all are back and nothing fails. */
export async function resilience(p: Probe) {
  const metrics = await p.metrics();
  const ejections = metrics.sum('gateway_endpoint_ejections_total');
  const timeouts = metrics.sum('gateway_upstream_errors_total', { kind: 'timeout' });
  const connects = metrics.sum('gateway_upstream_errors_total', { kind: 'connect' });
  const retries = metrics.sum('gateway_retries_total');
  p.expect(
    ejections + timeouts + connects > 0,
    'the gateway has seen no endpoint fail yet',
    'step 3: freeze one frontend replica under load (kill -STOP <pid>), watch, then kill -CONT <pid>',
  );
  p.pass(
    `the gateway saw failures: ${timeouts} timeouts, ${connects} refused connections, ${retries} retries, ${ejections} ejections`,
  );
  const upstreams = await p.upstreams();
  const down = upstreams.flatMap((u) =>
    u.endpoints.filter((e) => e.ejected || e.healthy === false).map((e) => `${u.name} ${e.url}`),
  );
  const open = upstreams.filter((u) => u.breaker === 'open').map((u) => u.name);
  p.expect(
    down.length === 0 && open.length === 0,
    `not recovered yet: ${[...down, ...open.map((o) => `${o} breaker open`)].join(', ')}`,
    'resume the endpoint (kill -CONT <pid>) and wait for its ejection to end (10 s)',
  );
  p.pass('every endpoint is back in rotation and every breaker closed');
  const load = await runLoad({ url: p.options.url, seconds: 3, clients: 4, writes: false });
  p.expect(load.failed === 0, `under load: ${formatSummary(load)}`, 'is every replica answering?');
  p.pass(`3 s of load: ${formatSummary(load)}`);
}
