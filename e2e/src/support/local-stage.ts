import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(__dirname, '../../..');

export interface LocalStage {
  url: string;
  /** The live view watching the stage (every stage runs one). */
  liveViewUrl: string | undefined;
  output(): string;
  /** The runner's exit code (null when a signal ended it), once it has ended. */
  exited: Promise<number | null>;
  /** Ctrl-C, as a person would; resolves with the runner's exit code. */
  stop(): Promise<number | null>;
}

/** Runs `npm start`'s runner (the built tool) for a stage on free ports and waits for its entry URL. */
export function startLocalStage(
  stage: string,
  redisUrl: string | undefined,
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<LocalStage> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extraEnv };
  // Without REDIS_URL the runner spawns its own Redis, as `npm start` does.
  if (redisUrl) env.REDIS_URL = redisUrl;
  else delete env.REDIS_URL;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(root, 'dist/tools/local/run.js'),
      '--stage',
      String(stage),
      '--ports',
      'auto',
      '--log-format',
      'json',
      ...extraArgs,
    ],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /FIG_ENTRY_URL=(\S+)/.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
        resolve({
          url: match[1]!,
          liveViewUrl: /FIG_LIVE_VIEW_URL=(\S+)/.exec(output)?.[1],
          output: () => output,
          exited,
          stop: () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
            return exited;
          },
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
