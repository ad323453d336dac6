import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait';

export interface ProcessOptions {
  /** Arguments to `node`, e.g. ['dist/apps/monolith/main.js']. */
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** A URL that answers 2xx once the process is ready. */
  readyUrl?: string;
  readyTimeoutMs?: number;
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

/** Runs a Node process the way Kubernetes would: its own env, signals, exit code. */
export async function startProcess(options: ProcessOptions): Promise<ManagedProcess> {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
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
        { timeoutMs: options.readyTimeoutMs ?? 10_000, what: `${url} to be ready` },
      );
    } catch (err) {
      await managed.kill();
      throw new Error(`${(err as Error).message}\n--- output ---\n${output}`);
    }
  }
  return managed;
}
