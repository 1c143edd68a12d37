// The tasks of bench/pool.ts, in plain JavaScript so that piscina, tinypool
// and truepar's pool all load the same file, with no loader.

/** Returns its argument. */
export function noop(value) {
  return value;
}

/** Returns the bytes it was sent: the echo of a payload, copied both ways. */
export function echo(bytes) {
  return bytes;
}

/**
 * The far end of the bare ping-pong, no pool in it: `shared` holds a sequence
 * number and a value; each odd number is a ping, answered with the value plus
 * one and the next even number. Spinning watches `Atomics.load`; otherwise
 * the thread sleeps in `Atomics.wait` and is woken by `Atomics.notify`.
 */
export function pong({ shared, rounds, spin }) {
  const cell = new Int32Array(shared);
  Atomics.store(cell, 2, 1);
  Atomics.notify(cell, 2);
  for (let round = 0; round < rounds; round++) {
    const ping = 2 * round + 1;
    if (spin) { while (Atomics.load(cell, 0) !== ping); }
    else while (Atomics.load(cell, 0) !== ping) Atomics.wait(cell, 0, ping - 1);
    cell[1] = cell[1] + 1;
    Atomics.store(cell, 0, ping + 1);
    if (!spin) Atomics.notify(cell, 0);
  }
  return rounds;
}

/** The article's loop over `iterations` integers: a small cpu task. */
export function work(iterations) {
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    if (i % 2023 === 0) sum += i;
  }
  return sum;
}

/** Calls `task(arg)`; never inlined into its caller's loop (see below). */
function invoke(task, arg) {
  return task(arg);
}
// As the pool's worker does: two targets keep V8's Maglev from inlining `work`
// into the loop below, where it runs 1.8x slower than in its own optimized code.
for (let i = 0; i < 64; i++) invoke(i % 2 === 0 ? Number : String, i);

/** Runs `work(iterations)` `count` times in this worker and returns the ms it took: the ideal, with no messaging. */
export function workAlone({ iterations, count }) {
  const start = performance.now();
  for (let i = 0; i < count; i++) invoke(work, iterations);
  return performance.now() - start;
}
