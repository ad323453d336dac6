import path from 'node:path';

/** The workspace root: the manifests, the apps' sources and their bundles hang off it. */
export const root = path.resolve(__dirname, '../../..');
export const fromRoot = (...parts: string[]) => path.join(root, ...parts);
