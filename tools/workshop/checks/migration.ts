// Checks of exercises 6-9: the facade, the parallel run, transcoding, the extracted frontend.
import { randomUUID } from 'node:crypto';
import { Missing, type Probe } from '../probe';
import { ready } from './basics';

/** 6: the gateway fronts everything, every route still reaches the monolith, clients see no change. */
export async function facade(p: Probe) {
  const table = await p.routes();
  const elsewhere = table.routes.filter((r) => r.proxy?.upstream !== 'monolith').map((r) => r.name);
  p.expect(
    elsewhere.length === 0,
    `routes not sent to the monolith: ${elsewhere.join(', ')}`,
    'exercise 6 runs the stage-1-facade preset: npm start -- --stage 1',
  );
  p.pass(
    `the gateway's live table (${table.file}): ${table.routes.length} routes, all to the monolith`,
  );
  const page = await p.entry('/');
  const servedBy = page.headers.get('x-fig-served-by') ?? '';
  p.expect(
    page.status === 200 && servedBy.startsWith('monolith/'),
    `GET / through the gateway: ${page.status}, X-Fig-Served-By "${servedBy}"`,
    p.options.startHint,
  );
  const info = await p.info();
  p.expect(info.service === 'monolith', `GET /api/info says ${info.service}`, p.options.startHint);
  p.pass(
    `the page and the API come from the monolith through the gateway (X-Fig-Served-By: ${servedBy})`,
  );
  if (p.track === 'cluster') {
    await ready(p, 'gateway');
    const svc = await p.kubectl<{ spec: { selector: Record<string, string> } }>(
      'get',
      'service',
      'fig',
    );
    p.expect(
      svc.spec.selector['app.kubernetes.io/name'] === 'gateway',
      'service/fig (the front door) does not select the gateway',
      'deploy stage 1: skaffold dev -p stage-1-facade',
    );
    p.pass('service/fig, the one way in, now selects the gateway');
  }
}

/** 7: reads are mirrored to store-svc and compared; most agree, and the learner found a mismatch. */
export async function parallelRun(p: Probe) {
  const table = await p.routes();
  const mirrored = table.routes.filter((r) => r.mirror?.transcode).map((r) => r.name);
  p.expect(
    mirrored.length,
    'no route mirrors to store-svc',
    'exercise 7 runs stage 2a: npm start -- --stage 2a',
  );
  p.pass(`routes mirrored to store-svc: ${mirrored.join(', ')}`);
  const metrics = await p.metrics();
  const matches = metrics.sum('gateway_shadow_total', { result: 'match' });
  const mismatches = metrics.sum('gateway_shadow_total', { result: 'mismatch' });
  p.expect(
    matches > 0,
    'no mirrored read has been compared yet',
    `send reads: curl ${p.options.url}/api/entries (or npm run workshop -- load)`,
  );
  p.pass(`${matches} mirrored reads matched the monolith's answer`);
  p.expect(
    mismatches > 0,
    'no mismatch found yet',
    'step 3: read /api/stats while page views run (npm run workshop -- load --seconds 20) and watch gateway_shadow_total{result="mismatch"}',
  );
  const fields = metrics.values('gateway_shadow_differences_total', 'field');
  p.pass(`${mismatches} mismatches, in fields: ${fields.join(', ') || '(whole body)'}`);
}

/** 8: reads and writes are transcoded to store-svc, served, and the table was changed live. */
export async function transcoding(p: Probe) {
  const table = await p.routes();
  for (const name of ['entries-read', 'entries-write']) {
    const route = table.routes.find((r) => r.name === name);
    p.expect(
      route?.transcode,
      `route ${name} is not transcoded to store-svc`,
      'exercise 8 runs stage 2: npm start -- --stage 2 --routes .data/routes.yaml',
    );
  }
  p.pass('entries-read and entries-write are transcoded to store-svc (ListEntries, AddEntry)');
  const metrics = await p.metrics();
  for (const route of ['entries-read', 'entries-write']) {
    const served = metrics.sum('gateway_requests_total', { route });
    p.expect(
      served > 0,
      `no request served on ${route} yet`,
      `read and post entries through ${p.options.url} (step 2)`,
    );
    p.pass(`${served} requests served on ${route}`);
  }
  const reloads = metrics.sum('gateway_route_reloads_total', { result: 'loaded' });
  p.expect(
    reloads >= 3,
    `the route table was loaded ${reloads} time(s): not yet rolled back and forward`,
    'step 3: change entries-read back to proxy: { upstream: monolith } in your route file, save, then undo',
  );
  p.pass(`the route table was reloaded live ${reloads - 1} times (a roll-back and a roll-forward)`);
}

/** 9: the frontend serves page and API, and pushes a new entry to an open page over SSE. */
export async function frontend(p: Probe) {
  const info = await p.info();
  p.expect(
    info.service === 'frontend',
    `GET /api/info says ${info.service}`,
    'exercise 9 runs stage 3: npm start -- --stage 3',
  );
  p.pass(`the page and API come from ${info.service} ${info.version}`);
  const text = `live check ${randomUUID().slice(0, 8)}`;
  const seen = await liveEvent(p, text);
  p.expect(
    seen,
    'an entry posted was not pushed to the /live stream within 5 s',
    'is store-svc up? the frontend watches it (WatchEntries)',
  );
  p.pass(`an entry posted through the API reached an open /live stream`);
}

/** Opens /live, posts an entry, and waits for its event. */
async function liveEvent(p: Probe, text: string): Promise<boolean> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 5_000);
  try {
    const res = await fetch(new URL('/live', p.options.url), {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (res.status !== 200 || !res.body)
      throw new Missing(`GET /live answered ${res.status}`, p.options.startHint);
    const posted = p.entry('/api/entries', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ author: 'Workshop', text }),
    });
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      if (buffer.includes(text)) {
        await posted;
        return true;
      }
    }
    return false;
  } catch (err) {
    if (err instanceof Missing) throw err;
    if (abort.signal.aborted) return false;
    throw new Missing(`GET /live failed: ${(err as Error).message}`, p.options.startHint);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
