/**
 * What a workload is: a named function of validated parameters that returns
 * a checksum, so every runtime and strategy can be checked for one answer.
 *
 * @module
 */

import { describeValue } from "../_checks.ts";

/** One numeric parameter of a workload. */
export interface ParamSpec {
  /** `integer` accepts whole numbers only. */
  type: "integer" | "number";
  /** The value used when none is given. */
  default: number;
  /** The smallest value allowed (inclusive). */
  min: number;
  /** The largest value allowed (inclusive). Default: none. */
  max?: number;
  /** One line for the usage text. */
  description: string;
}

/** A user's task: which function of which module, with which arguments. */
export interface UserTask {
  /** The module as the runtime's workers import it (`adapter.prepare()`'s specifier). */
  specifier: string;
  /** The export to call. */
  export: string;
  /** Its arguments, spread into the call; structured-cloned to workers, JSON to child processes. */
  args: readonly unknown[];
}

/** The parameters of a workload, by name. */
export type WorkloadParams = Record<string, number>;

/** Which share of a batch a task computes, and what the batch prepared for it. */
export interface TaskContext {
  /** This task's index in the batch, from 0. */
  part: number;
  /** How many tasks the batch has. */
  parts: number;
  /** What `setup()` made on the main thread; absent in child processes, which cannot receive it. */
  shared?: unknown;
}

/** A workload: what one task computes. */
export interface Workload {
  /** The name used on the command line and in records, such as `cpu`. */
  readonly name: string;
  /** One line on what it does. */
  readonly description: string;
  /** Its parameters with their defaults and bounds. */
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** It holds its thread with `Atomics.wait`, which a browser's page may not do on its main thread. */
  readonly blocks?: boolean;
  /** Its tasks mostly wait rather than compute: their waits overlap beyond the cores, so a speedup may pass them. */
  readonly waits?: boolean;
  /**
   * Runs one task.
   *
   * @param params Validated parameters, every one present.
   * @param task Which share of the batch this task computes; a whole copy of the work when absent.
   * @returns The task's checksum.
   */
  run(params: WorkloadParams, task?: TaskContext): string | Promise<string>;
  /**
   * Work done once per batch on the main thread, whose result each task
   * receives as `task.shared`: a compiled `WebAssembly.Module`, say.
   */
  setup?(): Promise<unknown>;
  /**
   * Combines the tasks' checksums, in task order, into the batch's. Without
   * it every task computes the whole work and all checksums must be equal.
   */
  combine?(checksums: readonly string[]): string;
  /**
   * A user's function (see `workloads/task.ts`): workers call it from its
   * module rather than find the workload by name.
   */
  readonly task?: UserTask;
  /**
   * Checks the parameters together, after each was checked alone.
   *
   * @throws {RangeError} Naming the parameters that do not fit together.
   */
  validate?(params: WorkloadParams): void;
}

/**
 * Fills in a workload's defaults and checks every value.
 *
 * @param workload The workload.
 * @param given The parameters given; unknown names are refused.
 * @returns Every parameter of the workload, validated.
 * @throws {TypeError} For an unknown parameter or a value that is not a number.
 * @throws {RangeError} For a value out of bounds, or fractional where an integer is needed.
 * @example
 * ```ts
 * import { resolveParams } from "./workload.ts";
 * import { cpu } from "./cpu.ts";
 * if (!(resolveParams(cpu, { iterations: 1000 }).iterations === 1000)) throw new Error("the example's check failed");
 * ```
 */
export function resolveParams(
  workload: Workload,
  given: Readonly<Record<string, unknown>> = {},
): WorkloadParams {
  const prefix = `Cannot run workload "${workload.name}"`;
  for (const name of Object.keys(given)) {
    if (!(name in workload.params)) {
      const known = Object.keys(workload.params).join(", ");
      throw new TypeError(`${prefix}: unknown parameter "${name}", expected one of ${known}`);
    }
  }
  const params: WorkloadParams = {};
  for (const [name, spec] of Object.entries(workload.params)) {
    const value = given[name] ?? spec.default;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(
        `${prefix}: "${name}" must be a finite number, received ${describeValue(value)}`,
      );
    }
    if (spec.type === "integer" && !Number.isInteger(value)) {
      throw new RangeError(`${prefix}: "${name}" must be an integer, received ${value}`);
    }
    if (value < spec.min || (spec.max !== undefined && value > spec.max)) {
      const bounds = spec.max === undefined ? `at least ${spec.min}` : `from ${spec.min} to ${spec.max}`;
      throw new RangeError(`${prefix}: "${name}" must be ${bounds}, received ${value}`);
    }
    params[name] = value;
  }
  workload.validate?.(params);
  return params;
}

/**
 * The batch's checksum from its tasks' checksums, in task order.
 *
 * @param workload The workload.
 * @param checksums One per task.
 * @returns The combined checksum.
 * @throws {Error} When the tasks of a workload that does not split its work disagree.
 */
export function combineChecksums(workload: Workload, checksums: readonly string[]): string {
  if (workload.combine !== undefined) return workload.combine(checksums);
  const distinct = [...new Set(checksums)];
  if (distinct.length !== 1) {
    throw new Error(
      `Cannot trust run: tasks of workload "${workload.name}" returned different checksums: ${distinct.join(", ")}`,
    );
  }
  return distinct[0]!;
}

/**
 * The share `[start, end)` of `total` items that task `part` of `parts` computes.
 *
 * @param total Items in the whole work.
 * @param task The task's part and the number of parts; the whole when absent.
 * @returns The first item and one past the last.
 */
export function shareOf(total: number, task?: TaskContext): [number, number] {
  if (task === undefined) return [0, total];
  return [Math.floor((task.part * total) / task.parts), Math.floor(((task.part + 1) * total) / task.parts)];
}
