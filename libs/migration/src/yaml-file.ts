import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

/** A YAML file that could not be used, with every problem and its line. */
export class YamlFileError extends Error {
  readonly code = 'INVALID_FILE';

  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'YamlFileError';
  }
}

/** The line of the deepest node along `path` that exists (a missing key reports its parent). */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

/**
 * Parses YAML text and validates it with a zod schema, naming each problem's
 * line: the gateway's route-file loader does the same (apps cannot share code
 * with each other, so the approach lives here for the migration spec).
 */
export function parseYamlFile<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
): z.output<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    // One mistake derails the parser for the rest of its line: report the first per line.
    const byLine = new Map<number, string>();
    for (const e of doc.errors) {
      const line = e.linePos?.[0].line ?? lines.linePos(e.pos[0]).line;
      if (!byLine.has(line)) byLine.set(line, `line ${line}: ${e.message.split('\n')[0]}`);
    }
    throw new YamlFileError(file, [...byLine.values()]);
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  throw new YamlFileError(
    file,
    result.error.issues.map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : '(file)';
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      // An unknown key is reported at its own line, where the typo is.
      const path = keys.length ? [...issue.path, keys[0]!] : issue.path;
      return `line ${lineOf(doc, lines, path)}: ${where}: ${issue.message}`;
    }),
  );
}
