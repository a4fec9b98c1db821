/**
 * Runs `fn` over a stream of inputs with at most `n` at a time, yielding each result as it is
 * done (not in input order). Inputs are drawn only as slots free up, so a stream of a million ids
 * never holds more than `n` of them: audits and copies of every object stay bounded in memory.
 * The first error stops drawing new inputs and is thrown once those running have settled.
 */
export async function* parallel<T, R>(inputs: AsyncIterable<T> | Iterable<T>, n: number, fn: (t: T) => Promise<R>): AsyncIterable<R> {
  const it = (Symbol.asyncIterator in inputs ? inputs[Symbol.asyncIterator]() : inputs[Symbol.iterator]()) as
    | AsyncIterator<T>
    | Iterator<T>;
  const running = new Map<number, Promise<{ key: number; result?: R; error?: unknown }>>();
  let key = 0;
  let done = false;
  let failure: { error: unknown } | null = null;
  const fill = async () => {
    while (!done && !failure && running.size < Math.max(1, n)) {
      const next = await it.next();
      if (next.done) {
        done = true;
        break;
      }
      const k = key++;
      running.set(
        k,
        fn(next.value).then(
          (result) => ({ key: k, result }),
          (error: unknown) => ({ key: k, error }),
        ),
      );
    }
  };
  await fill();
  while (running.size > 0) {
    const settled = await Promise.race(running.values());
    running.delete(settled.key);
    if ('error' in settled && settled.error !== undefined) failure ??= { error: settled.error };
    else if (!failure) yield settled.result as R;
    await fill();
  }
  if (failure) throw failure.error;
}
