import type { Entry } from '@fig/guestbook';
import { escapeHtml } from './escape';
import type { ServiceInfo } from './ports';

/**
 * The page colour follows the major version, so a rolling update or a canary
 * can be watched by eye (as in the talk's demo). All three pass WCAG AA
 * contrast with white text.
 */
export const versionColours: Record<string, string> = {
  v1: '#2e7d32',
  v2: '#1565c0',
  v3: '#c62828',
};

export interface PageModel {
  info: ServiceInfo;
  visits: number;
  entries: Entry[];
  /** Shown above the form after a rejected no-JavaScript post. */
  formError?: string;
  /** Extra markup at the end of <body>, e.g. the frontend's live-update script tag. */
  scripts?: string;
}

function colourFor(version: string): string {
  return versionColours[version.split('.')[0] ?? ''] ?? '#37474f';
}

/**
 * The label, and beside it which model version scored the entry, as visible
 * text: during a canary or an A/B of the model, a reader sees at a glance which
 * version judged each entry, without hovering for a tooltip.
 */
function badge(entry: Entry): string {
  if (!entry.sentiment) return '<span class="badge unscored">not yet scored</span>';
  const { label, score, model } = entry.sentiment;
  const version = escapeHtml(model);
  return `<span class="badge ${label}" title="score ${score} (model ${version})">${label}</span> <span class="model" data-model="${version}">model ${version}</span>`;
}

/**
 * User text is isolated (`dir="auto"`): its direction is its own and cannot
 * reorder the badge, the time or the next entry, whatever characters it holds.
 */
export function renderEntry(entry: Entry): string {
  const when = escapeHtml(entry.createdAt);
  return `<li class="entry" data-id="${escapeHtml(entry.id)}">
  <p class="meta"><strong class="author" dir="auto">${escapeHtml(entry.author)}</strong> ${badge(entry)} <time datetime="${when}">${when.replace('T', ' ').slice(0, 16)}</time></p>
  <p class="text" dir="auto">${escapeHtml(entry.text)}</p>
</li>`;
}

const styles = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fafafa}
header{background:var(--version);color:#fff;padding:1rem 1.5rem}header h1{margin:0;font-size:1.6rem}
main{max-width:42rem;margin:0 auto;padding:1rem 1.5rem}
form{display:grid;gap:.5rem;margin:1rem 0 2rem}label{font-weight:600}
input,textarea{font:inherit;padding:.5rem;border:1px solid #767676;border-radius:4px;width:100%}
button{font:inherit;padding:.5rem 1rem;border:0;border-radius:4px;background:var(--version);color:#fff;cursor:pointer;justify-self:start}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
ol{list-style:none;padding:0}.entry{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.75rem 1rem;margin:.5rem 0}
.meta,.text{margin:0}.author,.text{unicode-bidi:isolate}.text{white-space:pre-wrap;overflow-wrap:anywhere}time{color:#555;font-size:.875rem}
.badge{font-size:.75rem;padding:.1rem .5rem;border-radius:1rem;border:1px solid currentColor}
.positive{color:#1b5e20;background:#e8f5e9}.neutral{color:#424242;background:#eeeeee}
.negative{color:#b71c1c;background:#ffebee}.unscored{color:#5d4037;background:#fff8e1}
.model{font-size:.75rem;padding:.1rem .4rem;border-radius:.25rem;color:#263238;background:#eceff1;font-family:ui-monospace,monospace}
.error{color:#b71c1c;font-weight:600}footer{text-align:center;color:#555;font-size:.875rem;padding:2rem 1rem}
`;

/** The whole page: server-rendered, readable and postable without JavaScript. */
export function renderPage({ info, visits, entries, formError, scripts = '' }: PageModel): string {
  const footer = `[${escapeHtml(info.pod)}] ${escapeHtml(info.service)} ${escapeHtml(info.version)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fig guestbook</title>
<style>:root{--version:${colourFor(info.version)}}${styles}</style>
</head>
<body data-version="${escapeHtml(info.version)}">
<header>
  <h1>Fig guestbook</h1>
  <p>This page has been visited <strong id="visits">${visits}</strong> times.</p>
</header>
<main>
  <h2>Sign the guestbook</h2>
  <form method="post" action="/entries" id="entry-form">
    ${formError ? `<p class="error" role="alert">${escapeHtml(formError)}</p>` : ''}
    <label for="author">Your name</label>
    <input id="author" name="author" required maxlength="40" autocomplete="name">
    <label for="text">Message</label>
    <textarea id="text" name="text" required maxlength="280" rows="3"></textarea>
    <button type="submit">Post</button>
  </form>
  <h2>Latest entries</h2>
  <ol id="entries" aria-live="polite">
${entries.map(renderEntry).join('\n')}
  </ol>
</main>
<footer id="served-by">${footer}</footer>
${scripts}
</body>
</html>`;
}
