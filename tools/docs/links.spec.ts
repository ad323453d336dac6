import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findRoot } from '@fig/stages';

const root = findRoot(__dirname);
const markdown = execFileSync('git', ['ls-files', '-z', '--', '*.md'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\0')
  .filter((f) => f && existsSync(path.join(root, f)));

// A path git ignores (a venv, dist/) is one a documented command makes: it is
// named rightly even on a fresh checkout that has not made it yet.
function inRepository(file: string): boolean {
  if (existsSync(file)) return true;
  const relative = path.relative(root, file);
  if (relative.startsWith('..')) return false;
  // Asked as a file and as a folder: `.venv/` in .gitignore matches folders only.
  const ignored = spawnSync('git', ['check-ignore', '--no-index', relative, `${relative}/`], {
    cwd: root,
  });
  return ignored.status === 0;
}

/** The targets of a document's Markdown links and images, outside code blocks and spans. */
function linkTargets(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1] as string,
  );
}

describe('the documentation', () => {
  it('is found (the check below would pass on nothing)', () => {
    expect(markdown).toEqual(
      expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/adr/README.md']),
    );
  });

  it('links only to files and folders that exist in the repository', () => {
    const broken = markdown.flatMap((doc) =>
      linkTargets(readFileSync(path.join(root, doc), 'utf8'))
        .filter((target) => !/^([a-z][a-z0-9+.-]*:|#)/i.test(target))
        .map((target) => target.replace(/[#?].*$/, ''))
        .filter((target) => {
          const resolved = target.startsWith('/')
            ? path.join(root, target)
            : path.join(root, path.dirname(doc), target);
          return !inRepository(decodeURIComponent(resolved));
        })
        .map((target) => `${doc} → ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('quotes only paths that exist (`apps/…`, `libs/…`, …, and `src/…` in an app’s README)', () => {
    const missing = markdown.flatMap((doc) =>
      [
        ...readFileSync(path.join(root, doc), 'utf8')
          .replace(/^```[\s\S]*?^```/gm, '')
          .matchAll(/`([^`\s]+)`/g),
      ]
        .map((m) => m[1] as string)
        .filter(
          (quoted) =>
            /^(apps|libs|tools|k8s|istio|e2e|docs)\//.test(quoted) ||
            (doc.startsWith('apps/') && quoted.startsWith('src/')),
        )
        // Placeholders and patterns (<app>, *.ts, ${VAR}) name no single file.
        .filter((quoted) => !/[<>*{}$…]/.test(quoted))
        .filter((quoted) => {
          const base = quoted.startsWith('src/') ? path.join(root, path.dirname(doc)) : root;
          return !inRepository(path.join(base, quoted.replace(/:\d+.*$/, '')));
        })
        .map((quoted) => `${doc} → ${quoted}`),
    );
    expect(missing).toEqual([]);
  });

  it('indexes every ADR in docs/adr/README.md, with its status', () => {
    const index = readFileSync(path.join(root, 'docs/adr/README.md'), 'utf8');
    const records = readdirSync(path.join(root, 'docs/adr')).filter((f) =>
      /^\d{4}-.*\.md$/.test(f),
    );
    const missing = records.filter(
      (f) =>
        !new RegExp(
          `^\\|\\s*\\[${f.slice(0, 4)}\\]\\(${f}\\)\\s*\\|.+\\|\\s*\\w.*\\|\\s*$`,
          'm',
        ).test(index),
    );
    expect(missing).toEqual([]);
  });

  it('counts a git-ignored path a command makes as named rightly, even before it is made', () => {
    expect(inRepository(path.join(root, 'apps/model-svc/.venv-not-made-yet'))).toBe(false);
    expect(inRepository(path.join(root, 'dist/tools/not-built-yet.js'))).toBe(true);
    expect(inRepository(path.join(root, 'apps/model-svc/.venv/bin/not-there'))).toBe(true);
    expect(inRepository(path.join(root, 'docs/adr'))).toBe(true);
    expect(inRepository(path.join(root, 'docs/adr/README.md'))).toBe(true);
    expect(inRepository(path.join(root, 'docs/nowhere.md'))).toBe(false);
    expect(inRepository(path.join(root, 'node_modules/.bin'))).toBe(true);
  });

  it('finds a link to a missing file, so a pass above means something', () => {
    expect(linkTargets('see [the map](docs/nowhere.md) and `[not](a-link.md)`')).toEqual([
      'docs/nowhere.md',
    ]);
  });
});
