/**
 * The four ways to run a batch of tasks: one by one, interleaved on one event
 * loop, in worker threads, and in child processes.
 *
 * @module
 */

import type { RuntimeAdapter } from "./adapter.ts";
import { createPool } from "./pool.ts";
import type { Workload, WorkloadParams } from "./workload.ts";

/** A strategy's name, as on the command line. */
export type StrategyName = "sequential" | "async" | "workers" | "processes";

/** Every strategy, in the order the report shows them. */
export const STRATEGIES: readonly StrategyName[] = ["sequential", "async", "workers", "processes"];

/** Options for {@linkcode runBatch}. */
export interface BatchOptions {
  /** Starts workers and child processes. */
  adapter: RuntimeAdapter;
  /** What each task computes. */
  workload: Workload;
  /** Its validated parameters. */
  params: WorkloadParams;
  /** How many tasks the batch has. */
  tasks: number;
  /** Tasks in flight (`async`) or pool size (`workers`, `processes`); `sequential` ignores it. */
  concurrency: number;
  /** Called as each task finishes. */
  onTaskDone?: () => void;
}

/** The timing of one batch. */
export interface BatchTiming {
  /** Starting the pool, until every worker was ready; 0 without a pool. */
  startupMs: number;
  /** From the pool being ready to the last task's result. */
  batchMs: number;
  /** `startupMs + batchMs`: the article's figure, pool start included. */
  totalMs: number;
  /** Each task's checksum, in task order. */
  checksums: string[];
}

/**
 * Runs `tasks` copies of a workload with one strategy and times them.
 *
 * @param strategy How to run them.
 * @param options The workload, the batch size and the concurrency.
 * @returns The batch's timing and each task's checksum.
 * @throws {Error} What a task threw; the pool, if any, is closed first.
 * @example
 * ```ts
 * import { runBatch } from "./strategies.ts";
 * import { cpu } from "./workloads/cpu.ts";
 * const adapter = undefined as never; // not needed on the main thread
 * const timing = await runBatch("async", { adapter, workload: cpu, params: { iterations: 1000 }, tasks: 4, concurrency: 2 });
 * console.assert(timing.checksums.length === 4);
 * ```
 */
export async function runBatch(strategy: StrategyName, options: BatchOptions): Promise<BatchTiming> {
  switch (strategy) {
    case "sequential":
      return await runOnMainThread(options, 1);
    case "async":
      return await runOnMainThread(options, options.concurrency);
    case "workers":
      return await runInPool(options, "worker");
    case "processes":
      return await runInPool(options, "process");
  }
}

async function runOnMainThread(options: BatchOptions, lanes: number): Promise<BatchTiming> {
  const { workload, params, tasks, onTaskDone } = options;
  const shared = await workload.setup?.();
  const checksums: string[] = new Array(tasks);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks) {
      const part = next++;
      checksums[part] = await workload.run(params, { part, parts: tasks, shared });
      onTaskDone?.();
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(lanes, tasks) }, lane));
  const batchMs = performance.now() - start;
  return { startupMs: 0, batchMs, totalMs: batchMs, checksums };
}

async function runInPool(options: BatchOptions, kind: "worker" | "process"): Promise<BatchTiming> {
  const { adapter, workload, params, tasks, concurrency, onTaskDone } = options;
  // A child process cannot receive what setup() makes (a WebAssembly.Module): it makes its own.
  const shared = kind === "worker" ? await workload.setup?.() : undefined;
  const start = performance.now();
  const pool = await createPool({ adapter, kind, size: concurrency });
  const ready = performance.now();
  let checksums: string[];
  try {
    checksums = await Promise.all(
      Array.from({ length: tasks }, async (_, part) => {
        const arg = { workload: workload.name, params, part, parts: tasks, shared };
        const checksum = await pool.run<string>("runWorkload", arg);
        onTaskDone?.();
        return checksum;
      }),
    );
  } catch (error) {
    await pool.terminate();
    throw error;
  }
  const end = performance.now();
  await pool.close();
  return { startupMs: ready - start, batchMs: end - ready, totalMs: end - start, checksums };
}
