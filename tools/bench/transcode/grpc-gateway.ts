// grpc-gateway (Go) as the transcoding benchmark's peer: generated for
// fig.store.v1 with Debian's protoc and the plugins from their Go modules,
// built and cached in ~/.cache/fig-bench, never in the repository. Rebuilt
// when the proto, the HTTP rule or main.go change.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { freePort, root, sleep } from '../support';
import { ensureCommands, has } from '../wrk';

const plugins = {
  'protoc-gen-go': 'google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12',
  'protoc-gen-go-grpc': 'google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2',
  'protoc-gen-grpc-gateway':
    'github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@v2.34.0',
};
const gatewayModule = 'github.com/grpc-ecosystem/grpc-gateway/v2@v2.34.0';

const here = path.join(root, 'tools/bench/transcode/grpc-gateway');
const proto = path.join(root, 'libs/proto/proto');
const cache = path.join(homedir(), '.cache/fig-bench');
const goPath = ['/usr/local/go/bin', path.join(cache, 'bin'), process.env.PATH].join(':');

export interface GrpcGatewayPeer {
  running?: { url: string; stop: () => Promise<void> };
  version: string;
  /** Why there is no peer, when there is none. */
  why?: string;
}

function run(cmd: string, args: string[], cwd: string) {
  const env = { ...process.env, PATH: goPath, GOBIN: path.join(cache, 'bin'), GOFLAGS: '-mod=mod' };
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
}

/** The built binary, building it first when its inputs changed. */
function build(): string {
  const inputs = ['fig/store/v1/store.proto'].map((f) => readFileSync(path.join(proto, f)));
  inputs.push(
    readFileSync(path.join(here, 'http-rule.yaml')),
    readFileSync(path.join(here, 'main.go')),
  );
  const hash = createHash('sha256')
    .update(Buffer.concat(inputs))
    .update(gatewayModule)
    .digest('hex');
  const dir = path.join(cache, 'grpc-gateway');
  const binary = path.join(dir, 'grpc-gateway');
  const stamp = path.join(dir, 'inputs.sha256');
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash)
    return binary;
  for (const [name, module] of Object.entries(plugins)) {
    if (!existsSync(path.join(cache, 'bin', name))) run('go', ['install', module], cache);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'storev1'), { recursive: true });
  const module = 'figbench/grpcgateway';
  const opt = `module=${module},Mfig/store/v1/store.proto=${module}/storev1`;
  run(
    'protoc',
    [
      `-I${proto}`,
      '-I/usr/include',
      `--go_out=.`,
      `--go_opt=${opt}`,
      `--go-grpc_out=.`,
      `--go-grpc_opt=${opt}`,
      `--grpc-gateway_out=.`,
      `--grpc-gateway_opt=${opt},grpc_api_configuration=${path.join(here, 'http-rule.yaml')}`,
      'fig/store/v1/store.proto',
    ],
    dir,
  );
  copyFileSync(path.join(here, 'main.go'), path.join(dir, 'main.go'));
  run('go', ['mod', 'init', module], dir);
  run('go', ['get', gatewayModule], dir);
  run('go', ['mod', 'tidy'], dir);
  run('go', ['build', '-o', binary, '.'], dir);
  writeFileSync(path.join(dir, 'inputs.sha256'), hash);
  return binary;
}

/** Builds (or reuses) and starts grpc-gateway in front of `storeAddr` (host:port). */
export async function startGrpcGateway(storeAddr: string): Promise<GrpcGatewayPeer> {
  const version = gatewayModule.split('@')[1] as string;
  // Debian's protoc, and the well-known types the contract imports (Timestamp).
  const haveProtoc = () =>
    has('protoc') && existsSync('/usr/include/google/protobuf/timestamp.proto');
  if (!haveProtoc()) ensureCommands(['protobuf-compiler', 'libprotobuf-dev']);
  if (!haveProtoc()) {
    return {
      version,
      why: 'protoc could not be installed (apt protobuf-compiler libprotobuf-dev)',
    };
  }
  if (spawnSync('sh', ['-c', `PATH=${goPath} command -v go`]).status !== 0) {
    return { version, why: 'Go is not installed (/usr/local/go/bin/go)' };
  }
  let binary: string;
  try {
    binary = build();
  } catch (err) {
    return { version, why: `grpc-gateway could not be built: ${(err as Error).message}` };
  }
  const port = await freePort();
  // One OS thread runs Go code, as one Node thread runs the gateway's JavaScript.
  const child: ChildProcess = spawn(binary, [], {
    env: { PORT: String(port), STORE_ADDR: storeAddr, GOMAXPROCS: '1' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sleep(50);
  };
  for (let i = 0; i < 400 && child.exitCode === null; i++) {
    const ok = await fetch(`${url}/api/entries`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { version, running: { url, stop } };
    await sleep(25);
  }
  await stop();
  return { version, why: 'grpc-gateway did not answer within 10 s' };
}
