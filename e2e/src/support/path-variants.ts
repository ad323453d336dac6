/**
 * Spellings of a path that some HTTP stack somewhere reads as the path itself
 * (trailing slashes, letter case, percent-encoding, empty and dot segments,
 * `;` parameters, fragments, backslashes, absolute form). Each must be refused
 * or routed exactly like the path, never past the path's policies
 * (docs/adr/0207-one-path-rule.md).
 */
export function pathVariants(path: string): string[] {
  const segments = path.split('/').slice(1);
  const hex = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const variants = new Set<string>([
    `${path}/`,
    `${path}//`,
    `${path}/.`,
    `${path}/./`,
    `${path}/x/..`,
    `/${path}`,
    `/.${path}`,
    `/x/..${path}`,
    `/x/%2e%2e${path}`,
    path.toUpperCase(),
    segments
      .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
      .join('/')
      .replace(/^/, '/'),
    path.slice(0, -1) + path.slice(-1).toUpperCase(),
    `${path};`,
    `${path};jsessionid=1`,
    `/${segments[0]};x/${segments.slice(1).join('/')}`.replace(/\/$/, ''),
    `${path}#`,
    `${path}#frag`,
    `${path}%20`,
    `${path}%00`,
    `${path}%2F`,
    `${path}%252F`,
    `${path}%`,
    `${path}\\`,
    path.replace(/\//g, '\\'),
    `http://127.0.0.1${path}`,
  ]);
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (c === '/') {
      variants.add(`${path.slice(0, i)}//${path.slice(i + 1)}`);
      variants.add(`${path.slice(0, i)}%2F${path.slice(i + 1)}`);
      variants.add(`${path.slice(0, i)}%2f${path.slice(i + 1)}`);
      variants.add(`${path.slice(0, i)}\\${path.slice(i + 1)}`);
      variants.add(`${path.slice(0, i)}/./${path.slice(i + 1)}`);
    } else {
      variants.add(`${path.slice(0, i)}${hex(c)}${path.slice(i + 1)}`);
      variants.add(`${path.slice(0, i)}${hex(c).toUpperCase()}${path.slice(i + 1)}`);
    }
  }
  variants.delete(path);
  return [...variants];
}
