import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { answerClientErrors, boundedServerOptions } from '@fig/errors';
import { Registry } from 'prom-client';
import { Agent, request } from 'undici';
import type { GuestbookStore } from '@fig/guestbook';
import type { RedisClient } from '@fig/redis';
import { createGuestbookApp } from '@fig/guestbook-web';
import { createLogger, type Logger } from '@fig/logging';
import { createModel, type ModelVersion } from '@fig/sentiment';
import { createMetrics } from '@fig/service';
import { closeAtEnd, listenOnLoopback } from '@fig/testing';
import { Gateway } from './app';
import { parseRoutes } from './routes/load';

/** Test helpers shared by the gateway's specs: real servers on port 0. */

export const silentLogger: Logger = createLogger({
  service: 'gateway',
  version: 'v1',
  pod: 'test',
  level: 'silent',
});

export interface TestServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: ServerOptions = {},
): Promise<TestServer> {
  const server = answerClientErrors(createServer(options, handler));
  return { ...(await listenOnLoopback(server)), server };
}

/**
 * The monolith's HTTP stack (the shared guestbook app) scoring in process with
 * `version`, for specs of /api/sentiment: its store is never touched.
 */
export function monolithScoring(version: ModelVersion) {
  const model = createModel(version);
  return serve(
    createGuestbookApp({
      store: {} as never,
      scorer: { score: async (text) => model.score(text) },
      info: { service: 'monolith', version: 'v1', pod: 'test', model: version },
      logger: silentLogger,
      metrics: createMetrics({ service: 'monolith', version: 'v1' }),
      isDraining: () => false,
    }),
  );
}

/** An upstream answering JSON naming itself, so a test can tell who served. */
export function namedUpstream(name: string) {
  return serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers }));
  });
}

export interface TestGateway extends TestServer {
  gateway: Gateway;
  registry: Registry;
  /** Loads a new route file text into the running gateway. */
  reload(yaml: string): Promise<void>;
}

export interface GatewayOptions {
  env?: Record<string, string>;
  maxInFlightPerClient?: number;
  accessLog?: boolean;
  /** The production server's limits (boundedServerOptions), shortened for a test. */
  requestTimeoutMs?: number;
  store?: GuestbookStore;
  redis?: RedisClient;
  logger?: Logger;
}

export async function startGateway(
  yaml: string,
  options: GatewayOptions = {},
): Promise<TestGateway> {
  const env = options.env ?? {};
  const registry = new Registry();
  const gateway = new Gateway({
    routes: parseRoutes(yaml, 'test.yaml', env),
    logger: options.logger ?? silentLogger,
    registry,
    accessLog: options.accessLog ?? false,
    retireAfterMs: 50,
    ...(options.store ? { store: options.store } : {}),
    ...(options.redis ? { redis: options.redis } : {}),
    ...(options.maxInFlightPerClient ? { maxInFlightPerClient: options.maxInFlightPerClient } : {}),
  });
  await gateway.apply(parseRoutes(yaml, 'test.yaml', env));
  const server = await serve(
    gateway.handle,
    boundedServerOptions(
      options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {},
    ),
  );
  return {
    ...server,
    gateway,
    registry,
    reload: (next) => gateway.apply(parseRoutes(next, 'test.yaml', env)),
    close: closeAtEnd(async () => {
      await server.close();
      await gateway.close();
    }),
  };
}

/** A client with its own pool, so tests do not share keep-alive sockets by accident. */
export const client = new Agent({ connections: 64, keepAliveTimeout: 1_000 });

export async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { dispatcher: client, headers });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}

export async function send(
  url: string,
  method: 'POST' | 'PUT' | 'DELETE',
  body: string,
  headers: Record<string, string> = {},
) {
  const res = await request(url, {
    dispatcher: client,
    method,
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

/** Reads one sample of a metric from a registry, 0 when absent. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const found = values.find((v) =>
    Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  );
  return found?.value ?? 0;
}

/** Runs `count` requests with `concurrency` in flight; returns the statuses in order of completion. */
export async function load(
  count: number,
  concurrency: number,
  one: (i: number) => Promise<number>,
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) statuses.push(await one(next++).catch(() => 0));
    }),
  );
  return statuses;
}
