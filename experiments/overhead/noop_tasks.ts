/**
 * The smallest task module: what an idle or round-trip worker loads, so its
 * cost is the runtime's and the pool's, not a workload's.
 *
 * @module
 */

/**
 * Does nothing: the round trip of a message.
 *
 * @param value Anything; returned as it came.
 * @returns `value`.
 */
export function noop(value: unknown): unknown {
  return value;
}
