// `npm run bench`: every benchmark in turn, each printing its figures as
// ratios against a baseline measured in the same run, and writing JSON under
// test-output/bench/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { root } from './support';

const out = path.join(root, 'test-output/bench');
const benches: [string, string[]][] = [
  ['startup', ['--json', path.join(out, 'startup.json')]],
  ['store-list', ['--json', path.join(out, 'store-list.json')]],
  ['model-score', ['--json', path.join(out, 'model-score.json')]],
  ['frontend-page', []],
  ['gateway/run', ['--json', path.join(out, 'gateway.json')]],
];

// Every benchmark needs a Redis and a load generator; install them once, as
// .ci/run does for the tests (the gateway's adds nginx and haproxy itself).
const has = (cmd: string) =>
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = ['redis-server', 'wrk'].filter((cmd) => !has(cmd));
if (missing.length && has('apt-get')) {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  const install = `${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`;
  process.stdout.write(`installing ${missing.join(', ')} with apt-get…\n`);
  spawnSync('sh', ['-c', `${sudo}apt-get update -qq && ${install}`], { stdio: 'inherit' });
}

let failed = 0;
for (const [name, args] of benches) {
  const file = path.join(__dirname, `${name}.js`);
  if (!existsSync(file)) continue;
  process.stdout.write(`\n== ${name}\n`);
  const run = spawnSync(process.execPath, [file, ...args], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
