/**
 * The machine's description, from `node:os`, which Node, Deno and Bun all
 * provide, and on Linux from the machine itself: which logical CPUs this
 * process may use, which of them share one physical core (SMT siblings, from
 * `/sys/devices/system/cpu/*\/topology`), whether a hypervisor runs it and how
 * much CPU time it has taken away (`/proc/cpuinfo`, `/proc/stat`).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import os from "node:os";
import type { CpuTopology, HostInfo } from "../core/adapter.ts";

/**
 * Describes this machine.
 *
 * @returns Cpu model, logical cores, memory, OS and architecture, and on Linux the CPUs' topology.
 */
export function readHostInfo(): HostInfo {
  const cpus = os.cpus();
  const topology = readTopology();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    memoryBytes: os.totalmem(),
    os: os.platform(),
    arch: os.arch(),
    ...(topology && { topology }),
  };
}

/**
 * The logical CPUs this process may use, by number, from its affinity.
 *
 * @returns Such as `[0, 1]`; every CPU the runtime counts where there is no `/proc`.
 */
export function allowedCpus(): number[] {
  try {
    const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "";
    const cpus = parseCpuList(list);
    if (cpus.length > 0) return cpus;
  } catch {
    // No /proc: not Linux.
  }
  const count = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Array.from({ length: count }, (_, i) => i);
}

/**
 * A kernel CPU list, such as `0-3,6`, as numbers.
 *
 * @param list The list.
 * @returns The CPUs, or none where the list is not one.
 */
export function parseCpuList(list: string): number[] {
  const cpus = list.trim().split(",").flatMap((part) => {
    const [from, to = from] = part.trim().split("-").map(Number);
    return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
  });
  return cpus.every(Number.isInteger) ? cpus : [];
}

/**
 * The allowed CPUs' topology, from `/sys` and `/proc`; `undefined` where there are none (not Linux).
 *
 * @param root Where `/sys` and `/proc` are: a folder of fixtures in tests.
 * @returns The topology.
 */
export function readTopology(root = ""): CpuTopology | undefined {
  const cpus = root === ""
    ? allowedCpus()
    : parseCpuList(read(`${root}/proc/self/status`)?.match(/^Cpus_allowed_list:\s*(.+)$/m)?.[1] ?? "");
  const cores = new Map<string, number[]>();
  for (const cpu of cpus) {
    const dir = `${root}/sys/devices/system/cpu/cpu${cpu}/topology`;
    const core = read(`${dir}/core_id`);
    if (core === undefined) return undefined;
    const key = `${read(`${dir}/physical_package_id`)?.trim() ?? "0"}:${core.trim()}`;
    cores.set(key, [...(cores.get(key) ?? []), cpu]);
  }
  const flags = /^flags\s*:(.*)$/m.exec(read(`${root}/proc/cpuinfo`) ?? "")?.[1] ?? "";
  return {
    cpus,
    physicalCores: cores.size,
    smtSiblings: [...cores.values()].filter((group) => group.length > 1),
    virtualized: /\bhypervisor\b/.test(flags),
    stolenSinceBoot: stolenShare(read(`${root}/proc/stat`), cpus),
  };
}

/** The share of the CPUs' time since boot that the hypervisor stole: steal over all the time `/proc/stat` counts. */
function stolenShare(stat: string | undefined, cpus: readonly number[]): number | null {
  if (stat === undefined) return null;
  let steal = 0;
  let total = 0;
  for (const cpu of cpus) {
    const fields = new RegExp(`^cpu${cpu} (.*)$`, "m").exec(stat)?.[1]?.trim().split(/\s+/).map(Number);
    if (fields === undefined || fields.length < 8) return null;
    // user nice system idle iowait irq softirq steal [guest guest_nice, counted in user and nice already]
    steal += fields[7]!;
    total += fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  }
  return total === 0 ? null : steal / total;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
