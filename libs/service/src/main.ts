import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens and resolves with the bound port (the OS picks one for port 0). */
export async function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Runs a service's composition root. A configuration error prints its one
 * message and exits 1; an unexpected exception anywhere is reported and exits
 * 1, leaving the restart to the orchestrator rather than limping on.
 */
export function runMain(main: () => Promise<unknown>) {
  const fail = (err: unknown) => {
    const message =
      err instanceof Error && err.name === 'ConfigError'
        ? err.message
        : err instanceof Error
          ? err.stack
          : String(err);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  main().catch(fail);
}
