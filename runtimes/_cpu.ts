/**
 * The CPU time of this process and every process below it, with `node:process`
 * and `node:fs`, which Node, Deno and Bun all provide: what "cores busy" divides
 * by the wall time.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import process from "node:process";
import type { CpuReading, StolenReading } from "../core/adapter.ts";
import { allowedCpus } from "./_host.ts";

/** Linux reports CPU times in /proc in units of USER_HZ, 100 per second on every architecture it runs on. */
const TICK_MS = 10;

/**
 * Reads the CPU time used so far by this process (every thread, workers
 * included, from `process.cpuUsage()`, in microseconds), by its live
 * descendants (`/proc/<pid>/stat`), and by its children already reaped
 * (`cutime` and `cstime` of this process).
 *
 * @param edge Whether a span starts or ends here: the reads of /proc cost
 *   this process CPU time, so they stay outside the span (before this
 *   process's own time at a start, after it at an end).
 * @returns The total in milliseconds, and where it came from.
 */
export async function readTreeCpu(edge: "start" | "end" = "end"): Promise<CpuReading> {
  const ownMs = () => {
    const own = process.cpuUsage();
    return (own.user + own.system) / 1000;
  };
  const atEnd = edge === "end" ? ownMs() : 0;
  const children = await readChildrenTicks();
  const own = edge === "end" ? atEnd : ownMs();
  if (children === null) return { ms: own, source: "process.cpuUsage (child processes not counted: no /proc)" };
  // This process's own time is to the microsecond; its children's, in clock ticks.
  return {
    ms: own + children.ticks * TICK_MS,
    source: "process.cpuUsage + /proc",
    ...(children.live > 0 && { resolutionMs: TICK_MS }),
  };
}

/** Ticks of CPU of every live descendant, and of the children already reaped, and how many live; `null` without /proc. */
async function readChildrenTicks(): Promise<{ ticks: number; live: number } | null> {
  let ticks: number;
  try {
    ticks = (await readStat(process.pid))[2];
  } catch {
    return null;
  }
  const live = await descendants(process.pid);
  for (const pid of live) {
    try {
      const [user, system, reaped] = await readStat(pid);
      ticks += user + system + reaped;
    } catch {
      // Gone between the listing and the read: its time moved to its parent's cutime.
    }
  }
  return { ticks, live: live.length };
}

/** utime + stime, then cutime + cstime, of one process, in ticks. */
async function readStat(pid: number): Promise<[number, number, number]> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses: the fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
  // Fields 14–17 of proc(5), counted from 1 with the pid and the name as fields 1 and 2.
  return [fields[11]!, fields[12]!, fields[13]! + fields[14]!];
}

/** Every process below `pid`: from each thread's `children` file, or a scan of /proc where the kernel has none. */
async function descendants(pid: number): Promise<number[]> {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    const children = await childrenOf(parent);
    if (children === undefined) return await scanDescendants(pid);
    found.push(...children);
    queue.push(...children);
  }
  return found;
}

/** The children of one process, or `undefined` where the kernel lacks the `children` files. */
async function childrenOf(pid: number): Promise<number[] | undefined> {
  let threads: string[];
  try {
    threads = await readdir(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of threads) {
    let text: string;
    try {
      text = await readFile(`/proc/${pid}/task/${tid}/children`, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT" && pid === process.pid && tid === String(pid)) {
        return undefined;
      }
      continue;
    }
    children.push(...text.split(" ").filter(Boolean).map(Number));
  }
  return children;
}

/** Every process below `pid`, from the parent pid in every /proc/<pid>/stat. */
async function scanDescendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const children = parents.get(queue.shift()!) ?? [];
    found.push(...children);
    queue.push(...children);
  }
  return found;
}

/**
 * The steal reader of an adapter, where the machine counts steal.
 *
 * @returns {@linkcode readStolen}, or `undefined` without `/proc/stat`.
 */
export function stolenReader(): (() => Promise<StolenReading>) | undefined {
  return existsSync("/proc/stat") ? readStolen : undefined;
}

/**
 * Reads the CPU time the hypervisor has stolen so far from the CPUs this
 * process may use: the steal column of their `/proc/stat` lines.
 *
 * @returns Milliseconds summed over those CPUs, in 10 ms steps.
 * @throws {Error} Where there is no `/proc/stat` (the adapter leaves it out there).
 */
async function readStolen(): Promise<StolenReading> {
  const stat = await readFile("/proc/stat", "utf8");
  let ticks = 0;
  for (const cpu of cpus ??= allowedCpus()) {
    const line = new RegExp(`^cpu${cpu} (.*)$`, "m").exec(stat)?.[1];
    ticks += Number(line?.trim().split(/\s+/)[7] ?? 0);
  }
  return { ms: ticks * TICK_MS, resolutionMs: TICK_MS };
}

let cpus: number[] | undefined;
