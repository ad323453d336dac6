import { once } from 'node:events';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RouteFileError } from './load';
import { RouteWatcher } from './watch';

const file = (upstream: string) => `version: 1
upstreams:
  ${upstream}: { endpoints: ["http://127.0.0.1:1"] }
routes:
  - name: all
    match: { prefix: / }
    proxy: { upstream: ${upstream} }
`;

/** Lays out a directory the way the kubelet mounts a ConfigMap, and swaps it the same way. */
function configMapDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'fig-gw-cm-'));
  let generation = 0;
  const publish = (text: string) => {
    const data = `..${++generation}`;
    mkdirSync(path.join(dir, data));
    writeFileSync(path.join(dir, data, 'routes.yaml'), text);
    symlinkSync(data, path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  };
  return { dir, publish, routes: path.join(dir, 'routes.yaml') };
}

describe('RouteWatcher', () => {
  let cm: ReturnType<typeof configMapDir>;
  let watcher: RouteWatcher;

  beforeEach(() => {
    cm = configMapDir();
    cm.publish(file('first'));
    symlinkSync('..data/routes.yaml', cm.routes);
    watcher = new RouteWatcher(cm.routes, {}, 200);
  });

  afterEach(() => {
    watcher.stop();
    rmSync(cm.dir, { recursive: true, force: true });
  });

  it('reloads when a ConfigMap-style symlink swap replaces the file', async () => {
    expect(Object.keys((await watcher.load()).file.upstreams)).toEqual(['first']);
    watcher.start();
    const loaded = once(watcher, 'loaded');
    cm.publish(file('second'));
    const [next] = await loaded;
    expect(Object.keys(next.file.upstreams)).toEqual(['second']);
  });

  it('reports an invalid new file with its lines instead of loading it', async () => {
    await watcher.load();
    watcher.start();
    const rejected = once(watcher, 'rejected');
    cm.publish(file('second').replace('proxy:', 'proxy_typo:'));
    const [err] = (await rejected) as [RouteFileError];
    expect(err.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^line 7: .*proxy_typo/)]),
    );
  });

  it('reloads a plain file edited in place', async () => {
    const plain = path.join(cm.dir, 'plain.yaml');
    writeFileSync(plain, file('first'));
    const own = new RouteWatcher(plain, {}, 200);
    try {
      await own.load();
      own.start();
      const loaded = once(own, 'loaded');
      writeFileSync(plain, file('third'));
      expect(Object.keys((await loaded)[0].file.upstreams)).toEqual(['third']);
    } finally {
      own.stop();
    }
  });
});
