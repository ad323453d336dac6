import {
  renderChart,
  renderCharts,
  renderTable,
  replaceTable,
  tableEnd,
  tableStart,
  type BenchResults,
} from './report';
import { parseWrk } from './wrk';

const results: BenchResults = {
  generatedAt: '2026-12-02T10:00:00.000Z',
  machine: {
    cores: 2,
    cpu: 'Test CPU',
    node: 'v20.20.2',
    loadAverage: { before: [1.5, 1, 1], after: [2.25, 1, 1] },
  },
  failed: ['store-list'],
  benches: [
    {
      bench: 'startup',
      command: 'node dist/tools/bench/startup.js --rounds 5',
      cores: 2,
      rows: [
        {
          what: 'gateway: spawn → `/readyz` 200, tracing off / on',
          figure: '300 / 400 ms',
          baseline: '5.0× / 7.0× a bare `node:http` server (60 ms)',
          command: 'node dist/tools/bench/startup.js --rounds 5',
          ratios: [
            { label: 'gateway ready, tracing off', value: 5, target: 6 },
            { label: 'gateway ready, tracing on', value: 7, target: 6 },
          ],
        },
      ],
      data: {},
    },
    {
      bench: 'gateway',
      command: 'node dist/tools/bench/gateway/run.js',
      cores: 2,
      measuredAt: '2026-12-02T11:00:00.000Z',
      loadAverage: [3, 4],
      rows: [
        {
          what: 'a | pipe',
          figure: '28.7k req/s',
          baseline: '0.59× nginx',
          command: 'node dist/tools/bench/gateway/run.js',
        },
      ],
      data: {},
    },
  ],
};

describe('the README table drawn from results.json', () => {
  it('has one row per benchmark row with its baseline, command and core count', () => {
    const table = renderTable(results).split('\n');
    expect(table[0]).toBe('| what | figure | baseline in the same run | command | cores |');
    expect(table[2]).toBe(
      '| gateway: spawn → `/readyz` 200, tracing off / on | 300 / 400 ms | 5.0× / 7.0× a bare `node:http` server (60 ms) | `node dist/tools/bench/startup.js --rounds 5` | 2 |',
    );
    // A pipe in a figure would split the cell.
    expect(table[3]).toContain('| a \\| pipe |');
    // Each benchmark with the time and load of its own run (a gateway re-run alone here).
    expect(table.at(-1)).toContain(
      'startup: 2026-12-02 10:00 UTC (load average 1.5 before, 2.25 after); gateway: 2026-12-02 11:00 UTC (load average 3 before, 4 after)',
    );
    expect(table.at(-1)).toContain('Failed in the last run: store-list.');
  });

  it('replaces only what lies between the markers, and refuses a README without them', () => {
    const readme = `# Fig\n${tableStart}\nold table\n${tableEnd}\n\n## Next\n`;
    const next = replaceTable(readme, 'new table');
    expect(next).toBe(`# Fig\n${tableStart}\nnew table\n${tableEnd}\n\n## Next\n`);
    expect(replaceTable(next, 'new table')).toBe(next);
    expect(() => replaceTable('# Fig\n', 'x')).toThrow(/markers/);
  });
});

describe('the charts drawn from results.json', () => {
  it('draws one bar per ratio, coloured by whether it meets its target', () => {
    const svg = renderChart('startup <ratios>', [
      { label: 'met', value: 5, target: 6 },
      { label: 'missed', value: 7, target: 6 },
      { label: 'faster is better', value: 0.8, target: 0.7, higherIsBetter: true },
      { label: 'no target', value: 2 },
    ]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<title>startup &lt;ratios&gt;</title>');
    const fills = [
      ...svg.matchAll(/<rect x="\d+" y="[\d.]+" width="[\d.]+" height="\d+" fill="(#\w+)"/g),
    ].map((m) => m[1]);
    expect(fills).toEqual(['#2e7d32', '#c62828', '#2e7d32', '#999']);
    expect(svg).toContain('>7.00×</text>');
  });

  it('makes one chart per benchmark that has ratios', () => {
    expect(Object.keys(renderCharts(results))).toEqual(['startup']);
  });
});

describe('wrk output', () => {
  it('reads the rate, the percentiles in their units and every kind of error', () => {
    const out = [
      'Running 5s test @ http://127.0.0.1:8080/',
      '  Latency Distribution',
      '     50%  812.00us',
      '     75%    1.10ms',
      '     90%    1.50ms',
      '     99%    4.40ms',
      '  143210 requests in 5.00s, 20.1MB read',
      '  Socket errors: connect 0, read 2, write 1, timeout 3',
      '  Non-2xx or 3xx responses: 4',
      'Requests/sec:  28642.13',
    ].join('\n');
    expect(parseWrk(out)).toEqual({ rps: 28642.13, p50Ms: 0.812, p99Ms: 4.4, errors: 10 });
  });
});
