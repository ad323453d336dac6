// Turns a service's pino JSON line into a short coloured line for a terminal;
// `--log-format json` passes lines through, prefixed with the process name.
const colours = { fatal: 35, error: 31, warn: 33, info: 32, debug: 36, trace: 90 };
const tty = process.stdout.isTTY;
const paint = (code, text) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
const hidden = new Set(['level', 'time', 'msg', 'service', 'version', 'pod', 'span_id']);

export function formatLine(name, line, format) {
  const prefix = paint(90, `[${name}]`);
  if (format === 'json' || !line.startsWith('{')) return `${prefix} ${line}`;
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    return `${prefix} ${line}`;
  }
  const level = paint(colours[record.level] ?? 0, String(record.level ?? '').padEnd(5));
  const rest = Object.entries(record)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(' ');
  return `${prefix} ${level} ${record.msg ?? ''} ${paint(90, rest)}`;
}
