import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { loadCatalogue } from '@fig/stages';
import { waitFor } from '@fig/testing';
import { root, startLocalStage, type LocalStage } from './support/local-stage';

const catalogue = loadCatalogue(root);

/** Every port the runner reports (HTTP, gRPC, ops) and each process's pid, from its "Ready" table. */
function processes(output: string) {
  return [
    ...output.matchAll(
      /^ {2}([\w-]+)\s+(?:http|grpc):\/\/[^:]+:(\d+)\s+ops http:\/\/[^:]+:(\d+)\s+pid (\d+)$/gm,
    ),
  ].map((m) => ({ name: m[1] as string, ports: [Number(m[2]), Number(m[3])], pid: Number(m[4]) }));
}

/** The port of the Redis the runner spawned, from its banner. */
const redisPort = (output: string) =>
  Number(/^ {2}redis\s+redis:\/\/127\.0\.0\.1:(\d+) \(spawned/m.exec(output)?.[1]);

/** Whether something accepts TCP connections on host:port. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** This machine's own address on a non-loopback interface (what a LAN neighbour would dial). */
const ownAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe('npm start (the local runner)', () => {
  describe(`${catalogue.defaultStage.id} with a route file of the user's own, Redis spawned by the runner`, () => {
    let system: LocalStage;
    let ownRoutes: string;

    beforeAll(async () => {
      // The stage's preset with one route renamed: a file only this user has.
      ownRoutes = path.join(mkdtempSync(path.join(tmpdir(), 'fig-routes-')), 'routes.yaml');
      const preset = path.join(
        root,
        'apps/gateway/routes',
        `${catalogue.defaultStage.preset}.yaml`,
      );
      copyFileSync(preset, ownRoutes);
      writeFileSync(
        ownRoutes,
        readFileSync(ownRoutes, 'utf8').replace('name: stats', 'name: my-own-stats'),
      );
      system = await startLocalStage(catalogue.defaultStage.id, undefined, [], {
        GATEWAY_ROUTES: ownRoutes,
      });
    }, 90_000);

    afterAll(() => system?.stop());

    it('serves the route file named in GATEWAY_ROUTES instead of the preset', async () => {
      const gateway = processes(system.output()).find((p) => p.name === 'gateway');
      const view = await (
        await fetch(`http://127.0.0.1:${gateway?.ports[1]}/gateway/routes`)
      ).text();
      expect(view).toContain('my-own-stats');
      expect(view).toContain(ownRoutes);
      expect((await fetch(`${system.url}/api/stats`)).status).toBe(200);
    });

    it('binds every HTTP, gRPC and ops port to loopback only', async () => {
      const address = ownAddress();
      if (!address) throw new Error('this spec needs a non-loopback IPv4 interface');
      const listed = processes(system.output());
      expect(listed.map((p) => p.name).sort()).toEqual(
        catalogue.appsOf(catalogue.defaultStage).sort(),
      );
      for (const { name, ports } of listed) {
        for (const port of ports) {
          expect({ name, port, loopback: await accepts('127.0.0.1', port) }).toEqual({
            name,
            port,
            loopback: true,
          });
          expect({ name, port, network: await accepts(address, port) }).toEqual({
            name,
            port,
            network: false,
          });
        }
      }
    });

    it('on Ctrl-C stops every service and its Redis, and exits 0', async () => {
      const listed = processes(system.output());
      const redis = redisPort(system.output());
      expect(await accepts('127.0.0.1', redis)).toBe(true);
      expect(await system.stop()).toBe(0);
      expect(await accepts('127.0.0.1', redis)).toBe(false);
      for (const p of listed)
        expect({ name: p.name, gone: gone(p.pid) }).toEqual({ name: p.name, gone: true });
    }, 60_000);
  });

  describe('when a service is killed (kill -9)', () => {
    let system: LocalStage;

    beforeAll(async () => {
      system = await startLocalStage(catalogue.resolve('1').id, undefined);
    }, 90_000);

    afterAll(() => system?.stop());

    it('stops the other services and Redis, and exits non-zero', async () => {
      const listed = processes(system.output());
      const redis = redisPort(system.output());
      const monolith = listed.find((p) => p.name === 'monolith');
      process.kill(monolith?.pid as number, 'SIGKILL');
      expect(await system.exited).toBe(1);
      expect(system.output()).toMatch(
        /\[monolith\] exited unexpectedly \(SIGKILL\); stopping everything/,
      );
      await waitFor(async () => !(await accepts('127.0.0.1', redis)), {
        timeoutMs: 5_000,
        what: 'Redis to stop',
      });
      for (const p of listed)
        expect({ name: p.name, gone: gone(p.pid) }).toEqual({ name: p.name, gone: true });
    }, 60_000);
  });
});
