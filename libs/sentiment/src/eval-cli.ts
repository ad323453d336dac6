// Scores every model on the bundled evaluation set and fails (exit 1) when v2
// does not beat v1, so a regression in the newer model cannot ship unnoticed.
// With --predictions it prints every model's verdict on every example as JSON
// instead ({ "v1": [Sentiment, …], "v2": […] }, in the set's order), which the
// side-by-side report (`npm run eval:sentiment`) compares with other languages.
import { evaluate, recall, type EvalReport } from './evaluate';
import { evaluationSet } from './evaluation-set';
import { createModel } from './models';
import { MODEL_VERSIONS, SENTIMENT_LABELS } from './types';

const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

function table(reports: readonly EvalReport[]): string {
  const header = [
    'model',
    'total',
    'correct',
    'accuracy',
    ...SENTIMENT_LABELS.map((l) => `recall ${l}`),
  ];
  const rows = reports.map((r) => [
    r.model,
    String(r.total),
    String(r.correct),
    percent(r.accuracy),
    ...SENTIMENT_LABELS.map((l) => percent(recall(r, l))),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

if (process.argv.includes('--predictions')) {
  const predictions = Object.fromEntries(
    MODEL_VERSIONS.map((v) => {
      const model = createModel(v);
      return [v, evaluationSet.map(({ text }) => model.score(text))];
    }),
  );
  process.stdout.write(`${JSON.stringify(predictions)}\n`);
  process.exit(0);
}

const reports = MODEL_VERSIONS.map((v) => evaluate(createModel(v), evaluationSet));
process.stdout.write(table(reports));

const [v1, v2] = reports;
if (!v1 || !v2 || v2.accuracy <= v1.accuracy) {
  process.stderr.write('v2 does not beat v1 on the evaluation set\n');
  process.exitCode = 1;
}
