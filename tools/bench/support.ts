// Small helpers every benchmark shares.
import { readFileSync } from 'node:fs';

export { setTimeout as sleep } from 'node:timers/promises';
// The same free-port rule as npm start (below the ephemeral range, never twice).
export { freePort } from '../local/ports.mjs';

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Resident memory of a process, from /proc (Linux). */
export const rssMiB = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
