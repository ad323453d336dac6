import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait';

export interface ProcessOptions {
  /** The program to run: Node (this one) unless given, e.g. a Python service's interpreter. */
  command?: string;
  /** Its arguments, e.g. ['dist/apps/monolith/main.js'] for Node. */
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** A URL that answers 2xx once the process is ready. */
  readyUrl?: string;
  readyTimeoutMs?: number;
  /** How often readyUrl is asked; a benchmark timing start-up asks often. */
  readyPollMs?: number;
  /**
   * Its own process group, so a terminal's Ctrl-C reaches only the caller,
   * which then stops each process itself (npm start's runner).
   */
  detached?: boolean;
  /** Called with each complete line the process prints. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep everything printed for `output()` (default); off for long-lived processes. */
  keepOutput?: boolean;
}

export interface ManagedProcess {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL if still running; resolves when gone. */
  kill(): Promise<void>;
}

/**
 * Every child still running. A spec that fails before its clean-up would
 * otherwise leave its processes behind, holding the test runner open (Jest
 * waits for their pipes) until CI times out. So children do not keep the
 * runner alive, and under Jest whatever a spec file left running is killed
 * after its last hook.
 */
const running = new Set<ChildProcess>();
declare const afterAll: ((fn: () => void) => void) | undefined;
if (typeof afterAll === 'function') {
  afterAll(() => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** Runs a process (Node unless `command` says otherwise) the way Kubernetes would: its own env, signals, exit code. */
export async function startProcess(options: ProcessOptions): Promise<ManagedProcess> {
  const child = spawn(options.command ?? process.execPath, options.args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  running.add(child);
  child.unref();
  let output = '';
  const keep = options.keepOutput ?? true;
  for (const [name, stream] of [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ] as const) {
    let partial = '';
    stream?.on('data', (c: Buffer) => {
      const text = c.toString();
      if (keep) output += text;
      if (!options.onLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine(line, name);
    });
    (stream as { unref?: () => void } | null)?.unref?.();
  }
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  let done = false;
  void exited.then(() => (done = true));

  const managed: ManagedProcess = {
    child,
    output: () => output,
    exited,
    signal: (s) => void child.kill(s),
    async kill() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
  };

  if (options.readyUrl) {
    const url = options.readyUrl;
    try {
      await waitFor(
        async () => {
          if (done) throw new Error(`process exited early:\n${output}`);
          return (await fetch(url)).ok;
        },
        {
          timeoutMs: options.readyTimeoutMs ?? 10_000,
          intervalMs: options.readyPollMs ?? 25,
          what: `${url} to be ready`,
        },
      );
    } catch (err) {
      await managed.kill();
      throw new Error(`${(err as Error).message}${keep ? `\n--- output ---\n${output}` : ''}`);
    }
  }
  return managed;
}
