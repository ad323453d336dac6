import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAtEnd } from './leaks';
import { freePort } from './ports';

export interface RedisOptions {
  /** Append-only file on: what "nothing acknowledged is lost" needs. */
  aof?: boolean;
  /**
   * When the AOF reaches the disk. `always` survives a power cut; `everysec`
   * (k8s/base/redis) survives a crash of the process, since Redis writes the
   * AOF to the kernel before it replies, and loses up to a second to a node crash.
   */
  fsync?: 'always' | 'everysec';
  password?: string;
  /** A fixed port (npm start's 6379) instead of a free one. */
  port?: number;
  /** A folder that outlives the server (npm start's .data/redis) instead of a temporary one. */
  dir?: string;
}

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM, waits for exit); data stays in `dir`. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL) as an OOM kill or a crash would; data stays in `dir`. */
  crash(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  dispose(): Promise<void>;
}

const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';

function assertInstalled() {
  if (spawnSync(binary, ['--version']).error) {
    throw new Error(
      `${binary} was not found. Install Redis (Debian/Ubuntu: sudo apt-get install -y redis-server; ` +
        'macOS: brew install redis) or set REDIS_SERVER_BIN.',
    );
  }
}

/** Spawns a private redis-server on a free loopback port, in a temporary folder. */
export async function startRedis({
  aof = false,
  fsync = 'always',
  password,
  ...fixed
}: RedisOptions = {}): Promise<RedisServer> {
  assertInstalled();
  const port = fixed.port ?? (await freePort());
  const dir = fixed.dir ?? mkdtempSync(join(tmpdir(), 'fig-redis-'));
  mkdirSync(dir, { recursive: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    aof ? 'yes' : 'no',
    '--appendfsync',
    fsync,
    '--daemonize',
    'no',
    ...(password ? ['--requirepass', password] : []),
  ];
  let child: ChildProcess | undefined;

  async function start() {
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          proc.stdout?.off('data', onData);
          proc.stdout?.resume();
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.resume();
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    });
  }

  async function end(signal: NodeJS.Signals) {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  }
  const stop = () => end('SIGTERM');

  await start();
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir,
    stop,
    crash: () => end('SIGKILL'),
    start,
    dispose: closeAtEnd(async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    }),
  };
}
