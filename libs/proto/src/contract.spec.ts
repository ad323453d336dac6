import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const project = path.resolve(__dirname, '..');
const root = path.resolve(project, '../..');
const buf = path.join(root, 'node_modules/.bin/buf');

function runBuf(args: string[]) {
  return spawnSync(buf, args, { cwd: project, encoding: 'utf8' });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

describe('the contracts (store and model)', () => {
  it('passes buf lint (standard rules and a comment on every element)', () => {
    const result = runBuf(['lint']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('breaks nothing in the contract last committed', () => {
    const against = `${path.join(root, '.git')}#ref=HEAD,subdir=${path.relative(root, project)}`;
    const result = runBuf(['breaking', '--against', against]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('matches the committed generated code (run `nx run proto:generate` after editing a .proto)', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'fig-proto-'));
    try {
      execFileSync(process.execPath, [path.join(project, 'scripts/generate.mjs'), out]);
      const fresh = path.join(out, 'src/generated');
      const committed = path.join(project, 'src/generated');
      expect(filesUnder(committed)).toEqual(filesUnder(fresh));
      for (const file of filesUnder(fresh)) {
        expect([file, readFileSync(path.join(committed, file), 'utf8')]).toEqual([
          file,
          readFileSync(path.join(fresh, file), 'utf8'),
        ]);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
