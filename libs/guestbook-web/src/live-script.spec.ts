import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { liveScriptSource } from './live-script';

const project = path.resolve(__dirname, '..');

describe('the page script served as /live.js', () => {
  it('matches a fresh bundle of src/browser/live.ts (run `nx run guestbook-web:generate` after editing it)', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'fig-live-script-'));
    try {
      execFileSync(process.execPath, [path.join(project, 'scripts/generate-live-script.mjs'), out]);
      const file = 'src/generated/live-script.ts';
      expect(readFileSync(path.join(out, file), 'utf8')).toBe(
        readFileSync(path.join(project, file), 'utf8'),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('is one self-contained ES2017 script that does nothing on a page without the list', () => {
    expect(liveScriptSource).not.toMatch(/\b(import|export|require)\b/);
    const lookups: string[] = [];
    const document = {
      getElementById: (id: string) => (lookups.push(id), null),
    };
    runInNewContext(liveScriptSource, { document, window: {} });
    expect(lookups).toEqual(['entries', 'entry-form']);
  });
});
