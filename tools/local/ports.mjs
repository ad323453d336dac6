// Free ports for `npm start -- --ports auto`, looked for below the kernel's
// ephemeral range: a port picked there is free when checked but bound only
// when its service starts, and meanwhile the kernel could give an ephemeral
// port to an outgoing connection (EADDRINUSE at start-up). The same rule as
// libs/testing's freePort, which .mjs tools cannot import.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

function searchRange() {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    if (low >= 12_000) return [10_000, low];
  } catch {
    // not Linux
  }
  return [10_000, 32_768];
}

const [low, high] = searchRange();
const handedOut = new Set();

const canListen = (port) =>
  new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A port free on 127.0.0.1 now, never the same one twice in this process. */
export async function freePort() {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
    handedOut.delete(port);
  }
  throw new Error(`no free port found in ${low}-${high - 1}`);
}
