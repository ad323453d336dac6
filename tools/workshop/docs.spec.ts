import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findRoot, loadCatalogue } from '@fig/stages';
import { docFile, exercises } from './exercises';
import { readRepository, unknownReferences } from './references';

const root = findRoot(__dirname);
const dir = path.join(root, 'docs/workshop');
const repo = readRepository(root, loadCatalogue(root));
const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
const pages = ['README.md', ...exercises.map(docFile)];

/** What every exercise page has, in this order (the design's "what to run, what to look at, how to check"). */
const sections = [
  'Goal',
  'Local track',
  'Cluster track',
  'What you should see',
  'Try next',
  'Check',
];
/** The screenshots the live view's browser spec takes; the pages show no other image. */
const screenshots = [
  'live-view-local.png',
  'live-view-canary.png',
  'live-view-shadow.png',
  'live-view-cluster.png',
];

describe('docs/workshop', () => {
  it('has the sixteen exercises of issue 15, numbered in order', () => {
    expect(exercises.map((e) => e.n)).toEqual(exercises.map((_, i) => i + 1));
    expect(exercises.length).toBeGreaterThanOrEqual(16);
  });

  it.each(exercises.map((e) => [docFile(e), e] as const))(
    '%s has a title, every section in order, and its check command',
    (file, exercise) => {
      const text = read(file);
      expect(text.split('\n')[0]).toMatch(new RegExp(`^# ${exercise.n}\\. \\S`));
      const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
      expect(headings).toEqual(sections);
      const check = text.slice(text.indexOf('## Check'));
      expect(check).toContain(`npm run workshop -- check ${exercise.n}`);
    },
  );

  it('indexes every exercise page, in order, with its title', () => {
    const index = read('README.md');
    const linked = [...index.matchAll(/^\| (\d+)\s+\| \[([^\]]+)\]\(([^)]+)\)/gm)];
    expect(linked.map((m) => [Number(m[1]), m[2], m[3]])).toEqual(
      exercises.map((e) => [e.n, e.title, docFile(e)]),
    );
    for (const heading of ['Prerequisites', 'Two tracks', 'Checking an exercise', 'The exercises'])
      expect(index).toContain(`## ${heading}`);
  });

  it.each(pages)(
    '%s names only npm scripts, flags, profiles, stages, objects and paths that exist',
    (file) => {
      expect(unknownReferences(repo, read(file))).toEqual([]);
    },
  );

  it('shows only the screenshots the live view browser spec takes', () => {
    const images = pages.flatMap((file) =>
      [...read(file).matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]),
    );
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(screenshots.map((s) => `img/${s}`)).toContain(image);
  });

  it('is read by the docs link check, which takes every tracked Markdown file', () => {
    const tracked = execFileSync('git', ['ls-files', '--', 'docs/workshop/*.md'], {
      cwd: root,
      encoding: 'utf8',
    }).split('\n');
    expect(tracked).toEqual(expect.arrayContaining(pages.map((p) => `docs/workshop/${p}`)));
    const linkCheck = readFileSync(path.join(root, 'tools/docs/links.spec.ts'), 'utf8');
    expect(linkCheck).toContain("'ls-files', '-z', '--', '*.md'");
  });

  it('catches a command that names nothing real, so the passes above mean something', () => {
    const page = [
      '```sh',
      'npm run nowhere',
      'npm start -- --stage 9 --turbo',
      'skaffold dev -p stage-9',
      'npm run workshop -- check 99',
      'kubectl -n fig rollout restart deploy/ghost',
      'cat apps/gateway/routes/stage-9.yaml',
      '```',
      'and `- ../../components/strategies/teleport`',
    ].join('\n');
    const problems = unknownReferences(repo, page).map((p) => p.split(':')[0]);
    expect(problems).toEqual([
      'no npm script "nowhere"',
      'npm start has no flag --turbo',
      'no stage "9"',
      'no skaffold profile "stage-9"',
      'workshop has no exercise 99',
      'no Deployment, Service or HPA "ghost" in fig',
      'no file apps/gateway/routes/stage-9.yaml',
      'no component ../../components/strategies/teleport',
    ]);
  });
});
