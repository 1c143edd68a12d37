/**
 * The checks every option of the library goes through, and how a received
 * value is echoed in their messages: one line, the action first, the value as
 * received (std's message rules).
 *
 * @module
 */

/**
 * Checks a count given as an option: a whole number no smaller than `min`.
 *
 * @param action What cannot be done otherwise, such as `Cannot run overhead`.
 * @param name The option's name.
 * @param value What was received.
 * @param min The smallest count allowed: 1 (positive) or 0 (non-negative).
 * @returns `value`, checked.
 * @throws {RangeError} Naming the option and echoing the value.
 * @example
 * ```ts
 * import { checkCount } from "./_checks.ts";
 * if (!(checkCount("Cannot run", "tasks", 8) === 8)) throw new Error("the example's check failed");
 * ```
 */
export function checkCount(action: string, name: string, value: unknown, min: 0 | 1 = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    const what = min === 0 ? "a non-negative integer" : "a positive integer";
    throw new RangeError(`${action}: "${name}" must be ${what}, received ${describeValue(value)}`);
  }
  return value;
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
