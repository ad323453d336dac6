export interface Answer {
  status: number;
  /** Undefined when the body was larger than the mirror keeps. */
  body: Buffer | undefined;
}

/** `entries[].createdAt` → ['entries', '[]', 'createdAt']; `*` stands for any key. */
function tokens(path: string): string[] {
  return path
    .split('.')
    .flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), '[]'] : [part]))
    .filter(Boolean);
}

function remove(node: unknown, path: string[], i: number) {
  const token = path[i]!;
  const last = i === path.length - 1;
  if (token === '[]') {
    if (Array.isArray(node) && !last) for (const item of node) remove(item, path, i + 1);
    return;
  }
  if (!node || typeof node !== 'object' || Array.isArray(node)) return;
  const object = node as Record<string, unknown>;
  for (const key of token === '*' ? Object.keys(object) : [token]) {
    if (!(key in object)) continue;
    if (last) delete object[key];
    else remove(object[key], path, i + 1);
  }
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function diff(a: unknown, b: unknown, path: string, out: string[]) {
  if (out.length >= 10 || a === b) return;
  const bothObjects =
    a &&
    b &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    out.push(`${path || '$'}: ${short(a)} != ${short(b)}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path || '$'}: ${a.length} items != ${b.length} items`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
    diff(x[key], y[key], path ? `${path}.${key}` : key, out);
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The field a difference from compareAnswers is about, with array indices
 * folded (`entries[3].sentiment.label: …` → `entries[].sentiment.label`), so
 * that counting differences per field keeps a bounded set of labels.
 */
export function fieldOf(difference: string): string {
  const at = difference.indexOf(': ');
  const path = at < 0 ? difference : difference.slice(0, at);
  return path.replace(/\[\d+\]/g, '[]');
}

/**
 * Compares the primary's answer with the candidate's: status, then the JSON
 * bodies without the volatile fields (or the raw bytes when not JSON).
 * Returns the differing paths; empty means a match.
 */
export function compareAnswers(
  primary: Answer,
  candidate: Answer,
  ignore: readonly string[],
): string[] {
  const diffs: string[] = [];
  if (primary.status !== candidate.status)
    diffs.push(`status: ${primary.status} != ${candidate.status}`);
  if (!primary.body || !candidate.body) return diffs;
  const a = parseJson(primary.body);
  const b = parseJson(candidate.body);
  if (a === undefined || b === undefined) {
    if (!primary.body.equals(candidate.body)) diffs.push('body: bytes differ');
    return diffs;
  }
  for (const path of ignore) {
    const t = tokens(path);
    remove(a, t, 0);
    remove(b, t, 0);
  }
  diff(a, b, '', diffs);
  return diffs;
}
