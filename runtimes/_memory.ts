/**
 * Reads the memory of processes from outside, via `/proc/<pid>/smaps_rollup`,
 * with `node:fs`, which Node, Deno and Bun all provide.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { type MemoryReading, parseSmapsRollup, sumReadings } from "../core/measure/memory.ts";

/**
 * Reads and sums the memory of processes.
 *
 * @param pids The processes.
 * @returns Their summed RSS and PSS, or `null` where `/proc` has no smaps_rollup (not Linux, or Linux before 4.14).
 * @throws {Error} When a process is gone.
 */
export async function readProcMemory(pids: readonly number[]): Promise<MemoryReading | null> {
  const readings: MemoryReading[] = [];
  for (const pid of pids) {
    let text: string;
    try {
      text = await readFile(`/proc/${pid}/smaps_rollup`, "utf8");
    } catch (error) {
      if (readings.length === 0 && !(await hasProc())) return null;
      throw new Error(`Cannot read memory of process ${pid}: ${(error as Error).message}`, { cause: error });
    }
    readings.push({ ...parseSmapsRollup(text), source: "smaps_rollup" });
  }
  return sumReadings(readings);
}

async function hasProc(): Promise<boolean> {
  try {
    await readFile("/proc/self/smaps_rollup", "utf8");
    return true;
  } catch {
    return false;
  }
}
