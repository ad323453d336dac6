// `npm run bench:gateway`: the gateway against the reverse proxies people
// compare it with, on this machine, in the same run and under the same load.
//
//   node dist/tools/bench/gateway/run.js [--duration 5] [--rounds 3] [--connections 32]
//     [--node <binary>] [--json out.json]
//
// A small node:http upstream is put behind: nothing (direct), the gateway
// (built bundle, one process), nginx (one worker) and haproxy (one thread),
// both as plain keep-alive reverse proxies, and Express + http-proxy-middleware.
// Each is driven with wrk -t1 (never a Node load generator: the run stops when
// wrk cannot be installed) after a warm-up,
// in several interleaved rounds; the median round is reported, so a burst of
// load from elsewhere on a shared machine does not land on one proxy only.
// Missing wrk/nginx/haproxy are installed with apt-get before anything is measured.
// The gateway runs twice: as `node main.js`, and with the Node options of the
// images' CMD (Dockerfile), which is what a pod pays. `--node` picks the Node
// binary of every Node process here (the images run Node 24; the host's by default).
/* eslint-disable no-console */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeBenchReport, type BenchRow } from '../report';
import { bundled, freePort, median, peakRssMiB, root, sleep } from '../support';
import { defaultDockerfile, imageNodeFlags } from '../startup-image';
import { ensureVegeta, runVegeta, vegetaModule, type RateResult } from '../vegeta';
import { binary, ensureCommands, requireWrk, runWrk, wrkCommand } from '../wrk';
import { gatewayRoutes, haproxyConfig, nginxConfig } from './configs';

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}
type Started = ChildProcess & { output(): string };

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    json: { type: 'string', default: path.join(root, 'test-output/bench/gateway.json') },
    node: { type: 'string', default: process.execPath },
  },
});
const nodeBinary = values.node as string;
const nodeVersion = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout.trim();
const imageFlags = imageNodeFlags(defaultDockerfile(root));
const imageVariant = `gateway ${imageFlags.join(' ')}`;
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
function start(cmd: string, args: string[], env: Record<string, string | undefined> = {}): Started {
  // undefined unsets a variable of ours (REDIS_URL: the gateway then counts rate limits locally).
  const merged = Object.fromEntries(
    Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined),
  );
  const child = spawn(cmd, args, { env: merged, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  children.push(child);
  return Object.assign(child, { output: () => stderr });
}

async function waitUntilServing(url: string, child: Started) {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null)
      throw new Error(`${child.spawnargs.join(' ')} exited:\n${child.output()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  throw new Error(`${url} never answered`);
}

const drive = (url: string, seconds: number): Measured => {
  const r = runWrk(url, connections, seconds);
  return { rps: r.rps, p50: r.p50Ms, p99: r.p99Ms, errors: r.errors };
};

async function main() {
  ensureCommands(['nginx', 'haproxy']); // a proxy that cannot be had is left out, and said so
  requireWrk();
  const vegeta = ensureVegeta();
  if (!existsSync(path.join(root, 'dist/apps/gateway/main.js'))) {
    spawnSync(process.execPath, [path.join(root, 'tools/build/bundle.mjs'), 'gateway'], {
      stdio: 'inherit',
    });
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'fig-bench-gateway-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const ports = {
    upstream: await freePort(),
    nginx: await freePort(),
    haproxy: await freePort(),
    express: await freePort(),
  };
  const upstreamUrl = `http://127.0.0.1:${ports.upstream}`;
  /** pid: a Node process whose memory is reported (peak RSS over the whole run). */
  const targets: { name: string; url: string; pid?: number }[] = [];

  const upstream = start(nodeBinary, [bundled('gateway/upstream')], {
    PORT: String(ports.upstream),
  });
  await waitUntilServing(upstreamUrl, upstream);
  targets.push({ name: 'direct', url: `${upstreamUrl}/` });

  writeFileSync(path.join(dir, 'routes.yaml'), gatewayRoutes(upstreamUrl));
  // Twice: as `node main.js` runs it, and with the images' Node options (their
  // 2 MiB young generation makes the collector run more often under load, ADR 0217).
  for (const [name, flags] of [
    ['gateway', []],
    [imageVariant, imageFlags],
  ] as const) {
    const [port, opsPort] = [await freePort(), await freePort()];
    const child = start(nodeBinary, [...flags, path.join(root, 'dist/apps/gateway/main.js')], {
      PORT: String(port),
      OPS_PORT: String(opsPort),
      GATEWAY_ROUTES: path.join(dir, 'routes.yaml'),
      LOG_LEVEL: 'warn',
      ACCESS_LOG: 'false',
      REDIS_URL: undefined,
      // All load comes from one address here; nginx and haproxy get no such limit either.
      MAX_IN_FLIGHT_PER_CLIENT: String(connections * 2),
    });
    await waitUntilServing(`http://127.0.0.1:${opsPort}/readyz`, child);
    targets.push({ name, url: `http://127.0.0.1:${port}/`, pid: child.pid });
  }

  const nginx = binary('nginx');
  if (nginx) {
    for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
      mkdirSync(path.join(dir, sub));
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      nginxConfig({ dir, port: ports.nginx, upstreamPort: ports.upstream }),
    );
    const child = start(nginx, ['-c', path.join(dir, 'nginx.conf'), '-p', dir]);
    await waitUntilServing(`http://127.0.0.1:${ports.nginx}/`, child);
    targets.push({ name: 'nginx', url: `http://127.0.0.1:${ports.nginx}/` });
  }
  const haproxy = binary('haproxy');
  if (haproxy) {
    writeFileSync(
      path.join(dir, 'haproxy.cfg'),
      haproxyConfig({ port: ports.haproxy, upstreamPort: ports.upstream }),
    );
    const child = start(haproxy, ['-db', '-f', path.join(dir, 'haproxy.cfg')]);
    await waitUntilServing(`http://127.0.0.1:${ports.haproxy}/`, child);
    targets.push({ name: 'haproxy', url: `http://127.0.0.1:${ports.haproxy}/` });
  }
  const express = start(nodeBinary, [bundled('gateway/express-proxy')], {
    PORT: String(ports.express),
    UPSTREAM_URL: upstreamUrl,
  });
  await waitUntilServing(`http://127.0.0.1:${ports.express}/`, express);
  targets.push({
    name: 'http-proxy-middleware',
    url: `http://127.0.0.1:${ports.express}/`,
    pid: express.pid,
  });

  console.log(
    `load: wrk -t1 -c${connections}, ${rounds} rounds of ${duration} s each, after a 3 s warm-up`,
  );
  const runs: Record<string, Measured[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (const target of targets) drive(target.url, 3);
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) runs[target.name]?.push(drive(target.url, duration));
  }
  const results: Record<string, Measured & { rounds: number[]; peakRssMiB?: number }> = {};
  for (const target of targets) {
    const measured = runs[target.name] ?? [];
    const sorted = [...measured].sort((a, b) => a.rps - b.rps);
    const peak = target.pid ? peakRssMiB(target.pid) : undefined;
    const r = (results[target.name] = {
      ...(sorted[Math.floor(sorted.length / 2)] as Measured),
      rounds: measured.map((x) => Math.round(x.rps)),
      ...(peak ? { peakRssMiB: Number(peak.toFixed(1)) } : {}),
    });
    console.log(
      `${target.name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   rounds ${r.rounds.join(' / ')}${r.errors ? `   errors ${r.errors}` : ''}${peak ? `   peak RSS ${peak.toFixed(1)} MiB` : ''}`,
    );
  }
  const ratio = (a: string, b: string) => {
    const [x, y] = [results[a], results[b]];
    return x && y ? Number((x.rps / y.rps).toFixed(2)) : null;
  };
  const ratios = {
    'gateway/nginx': ratio('gateway', 'nginx'),
    'gateway/haproxy': ratio('gateway', 'haproxy'),
    'gateway/http-proxy-middleware': ratio('gateway', 'http-proxy-middleware'),
    'gateway/direct': ratio('gateway', 'direct'),
    "gateway with the images' options/nginx": ratio(imageVariant, 'nginx'),
  };
  for (const [name, value] of Object.entries(ratios))
    console.log(`${name.padEnd(40)} ${value ?? 'n/a'}`);

  // The target's rate is half nginx's. Where that saturates the gateway (two
  // cores shared by the load generator, the upstream and the proxy), its p99
  // is queueing, so the latency at half the gateway's own rate is measured
  // too: what a request pays for the hop when the gateway keeps up.
  const atRate =
    vegeta && results.nginx
      ? latencyAt(vegeta, targets, results.nginx.rps / 2, "half nginx's rate")
      : undefined;
  const atOwnRate =
    vegeta && results.gateway
      ? latencyAt(vegeta, targets, results.gateway.rps / 2, "half the gateway's rate")
      : undefined;
  const tool = wrkCommand(connections, duration);
  const command =
    `node dist/tools/bench/gateway/run.js --rounds ${rounds} --duration ${duration} --connections ${connections}` +
    (nodeBinary !== process.execPath ? ' --node <binary>' : '');
  const gw = results.gateway;
  // What a pod holds: its young generation is capped by the images' options (ADR 0018).
  const pod = results[imageVariant];
  const against = [
    ['nginx', 'nginx (1 worker)'],
    ['haproxy', 'haproxy (1 thread)'],
    ['http-proxy-middleware', 'Express + http-proxy-middleware'],
  ]
    .filter(([name]) => results[name as string])
    .map(([name, label]) => `${ratio('gateway', name as string)}× ${label}`);
  const rows: BenchRow[] = gw
    ? [
        {
          what: `gateway proxying, ${tool}, median of ${rounds} interleaved rounds, Node ${nodeVersion}`,
          figure: `${(gw.rps / 1000).toFixed(1)}k req/s, p99 ${gw.p99.toFixed(1)} ms`,
          baseline: against.join(', ') || 'no peer proxy could be installed',
          command,
          ratios: [
            ...(ratios['gateway/nginx'] === null
              ? []
              : [
                  {
                    label: 'gateway req/s (× nginx)',
                    value: ratios['gateway/nginx'],
                    target: 0.7,
                    higherIsBetter: true,
                  },
                ]),
            ...(ratios['gateway/haproxy'] === null
              ? []
              : [
                  {
                    label: 'gateway req/s (× haproxy)',
                    value: ratios['gateway/haproxy'],
                    higherIsBetter: true,
                  },
                ]),
            ...(ratios["gateway with the images' options/nginx"] === null
              ? []
              : [
                  {
                    label: `gateway req/s with the images' options ${imageFlags.join(' ')} (× nginx)`,
                    value: ratios["gateway with the images' options/nginx"],
                    higherIsBetter: true,
                  },
                ]),
          ],
        },
        ...(pod?.peakRssMiB
          ? [
              {
                what: `gateway memory under that load with the images' options ${imageFlags.join(' ')}, as a pod runs it (peak RSS, VmHWM, over warm-up and all rounds)`,
                figure: `${pod.peakRssMiB} MiB`,
                baseline: [
                  `\`node main.js\` without those options: ${gw.peakRssMiB ?? 'n/a'} MiB`,
                  results['http-proxy-middleware']?.peakRssMiB
                    ? `Express + http-proxy-middleware: ${results['http-proxy-middleware'].peakRssMiB} MiB under the same load`
                    : 'no Node peer measured',
                ].join('; '),
                command,
              },
            ]
          : []),
        atRate
          ? {
              what: `gateway latency at half nginx's rate (${atRate.rate.toFixed(0)} req/s, constant, vegeta ${vegetaModule.split('@')[1]}, ${connections} connections), median of ${rounds} interleaved rounds`,
              figure: `p99 added ${atRate.added.toFixed(2)} ms (gateway p99 ${atRate.gateway.toFixed(2)} ms, direct ${atRate.direct.toFixed(2)} ms)`,
              baseline: `the upstream direct at the same rate; nginx adds ${atRate.nginxAdded.toFixed(2)} ms (target: the gateway adds ≤ 1 ms)`,
              command,
            }
          : {
              what: "gateway latency at half nginx's rate",
              figure: 'not measured',
              baseline: vegeta
                ? 'nginx could not be run'
                : `vegeta could not be installed (go install ${vegetaModule})`,
              command,
            },
        ...(atOwnRate
          ? [
              {
                what: `gateway latency at half its own rate (${atOwnRate.rate.toFixed(0)} req/s, constant, vegeta ${vegetaModule.split('@')[1]}, ${connections} connections), median of ${rounds} interleaved rounds`,
                figure: `p99 added ${atOwnRate.added.toFixed(2)} ms (gateway p99 ${atOwnRate.gateway.toFixed(2)} ms, direct ${atOwnRate.direct.toFixed(2)} ms)`,
                baseline: `the upstream direct at the same rate; nginx adds ${atOwnRate.nginxAdded.toFixed(2)} ms`,
                command,
              },
            ]
          : []),
      ]
    : [];
  writeBenchReport(values.json as string, {
    bench: 'gateway',
    command,
    cores: cpus().length,
    rows,
    data: {
      tool,
      connections,
      durationSeconds: duration,
      rounds,
      results,
      ratios,
      atRate,
      atOwnRate,
    },
  });
  console.log(`written to ${path.relative(process.cwd(), values.json as string)}`);
}

/**
 * p99 at a constant rate, for the upstream direct, the gateway and nginx in
 * interleaved rounds: what each proxy adds to a request at that rate, which a
 * closed-loop wrk cannot show.
 */
function latencyAt(
  vegeta: string,
  targets: { name: string; url: string }[],
  rate: number,
  label: string,
) {
  const names = ['direct', 'gateway', 'nginx'];
  const runs: Record<string, RateResult[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const target of targets.filter((t) => names.includes(t.name))) {
      (runs[target.name] ??= []).push(
        runVegeta(vegeta, target.url, { rate, seconds: duration, connections }),
      );
    }
  }
  const p99 = (name: string, i: number) => runs[name]?.[i]?.p99Ms ?? NaN;
  const added = (name: string) =>
    median(Array.from({ length: rounds }, (_, i) => p99(name, i) - p99('direct', i)));
  const medianP99 = (name: string) => median((runs[name] ?? []).map((r) => r.p99Ms));
  const result = {
    rate,
    added: added('gateway'),
    nginxAdded: added('nginx'),
    gateway: medianP99('gateway'),
    direct: medianP99('direct'),
    runs,
  };
  console.log(
    `at ${label}, ${rate.toFixed(0)} req/s: gateway adds ${result.added.toFixed(2)} ms to p99, nginx ${result.nginxAdded.toFixed(2)} ms`,
  );
  return result;
}

function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups) cleanup();
}
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});
main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(stopAll);
