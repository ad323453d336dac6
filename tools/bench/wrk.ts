// The benchmarks' load generator: wrk, a native one, so that the generator
// does not compete with the Node process it measures the way a Node load
// generator would on two cores. It is installed (apt, once, idempotent)
// before the first measurement, and a benchmark that needs it stops with a
// clear message when it cannot be had: it never falls back to another
// instrument, whose figures would not be comparable.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpuMs } from './startup-image';

export const has = (cmd: string) =>
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0 ||
  existsSync(`/usr/sbin/${cmd}`);

/** The path of a command, including the sbin daemons (nginx, haproxy) not on a user's PATH. */
export const binary = (name: string) =>
  spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
    ? name
    : existsSync(`/usr/sbin/${name}`)
      ? `/usr/sbin/${name}`
      : undefined;

/**
 * Installs the Debian packages of the commands that are missing (the command
 * name is the package name for everything the benchmarks use); does nothing
 * when all are there. Returns the ones still missing afterwards.
 */
export function ensureCommands(
  commands: string[],
  log = (line: string) => process.stdout.write(`${line}\n`),
) {
  const missing = commands.filter((cmd) => !has(cmd));
  if (!missing.length) return [];
  const sudo = process.getuid?.() === 0 ? [] : has('sudo') ? ['sudo', '-n'] : null;
  if (!sudo) {
    log(`not root and no sudo: cannot install ${missing.join(', ')}`);
    return missing;
  }
  log(`installing ${missing.join(', ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) =>
    spawnSync(
      sudo[0] ?? 'apt-get',
      [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), ...args],
      {
        stdio: 'inherit',
        env,
      },
    ).status === 0;
  const install = ['install', '-y', '-qq', '--no-install-recommends', ...missing];
  // An install from a stale package index fails; update once and try again.
  if (!apt(install)) {
    apt(['update', '-qq']);
    apt(install);
  }
  return missing.filter((cmd) => !has(cmd));
}

/** Stops the benchmark unless wrk is there (installing it first if it can). */
export function requireWrk() {
  const missing = ensureCommands(['wrk']);
  if (missing.length) {
    throw new Error(
      'wrk is not installed and could not be installed (apt-get install wrk): ' +
        'the benchmarks measure with wrk only, never with a Node load generator on the same cores',
    );
  }
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx answers plus socket errors. */
  errors: number;
}

const toMs = (value: string, unit: string) =>
  Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? NaN);

/** Parses `wrk --latency` output. */
export function parseWrk(out: string): WrkResult {
  const latency = (p: number) => {
    const m = new RegExp(`^\\s+${p}(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1] as string, m[2] as string) : NaN;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50Ms: latency(50),
    p99Ms: latency(99),
    errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + socketErrors,
  };
}

/** The wrk command line the figures were measured with, for the report. */
export const wrkCommand = (connections: number, seconds: number) =>
  `wrk -t1 -c${connections} -d${seconds}s --latency`;

/** One wrk run (one thread, keep-alive) against `url`. */
export function runWrk(url: string, connections: number, seconds: number): WrkResult {
  const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1_000,
  });
  if (run.status !== 0) throw new Error(`wrk failed on ${url}: ${run.stderr || run.error}`);
  const result = parseWrk(run.stdout);
  if (!Number.isFinite(result.rps)) throw new Error(`wrk printed no rate:\n${run.stdout}`);
  return result;
}

/**
 * One wrk run, with the CPU time each named process spent per request while it
 * ran (from /proc, ADR 0217: it varies far less between rounds than the rate
 * does on a shared machine).
 */
export function runWrkWithCpu(
  url: string,
  connections: number,
  seconds: number,
  processes: Record<string, number | undefined>,
) {
  const pids = Object.values(processes);
  const before = pids.map(cpuMs);
  const run = runWrk(url, connections, seconds);
  const requests = run.rps * seconds;
  const cpuUsPerRequest = Object.fromEntries(
    Object.keys(processes).map((name, i) => [
      name,
      Number((((cpuMs(pids[i]) - (before[i] ?? 0)) * 1000) / requests).toFixed(1)),
    ]),
  );
  return { ...run, cpuUsPerRequest };
}
