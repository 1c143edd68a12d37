/**
 * A function of the user's own, as a workload: the export of a task module,
 * called with the arguments given, its return value the checksum. Every
 * strategy runs it as it runs a built-in workload; workers import the module
 * themselves (as their runtime's adapter prepared it).
 *
 * @module
 */

import type { UserTask, Workload } from "./workload.ts";

export type { UserTask } from "./workload.ts";

/**
 * Makes a workload of a user's function.
 *
 * @param task The module, the export and its arguments.
 * @param name The workload's name in records and tables, such as `fib.ts#fib`.
 * @returns The workload; every task of a batch calls the function once, with the same arguments.
 * @example
 * ```ts
 * import { userWorkload } from "./task.ts";
 * const module = "data:text/javascript,export const add = (a, b) => a + b;";
 * const workload = userWorkload({ specifier: module, export: "add", args: [2, 3] }, "add");
 * if (await workload.run({}) !== "5") throw new Error("the example's check failed");
 * ```
 */
export function userWorkload(task: UserTask, name: string): Workload {
  return {
    name,
    description: `${name}: the export "${task.export}" called with ${JSON.stringify(task.args)}`,
    params: {},
    task,
    run: () => callUserTask(task),
  };
}

const modules = new Map<string, Promise<Record<string, unknown>>>();

/**
 * Calls a user's task: imports its module once per thread, calls the export,
 * awaits it if it is async.
 *
 * @param task The module, the export and its arguments.
 * @returns The return value as a checksum: a string as it is, anything else as JSON.
 * @throws {TypeError} When the module has no such function.
 */
export async function callUserTask(task: UserTask): Promise<string> {
  let loading = modules.get(task.specifier);
  if (loading === undefined) {
    loading = import(task.specifier) as Promise<Record<string, unknown>>;
    modules.set(task.specifier, loading);
  }
  const fn = (await loading)[task.export];
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot run task: the module has no exported function "${task.export}", its "${task.export}" is ${
        fn === undefined ? "missing" : typeof fn
      }`,
    );
  }
  return checksumOf(await fn(...task.args));
}

/**
 * A task's return value as a checksum.
 *
 * @param value What the task returned.
 * @returns A string as it is; anything else as JSON (`undefined` as "undefined", a BigInt as its digits).
 */
export function checksumOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value);
}
