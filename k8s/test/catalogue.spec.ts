import { readdirSync, readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { workshopStages } from '../node/workshop';
import { fromRoot } from './support/paths';
import { catalogue, stages } from './support/render';

const dirsIn = (dir: string) =>
  readdirSync(fromRoot(dir)).filter((d) => statSync(fromRoot(dir, d)).isDirectory());

// The stage catalogue (stages.yaml) is the one list of stages: a directory
// named for a stage it does not know, or a stage without its parts, fails here.
describe('the manifests follow the stage catalogue', () => {
  it('has exactly one overlay per stage', () => {
    expect(dirsIn('k8s/overlays').sort()).toEqual([...stages].sort());
  });

  it.each(['istio', 'observability', 'istio-observability'])(
    'has exactly one %s variant per stage, built on that stage’s overlay',
    (addon) => {
      expect(dirsIn(`k8s/variants/${addon}`).sort()).toEqual([...stages].sort());
      for (const stage of catalogue.stages) {
        const text = readFileSync(
          fromRoot('k8s/variants', addon, stage.id, 'kustomization.yaml'),
          'utf8',
        );
        expect(text).toContain(`../../../overlays/${stage.id}]`);
        if (addon.includes('istio')) expect(text).toContain(`istio/stages/${stage.istio}\n`);
      }
    },
  );

  it('gives the workshop’s steps on the node (k8s/node/workshop.ts) exactly the catalogue’s stages', () => {
    expect([...workshopStages].sort()).toEqual([...stages].sort());
  });

  it('has mesh policies for exactly the Istio stages the catalogue names', () => {
    expect(dirsIn('istio/stages').sort()).toEqual(
      [...new Set(catalogue.stages.map((s) => s.istio))].sort(),
    );
  });

  it('makes the istio/ root the mesh of the default stage', () => {
    const root = parse(readFileSync(fromRoot('istio/kustomization.yaml'), 'utf8'));
    expect(root.components).toEqual([`stages/${catalogue.defaultStage.istio}`]);
  });

  it('mounts exactly the gateway presets the stages use, each in its own overlay', () => {
    const presets = catalogue.stages.flatMap((s) => (s.preset ? [s.preset] : []));
    expect(dirsIn('k8s/base/gateway/routes').sort()).toEqual([...new Set(presets)].sort());
    for (const stage of catalogue.stages.filter((s) => s.preset)) {
      const text = readFileSync(fromRoot('k8s/overlays', stage.id, 'kustomization.yaml'), 'utf8');
      expect(text).toMatch(
        new RegExp(`(base/gateway/routes/${stage.preset}|^  - \\.\\./stage-)`, 'm'),
      );
    }
  });
});

describe('skaffold.yaml follows the stage catalogue', () => {
  const config = parse(readFileSync(fromRoot('skaffold.yaml'), 'utf8'), { merge: true });
  const source = readFileSync(fromRoot('skaffold.yaml'), 'utf8');

  it('selects artifacts by name: no profile patches the artifact list by position', () => {
    expect(source).not.toMatch(/\/build\/artifacts\/\d/);
  });

  it('gives each stage profile the images of exactly the stage’s apps and the platform’s', () => {
    const profiles = new Map(
      (config.profiles as { name: string; build?: { artifacts: { image: string }[] } }[]).map(
        (p) => [p.name, p],
      ),
    );
    for (const stage of catalogue.stages) {
      const images = profiles.get(stage.id)?.build?.artifacts.map((a) => a.image);
      expect({ stage: stage.id, images: images?.sort() }).toEqual({
        stage: stage.id,
        images: catalogue
          .appsOf(stage)
          .map((a) => `fig-${a}`)
          .sort(),
      });
    }
  });

  it('defaults FIG_STAGE of the add-on profiles to the catalogue’s default stage', () => {
    const defaults = [...source.matchAll(/default "([\w-]+)" \.FIG_STAGE/g)].map((m) => m[1]);
    expect(defaults.length).toBeGreaterThan(0);
    expect(new Set(defaults)).toEqual(new Set([catalogue.defaultStage.id]));
  });
});
