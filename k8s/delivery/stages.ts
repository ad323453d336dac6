/* eslint-disable no-console -- a command-line step of test:delivery: its output is the interface */
/**
 * The stage catalogue for test:delivery's shell sections, so that they name
 * no stage themselves and follow stages.yaml (validated by @fig/stages):
 *
 *   node stages.cjs ids          every stage, one a line (each a skaffold profile)
 *   node stages.cjs default      the stage `npm start` and `skaffold dev` run unnamed
 *   node stages.cjs containers   the stages run as containers: the default and the newest
 */
import { loadCatalogue } from '@fig/stages';
import { root } from '../test/support/paths';

const catalogue = loadCatalogue(root);
const queries: Record<string, () => string[]> = {
  ids: () => catalogue.stages.map((s) => s.id),
  default: () => [catalogue.defaultStage.id],
  // The default stage and the newest one: what a user runs, and the last step
  // of the migration, which the next stage will replace here without an edit.
  containers: () => [
    ...new Set([catalogue.defaultStage.id, catalogue.stages[catalogue.stages.length - 1]!.id]),
  ],
};

const query = queries[process.argv[2] ?? ''];
if (!query) {
  console.error(`usage: node stages.cjs ${Object.keys(queries).join('|')}`);
  process.exit(2);
}
console.log(query().join('\n'));
