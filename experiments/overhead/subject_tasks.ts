/**
 * The task module of the overhead experiment's subject: a child process of the
 * runtime that holds idle workers or children on request, so its memory can be
 * read from outside.
 *
 * @module
 */

import process from "node:process";
import type { WorkerKind } from "../../core/adapter.ts";
import { createPool, type Pool } from "../../core/pool.ts";
import { createAdapter } from "../../runtimes/detect.ts";

const NOOP_MODULE = new URL("./noop_tasks.ts", import.meta.url);
const adapter = createAdapter();
let held: Pool | undefined;

/**
 * Replaces the held pool by one of `count` idle workers or children.
 *
 * @returns The process ids of the held children (none for workers).
 */
export async function hold({ kind, count }: { kind: WorkerKind; count: number }): Promise<number[]> {
  await held?.close();
  held = count > 0 ? await createPool({ adapter: await adapter, kind, size: count, module: NOOP_MODULE }) : undefined;
  return held?.pids ?? [];
}

/** Starts and closes a pool of one, `cycles` times: the leak check. */
export async function cycle({ kind, cycles }: { kind: WorkerKind; cycles: number }): Promise<void> {
  for (let i = 0; i < cycles; i++) {
    const pool = await createPool({ adapter: await adapter, kind, size: 1, module: NOOP_MODULE });
    await pool.close();
  }
}

/** This process's RSS by its runtime's own account, where /proc cannot be read. */
export function selfMemory(): number {
  return process.memoryUsage().rss;
}
