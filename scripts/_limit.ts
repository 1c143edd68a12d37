/**
 * Commands that check what they print, not how fast, may run a few at once:
 * `limiter(n)` runs each function once fewer than `n` others are running.
 *
 * @module
 */

/**
 * A limit on how many functions run at once.
 *
 * @param slots How many may run at once.
 * @returns Runs `run` once a slot is free, and settles as it does.
 */
export function limiter(slots: number): <T>(run: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (run) => {
    while (active >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await run();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Starts every run now, a few at a time, for tests that await them in turn.
 *
 * @param runs What to run.
 * @param slots How many at once.
 * @returns One promise a run, in order; a rejection is the test's to see.
 */
export function startAll<T>(runs: readonly (() => Promise<T>)[], slots: number): Promise<T>[] {
  const limited = limiter(slots);
  return runs.map((run) => {
    const started = limited(run);
    started.catch(() => {});
    return started;
  });
}
