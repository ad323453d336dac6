// Turns a service's pino JSON line into a short coloured line for a terminal;
// `--log-format json` passes lines through, prefixed with the process name.
const colours: Record<string, number> = {
  fatal: 35,
  error: 31,
  warn: 33,
  info: 32,
  debug: 36,
  trace: 90,
};
const hidden = new Set(['level', 'time', 'msg', 'service', 'version', 'pod', 'span_id']);

export function formatLine(
  name: string,
  line: string,
  format: 'pretty' | 'json',
  tty = Boolean(process.stdout.isTTY),
): string {
  const paint = (code: number, text: string) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
  const prefix = paint(90, `[${name}]`);
  if (format === 'json' || !line.startsWith('{')) return `${prefix} ${line}`;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return `${prefix} ${line}`;
  }
  const level = String(record.level ?? '');
  const rest = Object.entries(record)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(' ');
  return `${prefix} ${paint(colours[level] ?? 0, level.padEnd(5))} ${record.msg ?? ''} ${paint(90, rest)}`;
}
