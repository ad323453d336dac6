// `npm run docs:stages`: brings the stage tables of README.md and
// docs/architecture.md up to date with the stage catalogue (stages.yaml).
// libs/stages' tests fail while a table is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findRoot, hasStageTable, loadCatalogue, withStageTable } from '@fig/stages';

const root = findRoot(__dirname);
const catalogue = loadCatalogue(root);
for (const doc of ['README.md', 'docs/architecture.md']) {
  const file = path.join(root, doc);
  const text = readFileSync(file, 'utf8');
  if (!hasStageTable(text)) {
    process.stderr.write(`${doc} has no stage-table markers\n`);
    process.exitCode = 1;
    continue;
  }
  const updated = withStageTable(text, catalogue);
  if (updated !== text) writeFileSync(file, updated);
  process.stdout.write(`${doc}: ${updated === text ? 'up to date' : 'updated'}\n`);
}
