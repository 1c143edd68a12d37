/**
 * What a test asks of the process table: whether a process still runs, and
 * which ones a run left behind.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";

/**
 * Whether a process is still running.
 *
 * @param pid Its id.
 * @returns `true` while it exists.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The processes whose environment holds `NAME=value`: what a run left behind.
 *
 * @param name The variable's name.
 * @param value Its value.
 * @returns Their process ids.
 */
export function processesMarked(name: string, value: string): number[] {
  return readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`${name}=${value}`) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Waits until no process carries `NAME=value`, for up to `ms`.
 *
 * @param name The variable's name.
 * @param value Its value.
 * @param ms How long a process may take to end.
 * @returns Those still running after that.
 */
export async function processesLeft(name: string, value: string, ms = 2000): Promise<number[]> {
  const deadline = performance.now() + ms;
  let left = processesMarked(name, value);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = processesMarked(name, value);
  }
  return left;
}
