import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

type Path = readonly PropertyKey[];

/**
 * A YAML file parsed with its positions kept, so that every problem found in
 * it, by the parser or later by a schema, can name the line to fix.
 */
export interface YamlWithLines {
  /** Syntax problems, `line N: message`; when there are any, `value` is undefined. */
  syntaxProblems: string[];
  value: unknown;
  /** The line of the deepest node along `path` that exists (a missing key reports its parent). */
  lineOf(path: Path): number;
  /** A schema issue as `line N: a.b: message`. */
  describeIssue(issue: z.core.$ZodIssue): string;
}

/** The line of the deepest node along `path` that exists, 1 when none does. */
function lineIn(doc: Document, lines: LineCounter, path: Path): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

/**
 * Parses YAML text for a loader that validates it with zod (the gateway's
 * route table, the migrator's migrations): duplicate keys are errors, and
 * each problem carries its line.
 */
export function parseYamlWithLines(text: string): YamlWithLines {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (path: Path) => lineIn(doc, lines, path);

  // One mistake derails the parser for the rest of its line: report the first per line.
  const byLine = new Map<number, string>();
  for (const e of doc.errors) {
    const line = e.linePos?.[0].line ?? lines.linePos(e.pos[0]).line;
    if (!byLine.has(line)) byLine.set(line, `line ${line}: ${e.message.split('\n')[0]}`);
  }
  return {
    syntaxProblems: [...byLine.values()],
    value: byLine.size ? undefined : doc.toJS(),
    lineOf,
    describeIssue(issue) {
      const where = issue.path.length ? issue.path.join('.') : '(file)';
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      // An unknown key is reported at its own line, where the typo is.
      const path = keys.length ? [...issue.path, keys[0]!] : issue.path;
      return `line ${lineOf(path)}: ${where}: ${issue.message}`;
    },
  };
}
