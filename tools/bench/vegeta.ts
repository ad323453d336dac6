// The constant-rate load generator: latency at a fixed request rate cannot be
// read from wrk, whose closed loop slows down with the server it measures.
// Debian packages no open-loop generator (wrk2 is not in Debian; `hey` only
// paces each connection), so vegeta is installed from its Go module into
// ~/.cache/fig-bench before the first measurement, like the other tools:
// a run that cannot have it leaves its rows out and says so.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export const vegetaModule = 'github.com/tsenart/vegeta/v12@v12.12.0';
const bin = path.join(homedir(), '.cache/fig-bench/bin');
const vegeta = path.join(bin, 'vegeta');

/** vegeta's path, installing it first with `go install` when missing; undefined when it cannot be. */
export function ensureVegeta(): string | undefined {
  if (existsSync(vegeta)) return vegeta;
  mkdirSync(bin, { recursive: true });
  spawnSync('go', ['install', vegetaModule], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: bin, PATH: `/usr/local/go/bin:${process.env.PATH}` },
    timeout: 600_000,
  });
  return existsSync(vegeta) ? vegeta : undefined;
}

export interface RateResult {
  /** The rate asked for, requests per second. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** Share of answers with a 2xx status. */
  success: number;
}

/** `GET url` at a constant `rate` for `seconds` over up to `connections` keep-alive connections. */
export function runVegeta(
  binary: string,
  url: string,
  { rate, seconds, connections }: { rate: number; seconds: number; connections: number },
): RateResult {
  const attack = spawnSync(
    binary,
    [
      'attack',
      `-rate=${Math.round(rate)}/1s`,
      `-duration=${seconds}s`,
      `-connections=${connections}`,
      `-max-connections=${connections}`,
    ],
    { input: `GET ${url}\n`, maxBuffer: 512 * 1024 * 1024, timeout: (seconds + 30) * 1_000 },
  );
  if (attack.status !== 0) throw new Error(`vegeta attack failed on ${url}: ${attack.stderr}`);
  const report = spawnSync(binary, ['report', '-type=json'], {
    input: attack.stdout,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (report.status !== 0) throw new Error(`vegeta report failed: ${report.stderr}`);
  const parsed = JSON.parse(report.stdout) as {
    latencies: { '50th': number; '99th': number };
    success: number;
  };
  const ms = (ns: number) => ns / 1e6;
  return {
    rate,
    p50Ms: ms(parsed.latencies['50th']),
    p99Ms: ms(parsed.latencies['99th']),
    success: parsed.success,
  };
}
