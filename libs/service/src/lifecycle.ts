import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export interface LifecycleOptions {
  logger: Logger;
  /** How long to keep serving after readiness fails, so endpoints stop routing here. */
  delayMs: number;
  /** Budget for in-flight requests to finish once we stop accepting. */
  timeoutMs: number;
}

interface Drainable {
  name: string;
  /** Stop accepting and resolve when in-flight work is done. */
  close(): Promise<void>;
  /** Cut whatever is still open once the budget is spent. */
  force(): void;
}

interface Step {
  name: string;
  run(): Promise<unknown> | unknown;
}

/**
 * The shutdown sequence every Fig service follows:
 * readiness fails → wait delayMs → stop accepting and drain within timeoutMs →
 * flush telemetry and close clients, in the order they were registered.
 * Liveness is untouched throughout, so Kubernetes does not kill a draining pod.
 */
export class Lifecycle {
  private state: 'running' | 'draining' | 'stopped' = 'running';
  private readonly onDrainHooks: Step[] = [];
  private readonly servers: Drainable[] = [];
  private readonly cleanups: Step[] = [];
  private shutdownPromise?: Promise<void>;

  constructor(private readonly options: LifecycleOptions) {}

  get draining(): boolean {
    return this.state !== 'running';
  }

  /** Runs as soon as shutdown starts (e.g. gRPC health → NOT_SERVING). */
  onDrain(name: string, run: Step['run']): this {
    this.onDrainHooks.push({ name, run });
    return this;
  }

  addServer(server: Drainable): this {
    this.servers.push(server);
    return this;
  }

  /**
   * An HTTP server drained in two steps. While readiness fails (the delay),
   * every response says `Connection: close`: each keep-alive client leaves
   * after its next answer and reconnects through the Service, which by then
   * sends it to a ready pod. So few sockets are left to close when the server
   * stops, and none of them can take a request to a pod that is gone.
   */
  addHttpServer(name: string, server: Server): this {
    server.prependListener('request', (_req, res) => {
      if (this.draining && !res.headersSent) res.setHeader('connection', 'close');
    });
    return this.addServer({
      name,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
      force: () => server.closeAllConnections(),
    });
  }

  /** Runs after the servers have drained (telemetry flush, client close). */
  addCleanup(name: string, run: Step['run']): this {
    this.cleanups.push({ name, run });
    return this;
  }

  shutdown(reason: string): Promise<void> {
    this.shutdownPromise ??= this.run(reason);
    return this.shutdownPromise;
  }

  private async run(reason: string): Promise<void> {
    const { logger, delayMs, timeoutMs } = this.options;
    this.state = 'draining';
    logger.info({ reason, delayMs, timeoutMs }, 'shutdown: readiness now failing');
    for (const hook of this.onDrainHooks) await this.safely('drain hook', hook);

    await sleep(delayMs);
    logger.info('shutdown: no longer accepting, draining in-flight work');
    const drained = Promise.all(this.servers.map((s) => s.close())).then(() => true);
    // Unreferenced: once drained, the budget's timer must not keep the process up.
    const budget = sleep(timeoutMs, false, { ref: false });
    const inTime = await Promise.race([drained, budget]);
    if (!inTime) {
      logger.warn({ timeoutMs }, 'shutdown: drain budget spent, closing what is left');
      this.servers.forEach((s) => s.force());
    }

    for (const step of this.cleanups) await this.safely('cleanup', step);
    this.state = 'stopped';
    logger.info('shutdown: done');
  }

  private async safely(kind: string, step: Step) {
    try {
      await step.run();
    } catch (err) {
      this.options.logger.error({ err, step: step.name }, `shutdown: ${kind} failed`);
    }
  }
}

/** SIGTERM/SIGINT start the shutdown; a second signal exits at once. */
export function installSignalHandlers(
  lifecycle: Lifecycle,
  logger: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
) {
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn({ signal }, 'second signal: exiting now');
      return exit(130);
    }
    received = true;
    lifecycle.shutdown(signal).then(
      () => exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
