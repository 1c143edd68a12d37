/**
 * Fewer cores on purpose: a run, or a cell of the comparison, held to the
 * first N cores this process may use (Linux CPU affinity, through util-linux's
 * `taskset`, inherited by every thread and child), so one machine can measure
 * itself as a 1-, 2-, … N-core machine. The runtimes then report N cores, and
 * records carry `host.cores` N.
 *
 * @module
 */

import process from "node:process";
import { findOnPath } from "./_runtimes.ts";
import { allowedCpus } from "../runtimes/_host.ts";

export { allowedCpus } from "../runtimes/_host.ts";

/**
 * Why `--cpus N` cannot be honoured here, if it cannot.
 *
 * @param n The cores asked for.
 * @returns The reason, or `undefined` when it can.
 */
export function cpusProblem(n: number): string | undefined {
  if (process.platform !== "linux") {
    return `--cpus needs Linux's CPU affinity (taskset), and this is ${process.platform}: run on all cores, or on Linux`;
  }
  if (findOnPath("taskset") === undefined) return "--cpus needs taskset (util-linux), which is not on the PATH";
  const allowed = allowedCpus().length;
  if (n > allowed) return `--cpus must be at most the ${allowed} cores this process may use, received ${n}`;
  return undefined;
}

/**
 * The command prefix that holds a process and its children to N cores.
 *
 * @param n The cores.
 * @returns `taskset -c <the first n allowed cores>`.
 */
export function tasksetPrefix(n: number): string[] {
  return ["taskset", "-c", allowedCpus().slice(0, n).join(",")];
}
