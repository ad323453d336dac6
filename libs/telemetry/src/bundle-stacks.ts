import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

/**
 * Stack traces that name the TypeScript source for frames in the bundles of
 * `dir` (main.js, instrument.js and lazy chunks), with each bundle's map read
 * and parsed the first time a stack passes through it.
 *
 * This replaces `node --enable-source-maps`, which on Node 20 reads and parses
 * the map of every module that names one as it loads: @redis/client's 418
 * command files and OpenTelemetry's packages ship maps, so the flag cost a
 * service 10–18 MiB and 50–110 ms of start-up (ADR 0019). Frames outside the
 * bundles keep their .js positions, which is where the packages' own stacks
 * pointed before too for anyone reading a pod's log without node_modules.
 */
export function mapBundleStacks(dir: string): void {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) maps.set(file, readMap(file));
    return maps.get(file);
  };
  Error.prepareStackTrace = (error, frames) => {
    const lines = frames.map((frame) => {
      const text = frame.toString();
      const file = frame.getFileName();
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      if (!file || !line || !column || path.dirname(file) !== dir) return text;
      const entry = mapOf(file)?.findEntry(line - 1, column - 1);
      if (!entry || !('originalSource' in entry)) return text;
      const source = path.resolve(dir, entry.originalSource);
      return text.replace(
        `${file}:${line}:${column}`,
        `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`,
      );
    });
    return [headerOf(error), ...lines].map((l, i) => (i ? `    at ${l}` : l)).join('\n');
  };
}

function readMap(file: string): SourceMap | undefined {
  try {
    return new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  } catch {
    return undefined; // no map beside it: its frames stay as they are
  }
}

/** The first line V8 would write: `Name: message`, whatever the thrown value is. */
function headerOf(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}
