import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findRoot, loadCatalogue, parseCatalogue, StageCatalogueError } from './catalogue';

const root = findRoot(__dirname);
const text = readFileSync(path.join(root, 'stages.yaml'), 'utf8');

/** The catalogue's problems as a list, or [] when it parses. */
function problemsOf(yaml: string): string[] {
  try {
    parseCatalogue(yaml);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(StageCatalogueError);
    expect((err as StageCatalogueError).code).toBe('STAGE_CATALOGUE_INVALID');
    return [...(err as StageCatalogueError).problems];
  }
}

describe('the stage catalogue', () => {
  const catalogue = loadCatalogue(root);

  it('resolves every stage by its id and by each alias, and names the choices for anything else', () => {
    for (const stage of catalogue.stages)
      for (const name of [stage.id, ...stage.aliases]) expect(catalogue.resolve(name)).toBe(stage);
    expect(() => catalogue.resolve('stage-3')).toThrow(
      expect.objectContaining({
        code: 'STAGE_UNKNOWN',
        message: expect.stringMatching(
          /unknown stage "stage-3": choose one of stage-0-monolith \| 0,/,
        ),
      }),
    );
  });

  it('turns calls into "client → server:port" edges with the ports of the apps table', () => {
    const stage = catalogue.resolve('1');
    expect(catalogue.edges(stage)).toEqual([
      'gateway → monolith:8081',
      'gateway → redis:6379',
      'live-view → gateway:9080',
      'live-view → world:443',
      'monolith → redis:6379',
      'world → gateway:8080',
      'world → live-view:8085',
    ]);
    expect(catalogue.workloads(stage)).toEqual(['gateway', 'live-view', 'monolith', 'redis']);
  });

  it('runs the platform (the live view) in every stage, after the stage’s own apps', () => {
    for (const stage of catalogue.stages)
      expect(catalogue.appsOf(stage)).toEqual([...stage.apps, 'live-view']);
    // Stage 0 has no gateway: the live view watches only the API server there.
    expect(catalogue.edges(catalogue.resolve('0'))).toContain('live-view → world:443');
    expect(catalogue.edges(catalogue.resolve('0')).join()).not.toMatch(/live-view → gateway/);
  });

  it('refuses a platform app that watches nothing it could read, or that a stage also lists', () => {
    const broken = text
      .replace('watches: [gateway, kube-api]', 'watches: [gateway, redis]')
      .replace('    apps: [monolith]\n', '    apps: [monolith, live-view]\n');
    expect(problemsOf(broken)).toEqual([
      'stages.yaml: platform.0.watches: redis is neither kube-api nor an app with an ops port',
      'stages.yaml: stages.stage-0-monolith.apps: live-view runs in every stage already (platform)',
    ]);
  });

  it('includes the parallel run, startable like any other stage', () => {
    expect(catalogue.resolve('2a')).toMatchObject({
      id: 'stage-2a-mirror-reads',
      preset: 'stage-2a-mirror-reads',
    });
  });

  it('refuses a call to an app the stage does not run, naming the stage and the call', () => {
    const broken = text.replace(
      '      - monolith -> redis\n    exercises: [k8s',
      '      - monolith -> store-svc\n    exercises: [k8s',
    );
    expect(broken).not.toBe(text);
    expect(problemsOf(broken)).toEqual([
      'stages.yaml: stages.stage-0-monolith.calls: monolith -> store-svc: store-svc does not run here',
    ]);
  });

  it('refuses an app the apps table does not know, a second stage with the same alias and an unknown default', () => {
    const broken = text
      .replace('apps: [monolith, gateway]', 'apps: [monolith, gateway, billing-svc]')
      .replace("aliases: ['2']", "aliases: ['1']")
      .replace(/^default: .*$/m, 'default: stage-9-nothing');
    expect(problemsOf(broken)).toEqual(
      expect.arrayContaining([
        'stages.yaml: stages.stage-1-facade.apps: billing-svc is not in apps',
        'stages.yaml: 1 names both stage-1-facade and stage-2-store',
        'stages.yaml: default: stage-9-nothing is not a stage',
      ]),
    );
  });

  it('refuses unknown keys and misspelt ids, with the path of each', () => {
    const broken = text.replace('  - id: stage-1-facade', '  - id: Stage1\n    colour: blue');
    expect(problemsOf(broken)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^stages\.yaml: stages\.1\.id: must look like stage-<n>/),
        expect.stringMatching(/^stages\.yaml: stages\.1: Unrecognized key: "colour"/),
      ]),
    );
  });

  it('refuses a stage that runs the gateway without a preset', () => {
    const broken = text.replace('preset: stage-1-facade', 'preset: null');
    expect(problemsOf(broken)).toEqual([
      'stages.yaml: stages.stage-1-facade.preset: a stage has a gateway preset exactly when it runs the gateway',
    ]);
  });
});
