/**
 * The task module that runs truepar's workloads in a pool's workers (`WORKLOAD_TASKS`).
 *
 * @module
 */

import { resolveParams } from "./workload.ts";
import { getWorkload } from "./mod.ts";
import { callUserTask, type UserTask } from "./task.ts";

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
  /** A user's function to call instead of a named workload. */
  task?: UserTask;
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
 * if (!(await runWorkload({ workload: "cpu", params: { iterations: 1_000_000 } }) === "247342095")) throw new Error("the example's check failed");
 * ```
 */
export function runWorkload(task: WorkloadTask): string | Promise<string> {
  if (task.task !== undefined) return callUserTask(task.task);
  const workload = getWorkload(task.workload);
  const context = task.parts === undefined
    ? undefined
    : { part: task.part ?? 0, parts: task.parts, shared: task.shared };
  return workload.run(resolveParams(workload, task.params), context);
}

/** The argument of {@linkcode runWorkloadShare}. */
export interface WorkloadShare {
  /** A workload name, such as `cpu`. */
  workload: string;
  /** Its parameters; defaults fill the rest. */
  params?: Record<string, unknown>;
  /** The first task of the share, from 0. */
  from: number;
  /** One past its last task. */
  to: number;
  /** How many tasks the whole batch has. */
  parts: number;
  /** A user's function to call instead of a named workload. */
  task?: UserTask;
}

/**
 * Runs a share of a batch, task after task, in one call: how the ceiling
 * runs each process's part with no message per task.
 *
 * @param share The workload, its parameters and which tasks.
 * @returns Each task's checksum, in task order.
 * @throws {RangeError} For an unknown workload or an out-of-range parameter.
 * @example
 * ```ts
 * import { runWorkloadShare } from "./tasks.ts";
 * const sums = await runWorkloadShare({ workload: "cpu", params: { iterations: 1_000_000 }, from: 0, to: 2, parts: 2 });
 * if (!(sums.join() === "247342095,247342095")) throw new Error("the example's check failed");
 * ```
 */
export async function runWorkloadShare(share: WorkloadShare): Promise<string[]> {
  if (share.task !== undefined) {
    const checksums: string[] = [];
    for (let part = share.from; part < share.to; part++) checksums.push(await callUserTask(share.task));
    return checksums;
  }
  const workload = getWorkload(share.workload);
  const params = resolveParams(workload, share.params);
  const shared = await workload.setup?.();
  const checksums: string[] = [];
  for (let part = share.from; part < share.to; part++) {
    checksums.push(await workload.run(params, { part, parts: share.parts, shared }));
  }
  return checksums;
}
