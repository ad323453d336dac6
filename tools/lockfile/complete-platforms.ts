// Adds the other platforms' optional binaries (@swc/core-darwin-arm64, …) to
// package-lock.json.
//
// Why: the registry mirror this project is developed against serves only this
// platform's prebuilt binaries, so `npm install` cannot resolve the others and
// leaves them out of the lockfile, and `npm ci` then refuses the lockfile as
// out of sync — on every machine. Each missing entry gets the version its
// parent pins and the os/cpu/libc its name states, which is all `npm ci`
// needs to skip it here and fetch it on that platform.
//
// Run after any dependency change: `npm run lock:complete`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findRoot } from '@fig/stages';

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

const lockPath = path.join(findRoot(__dirname), 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages: Record<string, LockEntry> };
const oses = [
  'darwin',
  'linux',
  'win32',
  'android',
  'freebsd',
  'openharmony',
  'sunos',
  'aix',
  'netbsd',
  'openbsd',
];
const cpus = ['arm64', 'x64', 'ia32', 'loong64', 'riscv64', 's390x', 'ppc64', 'armv7', 'arm'];

function platformOf(name: string) {
  const base = name.split('/').pop() as string;
  const os = oses.find((o) => base.includes(o));
  const cpu = cpus.find((c) => base.includes(c));
  const libc = base.includes('musl')
    ? ['musl']
    : os === 'linux' && base.includes('gnu')
      ? ['glibc']
      : undefined;
  return os && cpu
    ? { os: [os], cpu: [cpu === 'armv7' ? 'arm' : cpu], ...(libc ? { libc } : {}) }
    : undefined;
}

const packages = lock.packages;
const added: string[] = [];
for (const meta of Object.values(packages)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key]) continue;
    const platform = platformOf(dep);
    if (!platform) throw new Error(`cannot tell the platform of optional dependency ${dep}`);
    packages[key] = { version, ...platform, optional: true };
    added.push(`${dep}@${version}`);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
process.stdout.write(
  added.length ? `added ${added.length}: ${added.join(', ')}\n` : 'lockfile complete\n',
);
