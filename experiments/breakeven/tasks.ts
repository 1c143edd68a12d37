/**
 * The break-even experiment's task module: the article's loop, as bare as a
 * task can be, so what is measured is the handoff, not argument checking.
 * The event loop runs the same tasks through `spinAll`, a plain function
 * like the worker's own loop over its messages, so neither side runs the
 * loop in a less optimized frame.
 *
 * @module
 */

import { modSum } from "../../core/workloads/cpu.ts";

/**
 * Runs one task: the same loop over tasks as the event loop's, with one, so
 * the loop is compiled in the same frame on both sides.
 *
 * @param iterations The task's iterations.
 * @returns Its sum.
 */
export function spin(iterations: number): number {
  return spinAll([iterations]);
}

/**
 * Runs the tasks one after another, on this thread.
 *
 * @param items Each task's iterations.
 * @returns The sum of their results.
 */
export function spinAll(items: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < items.length; i++) total += modSum(items[i]!);
  return total;
}
