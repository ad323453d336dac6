// Writes src/generated/live-view-script.ts, served as /live-view.js: the page
// script src/browser/live-view.ts with fast-json-patch, bundled and minified.
//
//   node scripts/generate-script.mjs [outDir]   (default: this project, in place)
import { writePageScript } from '@fig/live-page/scripts/page-script.mjs';

writePageScript({
  generator: import.meta.url,
  outDir: process.argv[2],
  entry: 'src/browser/live-view.ts',
  output: 'src/generated/live-view-script.ts',
  exportName: 'liveViewScriptSource',
  minify: true,
});
