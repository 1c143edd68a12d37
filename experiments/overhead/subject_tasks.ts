/**
 * The task module of the overhead experiment's subject: a child process of the
 * runtime that holds idle workers or children on request, so its memory can be
 * read from outside.
 *
 * @module
 */

import process from "node:process";
import type { WorkerKind } from "../../core/adapter.ts";
import { createAdapter } from "../../runtimes/detect.ts";
import { createHolder } from "./overhead.ts";

const holder = createAdapter().then(createHolder);

/**
 * Replaces the held pool by one of `count` idle workers or children.
 *
 * @returns The process ids of the held children (none for workers).
 */
export async function hold({ kind, count }: { kind: WorkerKind; count: number }): Promise<number[]> {
  return await (await holder).hold(kind, count);
}

/** Starts and closes a pool of one, `cycles` times: the leak check. */
export async function cycle({ kind, cycles }: { kind: WorkerKind; cycles: number }): Promise<void> {
  await (await holder).cycle(kind, cycles);
}

/** This process's RSS by its runtime's own account, where /proc cannot be read. */
export function selfMemory(): number {
  return process.memoryUsage().rss;
}
