import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Where to look for ports: below the kernel's ephemeral range. A port picked
 * there (the way `listen(0)` picks) is free when checked but not yet bound,
 * and the kernel may meanwhile give it to an outgoing connection as its
 * source port, so the service's listen fails with EADDRINUSE. The kernel
 * never hands out ports below the range on its own.
 */
function searchRange(): [number, number] {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && low >= 12_000) return [10_000, low];
  } catch {
    // Not Linux: the IANA dynamic range starts at 49152.
  }
  return [10_000, 32_768];
}

const [low, high] = searchRange();
/** Ports this process handed out: none twice, although none is bound yet. */
const handedOut = new Set<number>();

/** True when nothing listens on 127.0.0.1:port right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port free on 127.0.0.1 right now (for processes that cannot take port 0). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the check, so concurrent callers never share one
    if (await isPortFree(port)) return port;
    handedOut.delete(port);
  }
  throw new Error(`no free port found in ${low}-${high - 1}`);
}
