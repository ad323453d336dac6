import type { Catalogue } from './catalogue';

const begin = '<!-- stage-table:begin (generated from stages.yaml by `npm run docs:stages`) -->';
const end = '<!-- stage-table:end -->';

/** The stage table the README and docs/architecture.md show, as Markdown. */
export function stageTable(catalogue: Catalogue): string {
  const rows = catalogue.stages.map((s) => {
    const isDefault = s === catalogue.defaultStage ? ' (default)' : '';
    const start = [s.id, ...s.aliases].map((n) => `\`${n}\``).join(' or ');
    const preset = s.preset ? `\`${s.preset}\`` : '—';
    return `| \`${s.id}\`${isDefault} | ${start} | ${s.apps.join(', ')} | ${preset} | ${s.moved} |`;
  });
  const always = ['redis', ...catalogue.platform.map((p) => p.app)].join(', ');
  return [
    `| stage (= skaffold profile) | \`npm start -- --stage\` | runs (+ ${always}) | gateway preset | what moved |`,
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/**
 * The document with its generated stage table brought up to date. A document
 * without the markers is returned unchanged; `hasStageTable` tells them apart.
 */
export function withStageTable(doc: string, catalogue: Catalogue): string {
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) return doc;
  return `${doc.slice(0, from)}${begin}\n${stageTable(catalogue)}\n${doc.slice(to)}`;
}

export const hasStageTable = (doc: string) => doc.includes(begin) && doc.includes(end);
