import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { liveViewScriptSource } from './generated/live-view-script';
import { renderShell } from './page';

const project = path.resolve(__dirname, '..');

describe('the page and its script', () => {
  it('serves a fresh bundle of src/browser/live-view.ts (run `nx run live-view:generate` after editing it)', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'fig-live-view-script-'));
    try {
      execFileSync(process.execPath, [path.join(project, 'scripts/generate-script.mjs'), out]);
      const file = 'src/generated/live-view-script.ts';
      expect(readFileSync(path.join(out, file), 'utf8')).toBe(
        readFileSync(path.join(project, file), 'utf8'),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('is one self-contained script, with no module syntax left for the browser to trip on', () => {
    expect(liveViewScriptSource).not.toMatch(/\b(import|export)\s*[{*\w]/);
  });

  it('loads its script from its own origin and has no inline script (the CSP allows only self)', () => {
    const html = renderShell('stage-1-facade');
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="/live-view.js" defer>']);
    expect(html).not.toMatch(/\son\w+=/);
  });

  it('colours versions with the pages’ palette, after the rules it must win over', () => {
    const html = renderShell('stage-1-facade');
    expect(html).toContain('.v-v1{background:#2e7d32;color:#fff}');
    expect(html).toContain('.v-v2{background:#1565c0;color:#fff}');
    expect(html).toContain('.v-v3{background:#c62828;color:#fff}');
    expect(html.indexOf('.v-v1{')).toBeGreaterThan(html.indexOf('.chip{'));
  });
});
