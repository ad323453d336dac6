import { versionColours } from '@fig/guestbook-web';

/**
 * One class per major version (after the other rules, so it wins over `.chip`), from the guestbook page's own palette, so a
 * v2 pod here is the blue of a v2 page there. The browser script only picks
 * the class (`v-v2`); white text on each passes WCAG AA, as on the pages.
 */
const versionClasses = Object.entries(versionColours)
  .map(
    ([v, colour]) =>
      `.v-${v}{background:${colour};color:#fff}` +
      // A pod not ready yet: outlined in its colour (a paler fill would fail contrast).
      `.v-${v}.not-ready{background:#fff;color:${colour};border:2px dashed ${colour}}`,
  )
  .join('');

const styles = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1a1a1a;background:#fafafa}
header{background:#263238;color:#fff;padding:.75rem 1.5rem;display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}
header h1{margin:0;font-size:1.4rem}#stage{font-weight:600}#updated{margin-left:auto;font-size:.85rem;color:#eceff1}
main{padding:1rem 1.5rem;display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(26rem,1fr))}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.75rem 1rem}
h2{font-size:1.05rem;margin:0 0 .5rem}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #eee;vertical-align:top}
.chip{display:inline-block;padding:0 .45rem;border-radius:.8rem;font-size:.8rem;margin:.1rem .15rem .1rem 0;background:#546e7a;color:#fff}
.endpoint{display:inline-block;padding:.15rem .5rem;border-radius:4px;margin:.15rem;font-family:ui-monospace,monospace;font-size:.8rem}
.down{outline:3px dashed #b71c1c;outline-offset:1px}.state-open,.bad{color:#b71c1c;font-weight:600}
.state-half-open{color:#8d4e00;font-weight:600}.bar{height:.6rem;border-radius:2px;min-width:2px}
.pod{display:inline-block;width:7.5rem;padding:.3rem .4rem;margin:.2rem;border-radius:5px;font-size:.75rem;overflow-wrap:anywhere}
.pod.not-ready{background:#fff;color:#37474f;border:2px dashed #37474f}.pod.terminating{text-decoration:line-through}
#problems:empty{display:none}#problems{grid-column:1/-1;background:#fff3e0;border-color:#8d4e00;color:#5d2e00}
.muted{color:#555}#traffic td:last-child{width:35%}[hidden]{display:none!important}
`;

/**
 * The page shell: headings and empty regions the script fills from the
 * event stream. It says so without JavaScript, and the regions that change
 * are polite live regions only where a screen reader benefits (problems).
 */
export function renderShell(stage: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fig live view</title>
<style>${styles}${versionClasses}.v-other{background:#37474f;color:#fff}</style>
<script src="/live-view.js" defer></script>
</head>
<body>
<header><h1>Fig live view</h1><span id="stage">${stage}</span><span id="updated" aria-live="off">connecting…</span></header>
<main>
<section id="problems" role="status" aria-live="polite"></section>
<section aria-labelledby="routes-h"><h2 id="routes-h">Routes</h2><div id="routes"><p class="muted">Needs JavaScript and a gateway.</p></div></section>
<section aria-labelledby="upstreams-h"><h2 id="upstreams-h">Upstreams and endpoints</h2><div id="upstreams"></div></section>
<section aria-labelledby="traffic-h"><h2 id="traffic-h">Traffic by version</h2><div id="traffic"></div></section>
<section aria-labelledby="shadow-h"><h2 id="shadow-h">Shadow comparisons</h2><div id="shadow"></div></section>
<section id="migrations-section" aria-labelledby="migrations-h" hidden><h2 id="migrations-h">Migrations</h2><div id="migrations"></div></section>
<section id="cluster-section" aria-labelledby="cluster-h" hidden><h2 id="cluster-h">Cluster</h2><div id="cluster"></div></section>
</main>
</body>
</html>`;
}
