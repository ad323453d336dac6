import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogueFile, findRoot, loadCatalogue } from './catalogue';
import { hasStageTable, withStageTable } from './table';

const root = findRoot(__dirname);
const catalogue = loadCatalogue(root);
const tracked = () =>
  execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && existsSync(path.join(root, f)));

// Everything below fails when a stage or an app appears somewhere the catalogue
// (stages.yaml) does not know, so a new stage is a catalogue change plus its parts.
describe('the repository agrees with the stage catalogue', () => {
  it('knows every app under apps/, and every Fig service in the catalogue has one', () => {
    const services = [...catalogue.apps.values()].filter((a) => !a.dependency).map((a) => a.name);
    expect(readdirSync(path.join(root, 'apps')).sort()).toEqual(services.sort());
  });

  it('ships a gateway preset for exactly the stages that name one', () => {
    const presets = readdirSync(path.join(root, 'apps/gateway/routes'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''));
    const named = catalogue.stages.flatMap((s) => (s.preset ? [s.preset] : []));
    expect(presets.sort()).toEqual([...new Set(named)].sort());
  });

  it('lists each exercise component that exists', () => {
    const missing = catalogue.stages
      .flatMap((s) => s.exercises)
      .filter((e) => !existsSync(path.join(root, e, 'kustomization.yaml')));
    expect(missing).toEqual([]);
  });

  it('mentions no stage by a name the catalogue does not know, in any tracked file', () => {
    const known = new Set(catalogue.stages.map((s) => s.id));
    const unknown = tracked()
      // The catalogue's own specs, and the workshop's reference check, use
      // unknown names on purpose, to see them refused.
      .filter(
        (f) =>
          !f.endsWith('package-lock.json') &&
          !f.startsWith('libs/stages/src/') &&
          f !== 'tools/workshop/docs.spec.ts',
      )
      .flatMap((f) =>
        [
          ...readFileSync(path.join(root, f), 'utf8').matchAll(
            /\bstage-\d+[a-z]?(?:-[a-z][a-z0-9]*)*/g,
          ),
        ]
          .map((m) => m[0])
          .filter((name) => !known.has(name))
          .map((name) => `${f}: ${name}`),
      );
    expect(unknown).toEqual([]);
  });

  it('names the default stage in code only in the catalogue, its parts and what is checked against it', () => {
    const id = catalogue.defaultStage.id;
    // A stage's own directories (overlays, variants, presets, mesh policies)
    // are named for it; a stage built on another names the one it layers on.
    const ownParts = new RegExp(
      `(^|/)(${catalogue.stages.map((s) => s.id).join('|')})(/|\\.yaml$)`,
    );
    // Files that cannot read stages.yaml, each checked against it elsewhere.
    const cannotRead = [
      catalogueFile,
      'skaffold.yaml', // profiles and FIG_STAGE defaults: k8s/test/catalogue.spec.ts
      'istio/kustomization.yaml', // the mesh root is the default stage's: k8s/test/catalogue.spec.ts
      'k8s/node/deploy.sh', // a usage line
      'k8s/node/test-cluster.sh', // the single-node scenario's own choices (ADR 0120)
      'k8s/node/workshop.ts', // steps keyed by stage: k8s/test/catalogue.spec.ts
    ];
    const copies = tracked()
      .filter(
        (f) => !f.startsWith('docs/') && !f.endsWith('.md') && !f.endsWith('package-lock.json'),
      )
      .filter((f) => !ownParts.test(f) && !cannotRead.includes(f))
      .filter((f) => readFileSync(path.join(root, f), 'utf8').includes(id));
    expect(copies).toEqual([]);
  });

  it('starts only stages that resolve through the catalogue, wherever `--stage` is shown', () => {
    const problems = tracked()
      .filter(
        (f) =>
          /\.(md|ts|mjs|sh|yaml)$/.test(f) &&
          !f.startsWith('k8s/kind/') &&
          // plants an unknown `--stage` to see the workshop's reference check refuse it
          f !== 'tools/workshop/docs.spec.ts',
      )
      .flatMap((f) =>
        [...readFileSync(path.join(root, f), 'utf8').matchAll(/npm start -- --stage[ =]([\w-]+)/g)]
          .map((m) => m[1] as string)
          .filter((name) => {
            try {
              catalogue.resolve(name);
              return false;
            } catch {
              return true;
            }
          })
          .map((name) => `${f}: --stage ${name}`),
      );
    expect(problems).toEqual([]);
  });

  it.each(['README.md', 'docs/architecture.md'])(
    '%s shows the stage table generated from the catalogue (npm run docs:stages)',
    (doc) => {
      const text = readFileSync(path.join(root, doc), 'utf8');
      expect(hasStageTable(text)).toBe(true);
      expect(text).toBe(withStageTable(text, catalogue));
    },
  );
});
