/**
 * Whatever a spec file started and has not stopped by its last hook (a
 * failed beforeAll skips the clean-up that would have run) is closed then:
 * an in-process server or a Redis left open would otherwise keep Jest alive
 * after the run, until CI's own time limit.
 */
type Close = () => unknown;
const open = new Set<Close>();
declare const afterAll: ((fn: () => Promise<void>) => void) | undefined;
if (typeof afterAll === 'function') {
  afterAll(async () => {
    const closes = [...open];
    open.clear();
    await Promise.allSettled(closes.map(async (close) => close()));
  });
}

/** Registers `close` to run at the end of the spec file; returns a `close` that runs it once and unregisters it. */
export function closeAtEnd<T>(close: () => Promise<T>): () => Promise<T> {
  let done: Promise<T> | undefined;
  const once = () => {
    open.delete(once);
    return (done ??= close());
  };
  open.add(once);
  return once;
}

/**
 * Awaits every start even when one fails, so that nothing started is left
 * unseen: on a failure, whatever did start is closed, then the first error
 * is thrown. For a beforeAll that starts several things at once.
 */
export async function startAll<T extends unknown[]>(
  ...starts: { [K in keyof T]: Promise<T[K]> }
): Promise<T> {
  const results = await Promise.allSettled(starts);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failure) return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as T;
  await Promise.allSettled(
    results
      .filter((r): r is PromiseFulfilledResult<unknown> => r.status === 'fulfilled')
      .map(async ({ value }) => {
        const started = value as { close?: Close; dispose?: Close; kill?: Close };
        await (started.dispose ?? started.close ?? started.kill)?.call(value);
      }),
  );
  throw failure.reason;
}
