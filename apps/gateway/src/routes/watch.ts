import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseRoutes, RouteFileError, type LoadedRoutes } from './load';

export interface RouteWatcherEvents {
  /** A new valid table was loaded. */
  loaded: [LoadedRoutes];
  /** The file changed but is invalid: the previous table stays live. */
  rejected: [RouteFileError];
}

/**
 * Watches a route file the way Kubernetes updates a mounted ConfigMap: the file
 * is a symlink into a `..data` directory that is swapped atomically, so the
 * inode we would watch is never written to. We watch the directory instead
 * (prompt) and re-read on an interval as well (fs.watch misses events on some
 * file systems), and act only when the content actually changed.
 */
export class RouteWatcher extends EventEmitter<RouteWatcherEvents> {
  private lastText?: string;
  private dirWatcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private checking = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly env: Record<string, string | undefined>,
    private readonly pollMs = 2_000,
  ) {
    super();
  }

  /** Loads the file once; throws if it is invalid, since there is no old table to keep yet. */
  async load(): Promise<LoadedRoutes> {
    const text = await readFile(this.path, 'utf8');
    const loaded = parseRoutes(text, this.path, this.env);
    this.lastText = text;
    return loaded;
  }

  start(): this {
    this.dirWatcher = watch(dirname(this.path), { persistent: false }, () => this.schedule());
    this.dirWatcher.on('error', () => this.dirWatcher?.close());
    this.timer = setInterval(() => this.schedule(), this.pollMs).unref();
    return this;
  }

  stop() {
    this.dirWatcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }

  /** Editors and kubelet write in several steps; let them finish before reading. */
  private schedule() {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.checking = this.checking.then(() => this.check());
    }, 50).unref();
  }

  private async check() {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      // Mid-swap the path can be briefly absent; the next event or poll retries.
      return;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    try {
      this.emit('loaded', parseRoutes(text, this.path, this.env));
    } catch (err) {
      if (!(err instanceof RouteFileError)) throw err;
      this.emit('rejected', err);
    }
  }
}
