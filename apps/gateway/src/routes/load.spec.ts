import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRoutes, RouteFileError } from './load';

const valid = `version: 1
upstreams:
  monolith:
    endpoints: ["\${MONOLITH_URL}"]
routes:
  - name: all
    match: { prefix: / }
    proxy: { upstream: monolith }
`;

function problemsOf(
  text: string,
  env: Record<string, string> = { MONOLITH_URL: 'http://m:1' },
): readonly string[] {
  try {
    parseRoutes(text, 'routes.yaml', env);
  } catch (err) {
    if (err instanceof RouteFileError) return err.problems;
    throw err;
  }
  throw new Error('expected the file to be rejected');
}

describe('parseRoutes', () => {
  it('loads a valid file, substituting the environment, with a content version', () => {
    const loaded = parseRoutes(valid, 'routes.yaml', { MONOLITH_URL: 'http://monolith:8081' });
    expect(loaded.file.upstreams.monolith!.endpoints).toEqual(['http://monolith:8081']);
    expect(loaded.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('turns a comma-separated URL list into one endpoint per replica', () => {
    const loaded = parseRoutes(valid, 'routes.yaml', { MONOLITH_URL: 'http://a:1, http://b:2' });
    expect(loaded.file.upstreams.monolith!.endpoints).toEqual(['http://a:1', 'http://b:2']);
  });

  it('uses ${NAME:-fallback} and turns whole numeric and boolean references into values', () => {
    // Block style: a flow map ({ … }) cannot hold an unquoted \${…}.
    const text = valid.replace(
      '    endpoints:',
      '    healthCheck:\n      enabled: ${CHECKS:-true}\n      portOffset: ${OFFSET:-1000}\n    endpoints:',
    );
    const loaded = parseRoutes(text, 'routes.yaml', { MONOLITH_URL: 'http://m:1', OFFSET: '5' });
    expect(loaded.file.upstreams.monolith!.healthCheck).toMatchObject({
      enabled: true,
      portOffset: 5,
    });
  });

  it('reports a YAML syntax error with its line', () => {
    expect(
      problemsOf(valid.replace('    match: { prefix: / }', '    match: { prefix: / '))[0],
    ).toMatch(/^line \d+: /);
    expect(problemsOf('version: 1\nupstreams:\n  a: [\n')[0]).toMatch(/^line [34]:/);
  });

  it('reports an unknown key at the line of the typo', () => {
    expect(problemsOf(valid.replace('    proxy:', '    proxi:'))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line 8: routes\.0: Unrecognized key: "proxi"/),
      ]),
    );
  });

  it('reports a reference to an unknown upstream at its line', () => {
    expect(problemsOf(valid.replace('{ upstream: monolith }', '{ upstream: nowhere }'))).toEqual([
      'line 8: routes.0.proxy.upstream: no upstream named "nowhere"',
    ]);
  });

  it('reports an unset environment variable at its line', () => {
    expect(problemsOf(valid, {})).toEqual(
      expect.arrayContaining(['line 4: environment variable MONOLITH_URL is not set']),
    );
  });

  it('reports an unset variable once, not again as the empty value it leaves', () => {
    const text = valid.replace(
      '    proxy: { upstream: monolith }',
      '    transcode: { rpc: Score, model: "${MODEL_ADDR}" }',
    );
    expect(problemsOf(text)).toEqual(['line 8: environment variable MODEL_ADDR is not set']);
  });

  it('reports every problem at once', () => {
    const text = valid.replace('version: 1', 'version: 2').replace('prefix: /', 'prefix: nope');
    const problems = problemsOf(text);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line 1: version/),
        expect.stringMatching(/^line 7: routes\.0\.match\.prefix/),
      ]),
    );
  });

  it('refuses a route with two actions, or a mirror on unsafe methods', () => {
    expect(
      problemsOf(valid.replace('    proxy:', '    transcode: { rpc: GetStats }\n    proxy:')),
    ).toEqual([expect.stringMatching(/^line 6: routes\.0: give exactly one action/)]);
    const mirrored = valid.replace('    proxy:', '    mirror: { upstream: monolith }\n    proxy:');
    expect(problemsOf(mirrored)).toEqual([
      expect.stringMatching(/mirror needs methods GET\/HEAD only/),
    ]);
  });

  describe('mirroring a POST', () => {
    const route = (extra: string) => `version: 1
upstreams:
  monolith:
    endpoints: ["http://m:1"]
routes:
  - name: score
    match: { methods: [POST], path: /api/sentiment }
${extra}    proxy: { upstream: monolith }
    mirror: { transcode: { rpc: Score, model: "dns:///model-svc:50052" } }
`;

    it('is refused on a route that does not declare itself side-effect free, at the line of its methods', () => {
      expect(problemsOf(route(''))).toEqual([
        'line 7: routes.0.match.methods: mirror needs methods GET/HEAD only, or sideEffectFree: true on a route whose requests change nothing (a mirrored write would happen twice)',
      ]);
    });

    it('is refused when the route says its POSTs have side effects', () => {
      expect(problemsOf(route('    sideEffectFree: false\n'))).toEqual([
        expect.stringMatching(
          /^line 7: routes\.0\.match\.methods: mirror needs methods GET\/HEAD only/,
        ),
      ]);
    });

    it('is accepted on a route declared side-effect free', () => {
      const loaded = parseRoutes(route('    sideEffectFree: true\n'), 'routes.yaml', {});
      expect(loaded.file.routes[0]).toMatchObject({
        sideEffectFree: true,
        mirror: { transcode: { rpc: 'Score', model: 'dns:///model-svc:50052' } },
      });
    });

    it('refuses sideEffectFree on a route matching every method, at its line', () => {
      const text = route('    sideEffectFree: true\n').replace('methods: [POST], ', '');
      expect(problemsOf(text)).toEqual([
        'line 8: routes.0.sideEffectFree: sideEffectFree needs match.methods: name the methods that change nothing',
      ]);
    });
  });

  describe('transcoding to ModelService', () => {
    const score = (transcode: string) =>
      valid.replace('    proxy: { upstream: monolith }', `    transcode: ${transcode}`);

    it('needs a model target for Score, at its line', () => {
      expect(problemsOf(score('{ rpc: Score }'))).toEqual([
        'line 8: routes.0.transcode.model: Score needs model (a gRPC target)',
      ]);
    });

    it('refuses a model target that is not a gRPC target', () => {
      expect(problemsOf(score('{ rpc: Score, model: "http://model-svc:50052" }'))).toEqual([
        expect.stringMatching(/^line 8: routes\.0\.transcode\.model: must be a gRPC target/),
      ]);
    });

    it('scores new entries with either a scorer upstream or a model, not both', () => {
      expect(
        problemsOf(score('{ rpc: AddEntry, scorer: monolith, model: "model-svc:50052" }')),
      ).toEqual(['line 8: routes.0.transcode.model: give at most one of scorer or model']);
      const loaded = parseRoutes(
        score('{ rpc: AddEntry, model: "${MODEL_ADDR}" }'),
        'routes.yaml',
        { MONOLITH_URL: 'http://m:1', MODEL_ADDR: 'dns:///model-svc:50052' },
      );
      expect(loaded.file.routes[0]?.transcode).toEqual({
        rpc: 'AddEntry',
        model: 'dns:///model-svc:50052',
      });
    });
  });

  describe('the model rollout presets (stage 4 with model-svc v1 and v2)', () => {
    const dir = path.resolve(__dirname, '../../routes/model-rollout');
    const env = {
      FRONTEND_URL: 'http://frontend:8082',
      MODEL_ADDR: 'dns:///model-svc:50052',
      MODEL_V2_ADDR: 'dns:///model-svc-v2:50052',
    };
    const load = (file: string) =>
      parseRoutes(readFileSync(path.join(dir, file), 'utf8'), file, env).file;

    it('canary-v2 splits model calls by weight (90/10 unless told otherwise)', () => {
      const route = load('canary-v2.yaml').routes.find((r) => r.name === 'sentiment');
      expect(route?.transcode?.models).toEqual([
        { model: env.MODEL_ADDR, weight: 90 },
        { model: env.MODEL_V2_ADDR, weight: 10 },
      ]);
    });

    it('ab-v2 sends the x-fig-model: v2 header and the fig-model=v2 cookie to v2, everyone else to v1', () => {
      const routes = load('ab-v2.yaml').routes;
      const target = (name: string) => routes.find((r) => r.name === name)?.transcode?.model;
      expect(target('sentiment-v2-by-header')).toBe(env.MODEL_V2_ADDR);
      expect(target('sentiment-v2-by-cookie')).toBe(env.MODEL_V2_ADDR);
      expect(target('sentiment')).toBe(env.MODEL_ADDR);
      expect(target('entries-write-v2-by-header')).toBe(env.MODEL_V2_ADDR);
      expect(target('entries-write')).toBe(env.MODEL_ADDR);
    });

    it('mirror-v2 serves with v1 and mirrors only the side-effect-free route to v2', () => {
      const routes = load('mirror-v2.yaml').routes;
      const mirrored = routes.filter((r) => r.mirror);
      expect(mirrored.map((r) => [r.name, r.sideEffectFree, r.mirror?.transcode?.model])).toEqual([
        ['sentiment', true, env.MODEL_V2_ADDR],
      ]);
    });
  });

  describe('the stage presets', () => {
    const dir = path.resolve(__dirname, '../../routes');
    const presets = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

    // Which presets must exist is the stage catalogue's to say (stages.yaml,
    // checked in libs/stages); here each one must load.
    it.each(presets)(
      '%s is valid with the environment a deployment provides, and hard-codes no address',
      (file) => {
        const text = readFileSync(path.join(dir, file), 'utf8');
        expect(text).not.toMatch(/localhost|127\.0\.0\.1/);
        const env = {
          MONOLITH_URL: 'http://monolith:8081',
          FRONTEND_URL: 'http://frontend:8082',
          MODEL_ADDR: 'dns:///model-svc:50052',
        };
        expect(parseRoutes(text, file, env).file.routes.length).toBeGreaterThan(0);
      },
    );
  });
});
