/**
 * The summary statistics of a run's samples.
 *
 * @module
 */

/**
 * The median of a list of numbers.
 *
 * @param values At least one number.
 * @returns The middle value, or the mean of the two middle values.
 * @throws {RangeError} When `values` is empty.
 * @example
 * ```ts
 * import { median } from "./stats.ts";
 * console.assert(median([3, 1, 2, 10]) === 2.5);
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    throw new RangeError("Cannot compute median: received no values");
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
