// Small helpers every benchmark shares. Ports and Redis come from
// @fig/testing, as for the tests and npm start: one rule for free ports.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findRoot } from '@fig/stages';
import type { RunningBundle } from '@fig/testing';

import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };
export { freePort, startRedis } from '@fig/testing';

/** The workspace root, wherever the bundle runs from. */
export const root = findRoot(__dirname);
/** Where the benchmarks' own bundled helpers (upstream, express-proxy) live. */
export const bundled = (name: string) => path.join(root, 'dist/tools/bench', `${name}.js`);

/**
 * `--compare label=folder` options → [label, absolute folder], each folder a
 * copy of dist/apps holding `<app>/main.js`: another build measured beside this one.
 */
export function appBuildComparisons(specs: string[] | undefined, app: string) {
  return (specs ?? []).map((spec) => {
    const [label, folder] = spec.split('=') as [string, string | undefined];
    if (!folder || !existsSync(path.join(folder, app, 'main.js')))
      throw new Error(
        `--compare ${spec}: expected <label>=<a dist/apps folder with ${app}/main.js>`,
      );
    return [label, path.resolve(folder)] as const;
  });
}

export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const status = (pid: number | undefined, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) /
  1024;
/** Resident memory of a process, from /proc (Linux). */
export const rssMiB = (pid: number | undefined) => status(pid, 'VmRSS');
/** The most a process has been resident so far (its high-water mark). */
export const peakRssMiB = (pid: number | undefined) => status(pid, 'VmHWM');

export interface Throughput {
  callsPerSecond: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Calls `call` from `concurrency` workers for `seconds` after a one-second
 * warm-up (connections, JIT), counting completed calls and their latencies.
 */
export async function measureThroughput(
  call: (i: number) => Promise<unknown>,
  { concurrency, seconds }: { concurrency: number; seconds: number },
): Promise<Throughput> {
  let calls = 0;
  let errors = 0;
  let n = 0;
  const latencies: number[] = [];
  let measuring = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const t = performance.now();
      try {
        await call(n++);
        if (measuring) {
          calls++;
          latencies.push(performance.now() - t);
        }
      } catch {
        if (measuring) errors++;
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await sleep(1_000);
  measuring = true;
  const t0 = performance.now();
  await sleep(seconds * 1_000);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1_000;
  stop = true;
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return { callsPerSecond: calls / elapsed, errors, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

/** One row of a benchmark table: calls/s, ratio to the baseline, p50/p99, errors. */
export function throughputRow(name: string, r: Throughput, base: Throughput, width = 38): string {
  return `${name.padEnd(width)} ${r.callsPerSecond.toFixed(0).padStart(8)} ${(
    r.callsPerSecond / base.callsPerSecond
  )
    .toFixed(2)
    .padStart(7)} ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${String(
    r.errors,
  ).padStart(7)}\n`;
}

export interface Startup {
  servingMs: number;
  /** Resident memory after 2 s idle, MiB. */
  rss: number;
}

/** The medians of several start-ups, printed as one line (`note` adds what was loaded). */
export function reportStartup(service: string, startups: Startup[], note = '') {
  const startup = {
    runs: startups.length,
    servingMs: median(startups.map((s) => s.servingMs)),
    idleRssMiB: median(startups.map((s) => s.rss)),
  };
  process.stdout.write(
    `${service} start-up to health SERVING: ${startup.servingMs.toFixed(0)} ms, idle RSS after 2 s: ` +
      `${startup.idleRssMiB.toFixed(1)} MiB (median of ${startup.runs}${note ? `, ${note}` : ''})\n`,
  );
  return startup;
}

/** Named bundles → their process ids, for the CPU time charged to each. */
export const pids = (bundles: Record<string, RunningBundle>) =>
  Object.fromEntries(Object.entries(bundles).map(([name, b]) => [name, b.proc.child.pid]));
