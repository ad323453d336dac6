import { parsePrometheus, type Sample } from '@fig/migration';

/**
 * Every gateway replica's /metrics, as one list of samples: counters of the
 * same series add up, which is what a rate over all replicas needs.
 */
export async function scrapeGateways(
  urls: readonly string[],
  timeoutMs = 2_000,
): Promise<Sample[]> {
  const texts = await Promise.all(
    urls.map(async (base) => {
      const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`${base}/metrics answered ${res.status}`);
      return res.text();
    }),
  );
  return texts.flatMap(parsePrometheus);
}

/** Whether every replica serves the route table of this version. */
export function servesVersion(samples: readonly Sample[], replicas: number, version: string) {
  const live = samples.filter((s) => s.name === 'gateway_route_table_info' && s.value === 1);
  return live.length === replicas && live.every((s) => s.labels['version'] === version);
}
