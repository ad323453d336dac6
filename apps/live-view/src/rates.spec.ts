import { RateWindow, sampleCounters } from './rates';

/** A gateway exposition with `v1` and `v2` counts of the `web` upstream, and one mirrored route. */
function exposition(v1: number, v1Errors: number, v2: number, match: number, mismatch: number) {
  return `# HELP gateway_requests_total Requests answered, by route, upstream, upstream version and status
# TYPE gateway_requests_total counter
gateway_requests_total{route="home",upstream="web",version="v1",status_code="200"} ${v1 - v1Errors}
gateway_requests_total{route="home",upstream="web",version="v1",status_code="503"} ${v1Errors}
gateway_requests_total{route="api",upstream="web-v2",version="v2",status_code="200"} ${v2}
# HELP gateway_shadow_total Mirrored requests by route and result
# TYPE gateway_shadow_total counter
gateway_shadow_total{route="entries-read",result="match"} ${match}
gateway_shadow_total{route="entries-read",result="mismatch"} ${mismatch}
# HELP gateway_request_duration_seconds Time
# TYPE gateway_request_duration_seconds histogram
gateway_request_duration_seconds_bucket{route="home",upstream="web",version="v1",le="+Inf"} ${v1}
gateway_request_duration_seconds_sum{route="home",upstream="web",version="v1"} 1
gateway_request_duration_seconds_count{route="home",upstream="web",version="v1"} ${v1}
`;
}

describe('sampleCounters', () => {
  it('sums requests per upstream and version over routes and statuses, and counts 5xx as errors', () => {
    const s = sampleCounters(exposition(30, 4, 10, 7, 2), 0);
    expect(Object.fromEntries(s.requests)).toEqual({ 'web\tv1': 30, 'web-v2\tv2': 10 });
    expect(Object.fromEntries(s.errors)).toEqual({ 'web\tv1': 4, 'web-v2\tv2': 0 });
    expect(Object.fromEntries(s.shadow)).toEqual({
      'entries-read\tmatch': 7,
      'entries-read\tmismatch': 2,
    });
  });

  it('reads an exposition without gateway series as no traffic', () => {
    const s = sampleCounters('# HELP up x\n# TYPE up gauge\nup 1\n', 0);
    expect(s.requests.size + s.errors.size + s.shadow.size).toBe(0);
  });
});

describe('RateWindow', () => {
  it('turns counter growth into requests and errors per second per version', () => {
    const w = new RateWindow(60_000);
    w.add(sampleCounters(exposition(100, 0, 0, 0, 0), 0));
    w.add(sampleCounters(exposition(120, 2, 10, 0, 0), 10_000));
    expect(w.seconds()).toBe(10);
    expect(w.rates()).toEqual([
      { upstream: 'web', version: 'v1', perSecond: 2, errorsPerSecond: 0.2 },
      { upstream: 'web-v2', version: 'v2', perSecond: 1, errorsPerSecond: 0 },
    ]);
  });

  it('forgets scrapes older than the window, so the rate follows the traffic', () => {
    const w = new RateWindow(10_000);
    w.add(sampleCounters(exposition(0, 0, 0, 0, 0), 0));
    w.add(sampleCounters(exposition(100, 0, 0, 0, 0), 10_000));
    w.add(sampleCounters(exposition(100, 0, 50, 0, 0), 20_000));
    expect(w.seconds()).toBe(10);
    expect(w.rates().map((r) => [r.version, r.perSecond])).toEqual([
      ['v1', 0],
      ['v2', 5],
    ]);
  });

  it('counts a gateway restart (counters back near zero) as growth, not as a negative rate', () => {
    const w = new RateWindow(60_000);
    w.add(sampleCounters(exposition(500, 0, 0, 0, 0), 0));
    w.add(sampleCounters(exposition(20, 0, 0, 0, 0), 10_000));
    expect(w.rates()[0]).toMatchObject({ version: 'v1', perSecond: 2 });
  });

  it('reports shadow matches and mismatches over the window and since the gateway started', () => {
    const w = new RateWindow(60_000);
    w.add(sampleCounters(exposition(0, 0, 0, 40, 1), 0));
    w.add(sampleCounters(exposition(0, 0, 0, 45, 4), 5_000));
    expect(w.shadow()).toEqual([
      {
        route: 'entries-read',
        match: 5,
        mismatch: 3,
        error: 0,
        totalMatch: 45,
        totalMismatch: 4,
      },
    ]);
  });

  it('reports no rate from a single scrape', () => {
    const w = new RateWindow();
    w.add(sampleCounters(exposition(100, 0, 0, 0, 0), 0));
    expect(w.seconds()).toBe(0);
    expect(w.rates().map((r) => r.perSecond)).toEqual([0, 0]);
  });
});
