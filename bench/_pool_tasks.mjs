// The tasks of bench/pool.ts, in plain JavaScript so that piscina, tinypool
// and truepar's pool all load the same file, with no loader.

/** Returns its argument. */
export function noop(value) {
  return value;
}

/** The article's loop over `iterations` integers: a small cpu task. */
export function work(iterations) {
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    if (i % 2023 === 0) sum += i;
  }
  return sum;
}

/** Runs `work(iterations)` `count` times in this worker and returns the ms it took: the ideal, with no messaging. */
export function workAlone({ iterations, count }) {
  const start = performance.now();
  for (let i = 0; i < count; i++) work(iterations);
  return performance.now() - start;
}
