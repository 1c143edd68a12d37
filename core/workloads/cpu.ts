/**
 * The article's cpu-bound task: the sum of `i` over `[0, iterations)` where
 * `i % 2023 == 0`.
 *
 * @module
 */

import type { Workload, WorkloadParams } from "./workload.ts";

/**
 * Sums the multiples of 2023 below `iterations`, the slow way, one step per integer.
 *
 * @param iterations How many integers to visit.
 * @returns The sum; 247342095 for 1,000,000.
 * @example
 * ```ts
 * import { modSum } from "./cpu.ts";
 * if (!(modSum(1_000_000) === 247342095)) throw new Error("the example's check failed");
 * ```
 */
export function modSum(iterations: number): number {
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    if (i % 2023 === 0) sum += i;
  }
  return sum;
}

/** The cpu-bound workload: {@linkcode modSum} per task. */
export const cpu: Workload = {
  name: "cpu",
  description: "sum of i in [0, iterations) where i % 2023 == 0 (the article's cpu task)",
  params: {
    iterations: {
      type: "integer",
      default: 20_000_000,
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      description: "integers visited per task",
    },
  },
  run(params: WorkloadParams): string {
    return String(modSum(params.iterations!));
  },
};
