import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { waitFor } from '@fig/testing';
import { describeModelServiceConformance } from './model-service';

const root = path.resolve(__dirname, '../../..');
// `npm run setup:python` creates it; the Nx build of model-svc generates its stubs.
const python = path.join(root, 'apps/model-svc/.venv/bin/python');

/** The Python model-svc as a process, as Kubernetes runs it; resolves with its gRPC address. */
async function startPythonModelSvc(modelVersion: string) {
  const child: ChildProcess = spawn(python, ['-m', 'model_svc'], {
    env: {
      PATH: process.env.PATH ?? '',
      MODEL_VERSION: modelVersion,
      PORT: '0',
      OPS_PORT: '0',
      SHUTDOWN_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Nothing of the child may keep Jest running if a spec dies before its clean-up.
  child.unref();
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (c: Buffer) => (output += c.toString()));
    (stream as { unref?: () => void } | null)?.unref?.();
  }
  const listening = () =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; port?: number })
      .find((l) => l.msg === 'model-svc listening');
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`model-svc exited:\n${output}`);
        return Boolean(listening());
      },
      { what: 'model-svc listening', timeoutMs: 90_000 },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address: `127.0.0.1:${listening()!.port}`,
    kill: () => child.exitCode === null && child.kill('SIGKILL'),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code] = await exited;
      clearTimeout(timer);
      expect(code).toBe(0);
    },
  };
}

describe.each(['v1', 'v2'])('the Python model-svc, MODEL_VERSION=%s', (version) => {
  let svc: Awaited<ReturnType<typeof startPythonModelSvc>> | undefined;
  // Importing grpcio and OpenTelemetry took 20-35 s (0.4 s of CPU) on a machine
  // whose disk was saturated; start-up is bounded, just not tightly.
  beforeAll(async () => {
    svc = await startPythonModelSvc(version);
  }, 120_000);
  afterAll(() => svc?.stop());

  describeModelServiceConformance(`Python model-svc ${version}`, () => svc!.address);
});
