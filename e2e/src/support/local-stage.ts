import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(__dirname, '../../..');

export interface LocalStage {
  url: string;
  output(): string;
  /** Ctrl-C, as a person would; resolves with the runner's exit code. */
  stop(): Promise<number | null>;
}

/** Runs `npm start`'s runner for a stage on free ports and waits for its entry URL. */
export function startLocalStage(
  stage: number,
  redisUrl: string,
  extraArgs: string[] = [],
): Promise<LocalStage> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(root, 'tools/local/run.mjs'),
      '--stage',
      String(stage),
      '--ports',
      'auto',
      '--log-format',
      'json',
      ...extraArgs,
    ],
    {
      env: { ...process.env, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /FIG_ENTRY_URL=(\S+)/.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
        resolve({
          url: match[1]!,
          output: () => output,
          stop: () =>
            new Promise((done) => {
              child.once('exit', (code) => done(code));
              child.kill('SIGINT');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) =>
      reject(new Error(`stage ${stage} runner exited (${code}):\n${output}`)),
    );
  });
}
