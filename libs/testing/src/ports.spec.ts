import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './ports';

describe('freePort', () => {
  it('hands out distinct ports that can be listened on, below the ephemeral range', async () => {
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    expect(new Set(ports).size).toBe(50);
    let ephemeralLow = 32_768;
    try {
      ephemeralLow = Number(
        readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
      );
    } catch {
      // not Linux
    }
    expect(ports.every((p) => p >= 10_000 && p < ephemeralLow)).toBe(true);
    const server = createServer().listen(ports[0], '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    server.close();
  });
});
