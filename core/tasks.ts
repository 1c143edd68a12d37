/**
 * The task module a pool's workers load by default: it runs truepar's workloads.
 *
 * @module
 */

import { resolveParams } from "./workload.ts";
import { getWorkload } from "./workloads/mod.ts";

/** The argument of {@linkcode runWorkload}. */
export interface WorkloadTask {
  /** A workload name, such as `cpu`. */
  workload: string;
  /** Its parameters; defaults fill the rest. */
  params?: Record<string, unknown>;
  /** This task's share of the batch, for workloads that split their work. */
  part?: number;
  parts?: number;
  /** What the workload's `setup()` made on the main thread. */
  shared?: unknown;
}

/**
 * Runs one task of a named workload.
 *
 * @param task The workload's name and parameters.
 * @returns The task's checksum.
 * @throws {RangeError} For an unknown workload or an out-of-range parameter.
 * @example
 * ```ts
 * import { runWorkload } from "./tasks.ts";
 * console.assert(await runWorkload({ workload: "cpu", params: { iterations: 1_000_000 } }) === "247342095");
 * ```
 */
export function runWorkload(task: WorkloadTask): string | Promise<string> {
  const workload = getWorkload(task.workload);
  const context = task.parts === undefined ? undefined : { part: task.part ?? 0, parts: task.parts, shared: task.shared };
  return workload.run(resolveParams(workload, task.params), context);
}
