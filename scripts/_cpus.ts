/**
 * Fewer cores on purpose: a run, or a cell of the comparison, held to the
 * first N cores this process may use (Linux CPU affinity, through util-linux's
 * `taskset`, inherited by every thread and child), so one machine can measure
 * itself as a 1-, 2-, … N-core machine. The runtimes then report N cores, and
 * records carry `host.cores` N.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import { findOnPath } from "./_runtimes.ts";

/**
 * The cores this process may use, by number, from its affinity.
 *
 * @returns Such as `[0, 1]`.
 */
export function allowedCpus(): number[] {
  // Read once: a comparison asks for every cell, and the affinity does not change under it.
  allowed ??= readAllowedCpus();
  return [...allowed];
}

let allowed: number[] | undefined;

function readAllowedCpus(): number[] {
  try {
    const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "";
    const cpus = list.split(",").flatMap((part) => {
      const [from, to = from] = part.trim().split("-").map(Number);
      return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
    });
    if (cpus.length > 0 && cpus.every(Number.isInteger)) return cpus;
  } catch {
    // No /proc: not Linux.
  }
  return Array.from({ length: os.availableParallelism() }, (_, i) => i);
}

/**
 * Why `--cpus N` cannot be honoured here, if it cannot.
 *
 * @param n The cores asked for.
 * @returns The reason, or `undefined` when it can.
 */
export function cpusProblem(n: number): string | undefined {
  if (process.platform !== "linux") return `--cpus needs Linux's CPU affinity (taskset), and this is ${process.platform}: run on all cores, or on Linux`;
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
