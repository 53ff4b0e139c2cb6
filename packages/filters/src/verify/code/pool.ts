/**
 * A small job pool: runs an async function over a stream of items with at most `concurrency` calls
 * in flight. Sandboxed programs are separate processes, so this is all the parallelism they need.
 */

/**
 * Calls `work` for every item of `items` with at most `concurrency` calls in flight. When a call
 * throws, no new call starts; the calls in flight are awaited, then the first error is thrown.
 */
export async function forEachConcurrent<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const limit = Math.max(1, Math.floor(concurrency));
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const call: Promise<void> = work(item).then(
      () => {
        running.delete(call);
      },
      (error: unknown) => {
        running.delete(call);
        failure ??= { error };
      },
    );
    running.add(call);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
