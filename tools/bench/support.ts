// Small helpers every benchmark shares. Ports and Redis come from
// @fig/testing, as for the tests and npm start: one rule for free ports.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findRoot } from '@fig/stages';

export { setTimeout as sleep } from 'node:timers/promises';
export { freePort, startRedis } from '@fig/testing';

/** The workspace root, wherever the bundle runs from. */
export const root = findRoot(__dirname);
/** Where the benchmarks' own bundled helpers (upstream, express-proxy) live. */
export const bundled = (name: string) => path.join(root, 'dist/tools/bench', `${name}.js`);

export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const status = (pid: number | undefined, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) /
  1024;
/** Resident memory of a process, from /proc (Linux). */
export const rssMiB = (pid: number | undefined) => status(pid, 'VmRSS');
/** The most a process has been resident so far (its high-water mark). */
export const peakRssMiB = (pid: number | undefined) => status(pid, 'VmHWM');
