/** One sample of the Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses the text format prom-client serves (comments skipped, no
 * timestamps needed). Small enough to own: the npm parsers for it are
 * unmaintained, and the controller reads only counters and histogram buckets.
 */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const m = line.exec(raw);
    if (!m || raw.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(label))
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sums the samples of `name` whose labels include every pair of `where` (and pass `keep`). */
export function sum(
  samples: readonly Sample[],
  name: string,
  where: Record<string, string>,
  keep: (labels: Record<string, string>) => boolean = () => true,
): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name || !keep(s.labels)) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** Cumulative bucket counts of a histogram (`le` → count), summed over matching series. */
export function buckets(
  samples: readonly Sample[],
  name: string,
  where: Record<string, string>,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    if (!Object.entries(where).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/**
 * The q-quantile of the observations between two scrapes of a histogram, as
 * PromQL's histogram_quantile does it: linear within the bucket it falls in.
 * Undefined when nothing was observed.
 */
export function quantileBetween(
  before: Map<number, number>,
  after: Map<number, number>,
  q: number,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! < rank) continue;
    const upper = bounds[i]!;
    const lower = i > 0 ? bounds[i - 1]! : 0;
    // Beyond the last finite bucket the best one can say is its bound.
    if (upper === Infinity) return lower;
    const below = i > 0 ? counts[i - 1]! : 0;
    const inBucket = counts[i]! - below;
    return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
  }
  return bounds.at(-2);
}
