import { createMetrics } from './metrics';

describe('createMetrics', () => {
  it('registers no gauge named like a counter (promtool refuses *_total gauges)', async () => {
    const text = await createMetrics({ service: 'svc', version: 'v1' }).registry.metrics();
    const misnamed = [...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)]
      .filter(([, name, type]) => type !== 'counter' && name!.endsWith('_total'))
      .map(([, name]) => name);
    expect(misnamed).toEqual([]);
    expect(text).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
  });
});
