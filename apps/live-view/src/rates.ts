import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { ShadowView, VersionRate } from './view';

/** The gateway counters the page needs, summed to the keys it shows. */
export interface CounterSample {
  /** Milliseconds since the epoch when the scrape was taken. */
  at: number;
  /** `upstream\tversion` → requests answered; and those answered with 5xx. */
  requests: Map<string, number>;
  errors: Map<string, number>;
  /** `route\tresult` (match, mismatch, error) → mirrored comparisons. */
  shadow: Map<string, number>;
}

const key = (...parts: string[]) => parts.join('\t');

function add(map: Map<string, number>, k: string, value: number) {
  map.set(k, (map.get(k) ?? 0) + value);
}

/**
 * Reads a Prometheus text exposition (the gateway's /metrics) into the sums
 * the page shows. Series are summed over the labels the page does not show
 * (route and status for requests), so a new route or status code never
 * changes a key.
 */
export function sampleCounters(text: string, at: number): CounterSample {
  const sample: CounterSample = { at, requests: new Map(), errors: new Map(), shadow: new Map() };
  for (const family of parsePrometheusTextFormat(text)) {
    if (family.name === 'gateway_requests_total') {
      for (const m of family.metrics) {
        const { upstream = '', version = '', status_code: status = '' } = m.labels ?? {};
        const k = key(upstream, version);
        const value = Number(m.value);
        add(sample.requests, k, value);
        add(sample.errors, k, status.startsWith('5') ? value : 0);
      }
    } else if (family.name === 'gateway_shadow_total') {
      for (const m of family.metrics) {
        const { route = '', result = '' } = m.labels ?? {};
        add(sample.shadow, key(route, result), Number(m.value));
      }
    }
  }
  return sample;
}

/**
 * How much a counter grew from `before` to `after`. A smaller value means the
 * gateway restarted and counted from zero again (as Prometheus' increase()
 * assumes), so the new value is all growth.
 */
function increase(before: number | undefined, after: number): number {
  if (before === undefined) return 0;
  return after >= before ? after - before : after;
}

/**
 * The counters over a sliding window (a minute by default): each scrape is
 * kept until it is older than the window, and rates are the growth between
 * the oldest kept scrape and the newest, summed step by step so that a
 * restart in between loses nothing.
 */
export class RateWindow {
  private samples: CounterSample[] = [];

  constructor(private readonly windowMs = 60_000) {}

  add(sample: CounterSample) {
    this.samples.push(sample);
    // Keep one sample at or before the window's start, so the window is full once it can be.
    const start = sample.at - this.windowMs;
    while (this.samples.length > 2 && this.samples[1]!.at <= start) this.samples.shift();
  }

  /** Seconds between the oldest kept scrape and the newest. */
  seconds(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    return first && last ? (last.at - first.at) / 1000 : 0;
  }

  private growth(pick: (s: CounterSample) => Map<string, number>): Map<string, number> {
    const total = new Map<string, number>();
    for (let i = 1; i < this.samples.length; i++) {
      const before = pick(this.samples[i - 1]!);
      for (const [k, v] of pick(this.samples[i]!)) add(total, k, increase(before.get(k) ?? 0, v));
    }
    // Series seen in the window but idle in it still show, at zero.
    for (const s of this.samples) for (const k of pick(s).keys()) add(total, k, 0);
    return total;
  }

  /** Requests and 5xx per second for each upstream and version, sorted by name. */
  rates(): VersionRate[] {
    const seconds = this.seconds();
    const requests = this.growth((s) => s.requests);
    const errors = this.growth((s) => s.errors);
    const perSecond = (n: number) => (seconds > 0 ? round(n / seconds) : 0);
    return [...requests]
      .map(([k, n]) => {
        const [upstream = '', version = ''] = k.split('\t');
        return {
          upstream,
          version,
          perSecond: perSecond(n),
          errorsPerSecond: perSecond(errors.get(k) ?? 0),
        };
      })
      .sort((a, b) => a.upstream.localeCompare(b.upstream) || a.version.localeCompare(b.version));
  }

  /** Mirrored comparisons per route: over the window, and since the gateway started. */
  shadow(): ShadowView[] {
    const window = this.growth((s) => s.shadow);
    const latest = this.samples[this.samples.length - 1]?.shadow ?? new Map<string, number>();
    const routes = [...new Set([...window.keys()].map((k) => k.split('\t')[0]!))].sort();
    return routes.map((route) => ({
      route,
      match: window.get(key(route, 'match')) ?? 0,
      mismatch: window.get(key(route, 'mismatch')) ?? 0,
      error: window.get(key(route, 'error')) ?? 0,
      totalMatch: latest.get(key(route, 'match')) ?? 0,
      totalMismatch: latest.get(key(route, 'mismatch')) ?? 0,
    }));
  }
}

/** Two decimals: enough for a page, and stable enough that an idle page sends no diffs. */
function round(n: number): number {
  return Math.round(n * 100) / 100;
}
