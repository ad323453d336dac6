import { startFrontendTopology, type FrontendTopology } from './support/frontend-topology';
import { normaliser, send, steps, type Answer } from './support/frontend-parity';

/**
 * The frontend must be the monolith to a client: the same sequence of
 * requests, sent to each from the same empty state (each on its own Redis),
 * gets the same answers, status, content type, redirect and body, except for
 * ids, times and cursors (see normaliser) and the footer's service name.
 */
describe.each([
  ['scoring with the monolith’s model (stage 3)', false],
  ['scoring with model-svc over gRPC (stage 4)', true],
])('frontend parity with the monolith, %s', (_how, modelSvc) => {
  let topology: FrontendTopology;
  const answers: Record<'monolith' | 'frontend', Answer[]> = { monolith: [], frontend: [] };

  beforeAll(async () => {
    topology = await startFrontendTopology({ separateData: true, modelSvc });
    for (const target of ['monolith', 'frontend'] as const) {
      const normalise = normaliser();
      for (const step of steps) {
        answers[target].push(await send(topology[target].base, step, answers[target], normalise));
      }
    }
    // model-svc is a Python process: its start-up is bounded, just not tightly (testing's serviceCommand).
  }, 120_000);
  afterAll(() => topology?.stop());

  it.each(steps.map((step, i) => [step.name, i] as const))(
    'answers "%s" exactly as the monolith does',
    (_name, i) => {
      const { raw: _m, ...monolith } = answers.monolith[i]!;
      const { raw: _f, ...frontend } = answers.frontend[i]!;
      expect(frontend).toEqual(monolith);
    },
  );

  it('walked the data it meant to: entries, pages, a rejected form and both stats', () => {
    const at = (name: string) => answers.frontend[steps.findIndex((s) => s.name === name)]!;
    expect(at('create (trimmed, positive)').status).toBe(201);
    expect(at('repeat the Idempotency-Key').status).toBe(200);
    expect(at('form post (no JavaScript)')).toMatchObject({ status: 303, location: '/' });
    expect(at('form post, invalid').status).toBe(400);
    expect(at('last page via cursor').body).toMatchObject({
      entries: [{ author: 'Ada' }],
      nextCursor: null,
    });
    expect(at('stats after').body).toEqual({
      visits: 2,
      entries: 4,
      sentiment: { positive: 1, neutral: 2, negative: 1 },
    });
    const idOf = (name: string) => (at(name).body as { id: string }).id;
    expect(idOf('repeat the Idempotency-Key')).toBe(idOf('create with Idempotency-Key'));
    expect(at('the page').body).toMatchObject({
      visits: '2',
      entries: [
        'Dee [neutral] Posted from a plain form',
        'Cy [neutral] The meeting is on Tuesday',
        'Bob [negative] This is terrible and awful',
        'Ada [positive] What a wonderful, lovely day!',
      ],
    });
  });

  it('names itself at /api/info (the one answer that must differ)', async () => {
    const info = await (await fetch(`${topology.frontend.base}/api/info`)).json();
    expect(info).toEqual({ service: 'frontend', version: 'v1', pod: 'frontend-test' });
    const monolith = await (await fetch(`${topology.monolith.base}/api/info`)).json();
    expect(monolith).toEqual({
      service: 'monolith',
      version: 'v1',
      pod: 'monolith-test',
      model: 'v2',
    });
  });
});
