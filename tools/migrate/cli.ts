import { readFile, rename, writeFile } from 'node:fs/promises';
import { rollbackRoute, type HistoryTable } from '@fig/migration';

const usage = `usage: npm run migrate -- <command> [route]
  status                       every migration: state, step, gates, history
  start|pause|resume|abort R   drive the migration of route R
  rollback R                   put route R back as the gateway served it before its last change

  MIGRATOR_URL     the migrator's control API (default http://127.0.0.1:8086)
  GATEWAY_OPS_URL  rollback: the gateway's ops port (default http://127.0.0.1:9080)
  GATEWAY_ROUTES   rollback: the route file to rewrite`;

class UsageError extends Error {}

async function json(url: string, init?: RequestInit) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  if (!res.ok) throw new Error(`${body.error?.code ?? res.status}: ${body.error?.message ?? ''}`);
  return body;
}

type View = {
  route: string;
  state: string;
  step: { name: string };
  reason: string;
  gates: { name: string; value: number | null; threshold: number; ok: boolean }[];
  history: { at: string; from: string; to: string; reason: string }[];
};

function printStatus(migrations: View[]) {
  for (const m of migrations) {
    process.stdout.write(`${m.route}: ${m.state} at ${m.step.name} (${m.reason})\n`);
    for (const g of m.gates)
      process.stdout.write(
        `  ${g.ok ? 'ok  ' : 'FAIL'} ${g.name} ${g.value ?? 'n/a'} (≤ ${g.threshold})\n`,
      );
    for (const h of m.history.slice(-5))
      process.stdout.write(`  ${h.at} ${h.from} → ${h.to}: ${h.reason}\n`);
  }
}

async function rollback(route: string) {
  const file = process.env['GATEWAY_ROUTES'];
  if (!file) throw new UsageError('rollback needs GATEWAY_ROUTES, the route file to rewrite');
  const ops = process.env['GATEWAY_OPS_URL'] ?? 'http://127.0.0.1:9080';
  const { tables } = (await json(`${ops}/gateway/routes/history`)) as unknown as {
    tables: HistoryTable[];
  };
  const { text, restored } = rollbackRoute(await readFile(file, 'utf8'), route, tables);
  // Renamed into place: the gateway's watcher never reads half a file.
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
  process.stdout.write(
    `${route}: restored as served in table ${restored.version} (${restored.loadedAt})\n`,
  );
}

async function main([command, route]: string[]) {
  const api = process.env['MIGRATOR_URL'] ?? 'http://127.0.0.1:8086';
  if (command === 'status')
    return printStatus(
      ((await json(`${api}/migrations`)) as unknown as { migrations: View[] }).migrations,
    );
  if (!route) throw new UsageError(usage);
  if (command === 'rollback') return rollback(route);
  if (!['start', 'pause', 'resume', 'abort'].includes(command ?? '')) throw new UsageError(usage);
  const done = (await json(`${api}/migrations/${encodeURIComponent(route)}/${command}`, {
    method: 'POST',
  })) as unknown as View;
  process.stdout.write(`${route}: ${done.state} at ${done.step.name}\n`);
}

// A reader that has seen enough (`| head -1`) closes the pipe; like any Unix
// tool the CLI then stops quietly instead of dying of an unhandled EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
