// gRPC helpers the benchmarks share: a unary call as a promise, start-up
// measured to the standard health service answering SERVING, and a kill.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { root, sleep } from './support';

/** A client of a service loaded at run time: methods by name. */
export type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
export type ClientConstructor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => Client;

const healthProto = path.join(root, 'node_modules/grpc-health-check/proto/health/v1/health.proto');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const health: any = grpc.loadPackageDefinition(
  protoLoader.loadSync([healthProto], { longs: Number, enums: String }),
);
const Health = health.grpc.health.v1.Health as ClientConstructor;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const unary = (client: Client, method: string, request: unknown): Promise<any> =>
  new Promise((resolve, reject) =>
    client[method]?.(
      request,
      { deadline: Date.now() + 2_000 },
      (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res)),
    ),
  );

export async function kill(child: ChildProcess) {
  if (child.exitCode !== null) return;
  await new Promise((r) => {
    child.once('exit', () => r(undefined));
    child.kill('SIGKILL');
  });
}

/** Spawn → the standard health service answers SERVING. */
export async function untilServing(child: ChildProcess, port: number) {
  // Reconnect at once while the port is not open yet (the default backoff of
  // 1 s would be measured instead of the service).
  const health = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': 5,
    'grpc.max_reconnect_backoff_ms': 5,
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      const res = await unary(health, 'Check', { service: '' }).catch(() => undefined);
      if (res?.status === 'SERVING') return;
      await sleep(5);
    }
  } finally {
    health.close();
  }
}
