import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The Node options the service images start with: the options of the
 * Dockerfile's `CMD` before `--import ./instrument.js main.js` (the image's
 * entrypoint is node). The start-up benchmark runs every service with them, so
 * it measures what a pod runs, and a flag added to the image is measured by
 * the next run without a second copy of it here.
 */
export function imageNodeFlags(dockerfile: string): string[] {
  const text = readFileSync(dockerfile, 'utf8');
  const line = /^CMD\s+(\[.*\])\s*$/m.exec(text)?.[1];
  if (!line) throw new Error(`${dockerfile}: no CMD in exec form (CMD ["…", …])`);
  const cmd = JSON.parse(line) as unknown;
  if (!Array.isArray(cmd) || !cmd.every((arg) => typeof arg === 'string')) {
    throw new Error(`${dockerfile}: CMD is not a list of strings`);
  }
  const entry = cmd.indexOf('--import');
  if (entry < 0 || cmd.at(-1) !== 'main.js') {
    throw new Error(`${dockerfile}: CMD does not end with --import ./instrument.js main.js`);
  }
  return cmd.slice(0, entry);
}

/**
 * The environment the service images set (`ENV KEY=value` lines of the
 * Dockerfile's last stage, the runtime image), which the benchmark gives every
 * service as a pod has it: NODE_ENV=production changes what Express does.
 */
export function imageEnv(dockerfile: string): Record<string, string> {
  const text = readFileSync(dockerfile, 'utf8');
  const lastStage = text.slice(text.search(/^FROM\s(?![\s\S]*^FROM\s)/m));
  const env: Record<string, string> = {};
  for (const [, pairs] of lastStage.matchAll(/^ENV\s+(.+)$/gm)) {
    for (const pair of (pairs ?? '').trim().split(/\s+/)) {
      const [key, value] = pair.split('=') as [string, string | undefined];
      if (value === undefined) throw new Error(`${dockerfile}: ENV ${pairs}: expected KEY=value`);
      env[key] = value;
    }
  }
  return env;
}

/** CPU time a process has used so far (user + system), from /proc (Linux), in ms. */
export function cpuMs(pid: number | undefined): number {
  // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

export const defaultDockerfile = (root: string) => path.join(root, 'Dockerfile');

/**
 * startBundle options that start a service as its image does: the CMD's Node
 * options before the bootstrap, and the runtime stage's ENV under `env`.
 */
export function asInImage(root: string, env: Record<string, string> = {}) {
  const dockerfile = defaultDockerfile(root);
  return {
    traced: true,
    args: [...imageNodeFlags(dockerfile), '--import', './instrument.js', 'main.js'],
    env: { ...imageEnv(dockerfile), ...env },
  };
}
