/**
 * The machine's description, from `node:os`, which Node, Deno and Bun all provide.
 *
 * @module
 */

import os from "node:os";
import type { HostInfo } from "../core/adapter.ts";

/**
 * Describes this machine.
 *
 * @returns Cpu model, logical cores, memory, OS and architecture.
 */
export function readHostInfo(): HostInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    memoryBytes: os.totalmem(),
    os: os.platform(),
    arch: os.arch(),
  };
}
