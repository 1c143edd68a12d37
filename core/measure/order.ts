/**
 * Seeded orders: the same seed, the same order, so a run's interleaving can
 * be told and repeated.
 *
 * @module
 */

/**
 * A seeded pseudo-random generator (mulberry32): the same seed, the same order.
 *
 * @param seed A 32-bit integer.
 * @returns A function giving numbers in [0, 1).
 * @example
 * ```ts
 * import { seededRandom } from "./order.ts";
 * if (!(seededRandom(7)() === seededRandom(7)())) throw new Error("the example's check failed");
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Shuffles a list with a seed (Fisher–Yates), so drift during a run hits every runtime alike.
 *
 * @param items The list; not changed.
 * @param seed The seed.
 * @returns A new list: a permutation of `items`.
 * @example
 * ```ts
 * import { shuffle } from "./order.ts";
 * if (!(shuffle([1, 2, 3], 42).sort().join() === "1,2,3")) throw new Error("the example's check failed");
 * ```
 */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}
