// What a workshop page may tell a learner to type, checked against the
// repository: npm scripts, `npm start` and `npm run workshop` flags, skaffold
// profiles, stage ids, paths, and the Kubernetes objects `kubectl` is pointed
// at. Learners copy-paste; a command that names something gone must fail a test.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Catalogue } from '@fig/stages';
import { exercises } from './exercises';

export interface Repository {
  root: string;
  catalogue: Catalogue;
  scripts: Set<string>;
  startFlags: Set<string>;
  workshopFlags: Set<string>;
  profiles: Set<string>;
  /** Deployments, Services and HPAs a page may name in namespace fig. */
  objects: Set<string>;
}

/** The option names of a tool's parseArgs block (`name: { type: … }` or `'name': { type: … }`). */
function optionsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8');
  return new Set(
    [...text.matchAll(/^\s+'?([a-z][a-z0-9-]*)'?: \{ type: '/gm)].map((m) => m[1] as string),
  );
}

export function readRepository(root: string, catalogue: Catalogue): Repository {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const skaffold = parse(readFileSync(path.join(root, 'skaffold.yaml'), 'utf8')) as {
    profiles: { name: string }[];
  };
  return {
    root,
    catalogue,
    scripts: new Set(Object.keys(pkg.scripts)),
    startFlags: optionsOf(path.join(root, 'tools/local/main.ts')),
    workshopFlags: optionsOf(path.join(root, 'tools/workshop/main.ts')),
    profiles: new Set(skaffold.profiles.map((p) => p.name)),
    // The apps, the front door, and the v2 tracks, Jaeger and Prometheus that components add.
    objects: new Set([
      ...catalogue.apps.keys(),
      'fig',
      'monolith-v2',
      'model-svc-v2',
      'jaeger',
      'prometheus',
    ]),
  };
}

/** The lines of the page's shell blocks, comments cut. */
function shellLines(markdown: string): string[] {
  return [...markdown.matchAll(/^\s*```sh\n([\s\S]*?)^\s*```/gm)].flatMap((m) =>
    (m[1] as string)
      .split('\n')
      .map((line) => line.replace(/\s#\s.*$/, '').trim())
      .filter(Boolean),
  );
}

/** Inline code spans and shell lines: everything a learner may paste. */
function commands(markdown: string): string[] {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
  return [
    ...shellLines(markdown),
    ...[...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string),
  ];
}

function checkCommand(repo: Repository, line: string): string[] {
  const problems: string[] = [];
  for (const m of line.matchAll(/\bnpm run ([\w:-]+)/g))
    if (!repo.scripts.has(m[1] as string)) problems.push(`no npm script "${m[1]}"`);
  const start = /\bnpm start -- (.*)$/.exec(line);
  if (start) {
    for (const f of (start[1] as string).matchAll(/--([a-z][a-z0-9-]*)/g))
      if (!repo.startFlags.has(f[1] as string)) problems.push(`npm start has no flag --${f[1]}`);
    const stage = /--stage (\S+)/.exec(start[1] as string)?.[1];
    if (stage) {
      try {
        repo.catalogue.resolve(stage);
      } catch {
        problems.push(`no stage "${stage}"`);
      }
    }
  }
  const workshop = /\bnpm run workshop -- (\S+)(.*)$/.exec(line);
  if (workshop) {
    const [, command, rest] = workshop as unknown as [string, string, string];
    if (!['list', 'check', 'load'].includes(command))
      problems.push(`workshop has no command ${command}`);
    const n = /^\s+(\d+)/.exec(rest)?.[1];
    if (command === 'check' && !exercises.some((e) => String(e.n) === n))
      problems.push(`workshop has no exercise ${n}`);
    for (const f of rest.matchAll(/--([a-z][a-z0-9-]*)/g))
      if (!repo.workshopFlags.has(f[1] as string)) problems.push(`workshop has no flag --${f[1]}`);
  }
  for (const m of line.matchAll(/\bskaffold (?:dev|run|render|build)\b.*?-p (\S+)/g))
    if (!repo.profiles.has(m[1] as string)) problems.push(`no skaffold profile "${m[1]}"`);
  for (const m of line.matchAll(/\bFIG_STAGE=(\S+)/g))
    if (!repo.catalogue.stages.some((s) => s.id === m[1])) problems.push(`no stage id "${m[1]}"`);
  if (/\bkubectl\b/.test(line)) {
    for (const m of line.matchAll(
      /\b(?:deploy|svc|hpa)\/([a-z][\w-]*)|\b(?:deploy|svc|hpa|service|deployment) ([a-z][\w-]*)/g,
    )) {
      const name = (m[1] ?? m[2]) as string;
      if (!repo.objects.has(name)) problems.push(`no Deployment, Service or HPA "${name}" in fig`);
    }
  }
  for (const m of line.matchAll(
    /(?:^|[\s=:'"(])((?:apps|libs|tools|k8s|istio|e2e|docs)\/[\w./-]*[\w/])/g,
  ))
    if (!existsSync(path.join(repo.root, m[1] as string))) problems.push(`no file ${m[1]}`);
  // A Component added to an overlay (two levels deep) or an Istio variant (four).
  for (const m of line.matchAll(/^- ((?:\.\.\/)+[\w./-]+)$/g)) {
    const from = (m[1] as string).startsWith('../../../../')
      ? 'k8s/variants/istio/x'
      : 'k8s/overlays/x';
    if (!existsSync(path.join(repo.root, from, m[1] as string)))
      problems.push(`no component ${m[1]}`);
  }
  return problems.map((p) => `${p}: ${line}`);
}

/** Everything a page tells a learner to use that the repository does not have. */
export function unknownReferences(repo: Repository, markdown: string): string[] {
  return [...new Set(commands(markdown).flatMap((line) => checkCommand(repo, line)))];
}
