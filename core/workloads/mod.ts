/**
 * The workloads truepar knows by name.
 *
 * @module
 */

import type { Workload } from "./workload.ts";
import { cpu } from "./cpu.ts";
import { io, ioBlocking } from "./io.ts";
import { KERNEL_WORKLOADS } from "./kernels/mod.ts";

/**
 * The task module that runs these workloads in a pool's workers: its
 * `runWorkload` runs one task, its `runWorkloadShare` a share of a batch in one call.
 */
export const WORKLOAD_TASKS: URL = new URL("./tasks.ts", import.meta.url);

/** Every built-in workload, by name. */
export const WORKLOADS: ReadonlyMap<string, Workload> = new Map(
  [cpu, io, ioBlocking, ...KERNEL_WORKLOADS].map((workload) => [workload.name, workload]),
);

/**
 * Looks a workload up by name.
 *
 * @param name A workload name, such as `cpu`.
 * @returns The workload.
 * @throws {RangeError} When no workload has that name.
 * @example
 * ```ts
 * import { getWorkload } from "./mod.ts";
 * if (!(getWorkload("cpu").name === "cpu")) throw new Error("the example's check failed");
 * ```
 */
export function getWorkload(name: string): Workload {
  const workload = WORKLOADS.get(name);
  if (workload === undefined) {
    const known = [...WORKLOADS.keys()].join(", ");
    throw new RangeError(`Cannot find workload: expected one of ${known}, received "${name}"`);
  }
  return workload;
}
