import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './ports';
import { startProcess, type ManagedProcess } from './process';

/** The workspace root: the nearest folder above this file (or the cwd) holding nx.json. */
export function workspaceRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'nx.json'))) return dir;
      if (dir === path.dirname(dir)) break;
    }
  }
  throw new Error('startBundle: no nx.json above this file or the working directory');
}

/**
 * How a built service is started: `node [--import instrument.js] main.js` in
 * its bundle folder, or, for the Python model-svc, its virtual environment's
 * interpreter (`npm run setup:python`) running the package, with the stubs
 * `nx run model-svc:build` generates (found through the venv's .pth file).
 */
export interface ServiceCommand {
  command?: string;
  args: string[];
  cwd: string;
  /** What must exist for it to start, and the command that makes it. */
  needs: { path: string; make: string }[];
  /** How long it may take to become ready by default. */
  readyTimeoutMs: number;
}

export function serviceCommand(
  app: string,
  {
    root = workspaceRoot(),
    distDir,
    traced = false,
  }: { root?: string; distDir?: string; traced?: boolean } = {},
): ServiceCommand {
  if (app === 'model-svc') {
    const python = path.join(root, 'apps/model-svc/.venv/bin/python');
    return {
      command: python,
      // Tracing follows OTEL_EXPORTER_OTLP_ENDPOINT inside the service itself.
      args: ['-m', 'model_svc'],
      cwd: path.join(root, 'apps/model-svc'),
      // Importing grpcio and OpenTelemetry took 20-35 s on a machine whose disk
      // was saturated (libs/conformance): bounded, just not tightly.
      readyTimeoutMs: 90_000,
      needs: [
        { path: python, make: 'npm run setup:python' },
        {
          path: path.join(root, 'dist/apps/model-svc/generated/fig/model/v1/model_pb2.py'),
          make: 'npx nx run model-svc:build',
        },
      ],
    };
  }
  const dir = path.join(distDir ?? path.join(root, 'dist/apps'), app);
  return {
    args: traced ? ['--import', './instrument.js', 'main.js'] : ['main.js'],
    cwd: dir,
    needs: [{ path: path.join(dir, 'main.js'), make: `npx nx run ${app}:build` }],
    readyTimeoutMs: 20_000,
  };
}

/** Throws naming what is missing, and how to make it, when a service cannot start. */
export function requireBuilt(app: string, command: ServiceCommand) {
  for (const need of command.needs) {
    if (!existsSync(need.path))
      throw new Error(`${app}: ${need.path} does not exist: build it first (${need.make})`);
  }
}

export interface BundleOptions {
  /** The service's environment; PORT and OPS_PORT given here are kept, free ones are picked otherwise. */
  env?: Record<string, string>;
  /** Load `instrument.js` first (`node --import`), as the image does, so tracing hooks load before the app. */
  traced?: boolean;
  /** Arguments replacing the default (`[--import instrument.js] main.js`, or `-m model_svc`), run in the service's folder. */
  args?: string[];
  /**
   * false: run with exactly `env` and pick no ports (a pod's environment,
   * resolved from its manifest). Otherwise test defaults sit under `env`.
   */
  defaults?: boolean;
  /** Wait for `/readyz` (default), `/livez`, or not at all (a spec that expects the start to fail). */
  waitFor?: 'readyz' | 'livez' | 'nothing';
  readyTimeoutMs?: number;
  /** How often readiness is asked (25 ms); a benchmark timing start-up asks more often. */
  readyPollMs?: number;
  /** The folder holding `<app>/main.js`; `<workspace>/dist/apps` by default. */
  distDir?: string;
  /** The Node binary of a Node service (a benchmark runs the images' Node); this process's by default. */
  node?: string;
}

export interface RunningBundle {
  app: string;
  proc: ManagedProcess;
  port: number;
  opsPort: number;
  /** http://127.0.0.1:<port> */
  base: string;
  /** http://127.0.0.1:<ops port> */
  ops: string;
  /** The environment it runs with, defaults included. */
  env: Record<string, string>;
  /** Everything it printed, over every restart (`proc.output()` has the current process only). */
  output(): string;
  /** SIGTERM, as Kubernetes stops a pod; resolves with the exit code (or signal name). */
  stop(): Promise<number | string>;
  /** SIGKILL if still running; resolves when gone. */
  kill(): Promise<void>;
  /** Stops it and starts the same bundle on the same ports (a restarted pod); resolves with the old exit code. */
  restart(): Promise<number | string>;
}

/**
 * Starts a built service (`dist/apps/<app>/main.js`, or the Python model-svc)
 * as a real process, the one way every spec and benchmark does it: free loopback ports unless given,
 * quiet logs, tracing off unless `traced`, a short drain, the caller's env on
 * top; waits for readiness and stops it on request. A process still running
 * when the spec file ends is killed (see startProcess).
 */
export async function startBundle(
  app: string,
  options: BundleOptions = {},
): Promise<RunningBundle> {
  const command = serviceCommand(app, {
    ...(options.distDir ? { distDir: options.distDir } : {}),
    traced: options.traced ?? false,
  });
  requireBuilt(app, command);
  const given = options.env ?? {};
  const defaults = options.defaults ?? true;
  const pick = (value: string | undefined) =>
    value !== undefined || !defaults ? Promise.resolve(value ?? '') : freePort().then(String);
  // Given ports are passed through as written, so a spec can also hand over a bad value.
  const [port, opsPort] = await Promise.all([pick(given.PORT), pick(given.OPS_PORT)]);
  const env: Record<string, string> = !defaults
    ? given
    : {
        POD_NAME: `${app}-test`,
        LOG_LEVEL: 'warn',
        SHUTDOWN_DELAY_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '2000',
        ...(options.traced ? { OTEL_SERVICE_NAME: app } : { OTEL_SDK_DISABLED: 'true' }),
        ...given,
        PORT: port,
        OPS_PORT: opsPort,
      };
  const args = options.args ?? command.args;
  const ops = `http://127.0.0.1:${opsPort}`;
  const wait = options.waitFor ?? 'readyz';

  const spawnIt = () =>
    startProcess({
      ...(command.command || options.node ? { command: command.command ?? options.node } : {}),
      args,
      cwd: command.cwd,
      env,
      ...(wait === 'nothing' ? {} : { readyUrl: `${ops}/${wait}` }),
      readyTimeoutMs: options.readyTimeoutMs ?? command.readyTimeoutMs,
      ...(options.readyPollMs ? { readyPollMs: options.readyPollMs } : {}),
    });

  let earlier = '';
  const running: RunningBundle = {
    app,
    proc: await spawnIt(),
    port: Number(port),
    opsPort: Number(opsPort),
    base: `http://127.0.0.1:${port}`,
    ops,
    env,
    stop() {
      running.proc.signal('SIGTERM');
      return running.proc.exited;
    },
    kill: () => running.proc.kill(),
    output: () => earlier + running.proc.output(),
    async restart() {
      const code = await running.stop();
      earlier += running.proc.output();
      running.proc = await spawnIt();
      return code;
    },
  };
  return running;
}
