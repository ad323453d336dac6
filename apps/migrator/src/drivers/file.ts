import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { TextStore } from './route-text';

/**
 * The route file on disk. Written to a temporary file and renamed into
 * place, so the gateway's watcher never reads half a table.
 */
export function fileStore(path: string): TextStore {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    get: () => readFile(path, 'utf8'),
    update(edit) {
      // One write at a time, and a failed one does not block the next.
      const run = queue.then(async () => {
        const text = edit(await readFile(path, 'utf8'));
        const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
        await writeFile(temporary, text);
        await rename(temporary, path);
        return text;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
