/**
 * What a workload is: a named function of validated parameters that returns
 * a checksum, so every runtime and strategy can be checked for one answer.
 *
 * @module
 */

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

/** The parameters of a workload, by name. */
export type WorkloadParams = Record<string, number>;

/** A workload: what one task computes. */
export interface Workload {
  /** The name used on the command line and in records, such as `cpu`. */
  readonly name: string;
  /** One line on what it does. */
  readonly description: string;
  /** Its parameters with their defaults and bounds. */
  readonly params: Readonly<Record<string, ParamSpec>>;
  /**
   * Runs one task.
   *
   * @param params Validated parameters, every one present.
   * @returns The task's checksum.
   */
  run(params: WorkloadParams): string | Promise<string>;
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
 * import { cpu } from "./workloads/cpu.ts";
 * console.assert(resolveParams(cpu, { iterations: 1000 }).iterations === 1000);
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
  return params;
}

/**
 * Echoes a received value in an error message.
 *
 * @param value Anything.
 * @returns Strings quoted, everything else as `String()` gives it.
 */
export function describeValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
