// Writes src/generated/live-script.ts, which the services serve as /live.js:
// the page script src/browser/live.ts, bundled for ES2017 browsers.
//
//   node scripts/generate-live-script.mjs [outDir]   (default: this project, in place)
import { writePageScript } from '@fig/live-page/scripts/page-script.mjs';

writePageScript({
  generator: import.meta.url,
  outDir: process.argv[2],
  entry: 'src/browser/live.ts',
  output: 'src/generated/live-script.ts',
  exportName: 'liveScriptSource',
});
