/**
 * The four ways to run a batch of tasks: one by one, interleaved on one event
 * loop, in worker threads, and in child processes; and one sample of a batch,
 * cold and then steady, with the cores it kept busy.
 *
 * @module
 */

import {
  type CpuReading,
  type RuntimeAdapter,
  startsKind,
  type ThreadTimes,
  type WorkerKind,
} from "../../core/adapter.ts";
import type { BatchTrace, LaneSpan } from "../../core/measure/budget.ts";
import { createPool, type Pool } from "../../core/pool/pool.ts";
import { WORKLOAD_TASKS } from "../../core/workloads/mod.ts";
import type { Workload, WorkloadParams } from "../../core/workloads/workload.ts";

/** A strategy's name, as on the command line. */
export type StrategyName = "sequential" | "async" | "workers" | "processes";

/** Every strategy, in the order the report shows them. */
export const STRATEGIES: readonly StrategyName[] = ["sequential", "async", "workers", "processes"];

/** What a runtime can do, as its registry line says it, that decides its strategies. */
export interface Capabilities {
  kinds?: readonly WorkerKind[];
  eventLoop?: false;
  mainThreadMayBlock?: false;
}

/**
 * The strategies a runtime runs a workload with, from what it can do: the
 * main thread's always, the event loop's where it has one, workers and
 * processes where it starts them; and where the workload blocks and the
 * main thread may not, only workers and processes.
 *
 * @param can The runtime's capabilities.
 * @param blocks Whether the workload blocks its thread.
 * @returns The strategies, in the usual order.
 * @example
 * ```ts
 * import { strategiesFor } from "./strategies.ts";
 * if (strategiesFor({ kinds: ["worker"] }).join() !== "sequential,async,workers") throw new Error("the example's check failed");
 * if (strategiesFor({ mainThreadMayBlock: false }, true).join() !== "workers,processes") throw new Error("the example's check failed");
 * ```
 */
export function strategiesFor(can: Capabilities, blocks = false): StrategyName[] {
  const kinds = can.kinds ?? ["worker", "process"];
  return STRATEGIES.filter((strategy) => {
    if (strategy === "workers") return kinds.includes("worker");
    if (strategy === "processes") return kinds.includes("process");
    if (blocks && can.mainThreadMayBlock === false) return false;
    return strategy === "sequential" || can.eventLoop !== false;
  });
}

/** Options for {@linkcode runBatch} and {@linkcode measureSample}. */
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
  /** Aborting it ends the batch: the pool is terminated and the call rejects with `signal.reason`. */
  signal?: AbortSignal;
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

/** One sample: a cold batch, then the same batch again on the warmed pool. */
export interface SampleTiming extends BatchTiming {
  /** The second batch, on the same pool, every worker warm: the steady state. */
  steadyMs: number;
  /** CPU time of the process tree during the steady batch over its wall time; `null` where it cannot be read. */
  coresBusy: number | null;
  /** How the CPU time was read. */
  cpuSource: string | null;
  /** Each batch's tasks, lane by lane, for a time budget: the cold batch (its pool's start-up with it) and the steady one. */
  traces: { cold: BatchTrace; steady: BatchTrace };
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
 * import { cpu } from "../../core/workloads/cpu.ts";
 * const adapter = undefined as never; // not needed on the main thread
 * const timing = await runBatch("async", { adapter, workload: cpu, params: { iterations: 1000 }, tasks: 4, concurrency: 2 });
 * if (!(timing.checksums.length === 4)) throw new Error("the example's check failed");
 * ```
 */
export async function runBatch(strategy: StrategyName, options: BatchOptions): Promise<BatchTiming> {
  const runner = await openRunner(strategy, options);
  try {
    const start = performance.now();
    const { checksums } = await runner.run();
    const batchMs = performance.now() - start;
    return { startupMs: runner.startupMs, batchMs, totalMs: runner.startupMs + batchMs, checksums };
  } finally {
    await runner.close();
  }
}

/**
 * Takes one sample of a strategy: a cold batch (a fresh pool, start-up and
 * warm-up included, as the article measures), then the same batch again on
 * the pool it warmed (the steady state), with the CPU time of the whole
 * process tree read around the steady batch.
 *
 * @param strategy How to run the tasks.
 * @param options The workload, the batch size and the concurrency.
 * @returns Both timings and the cores the steady batch kept busy.
 * @throws {Error} What a task threw, or `signal.reason` when aborted; the pool is gone either way.
 * @example
 * ```ts
 * import { measureSample } from "./strategies.ts";
 * import { cpu } from "../../core/workloads/cpu.ts";
 * const adapter = { readCpu: undefined } as never; // the main thread needs no adapter
 * const sample = await measureSample("sequential", { adapter, workload: cpu, params: { iterations: 1000 }, tasks: 2, concurrency: 1 });
 * if (!(sample.steadyMs > 0 && sample.coresBusy === null)) throw new Error("the example's check failed");
 * ```
 */
export async function measureSample(strategy: StrategyName, options: BatchOptions): Promise<SampleTiming> {
  const runner = await openRunner(strategy, options, true);
  const { adapter, concurrency: lanes } = options;
  try {
    const stolenBefore = await adapter.readStolen?.();
    const start = epochNow();
    const cold = await runner.run();
    const end = epochNow();
    const stolenBetween = await adapter.readStolen?.();
    const cpuBefore = await adapter.readCpu?.("start");
    const steadyStart = epochNow();
    const again = await runner.run();
    const steadyEnd = epochNow();
    const cpuAfter = await adapter.readCpu?.("end");
    const stolenAfter = await adapter.readStolen?.();
    const { checksums } = cold;
    if (again.checksums.join() !== checksums.join()) {
      throw new Error(`Cannot trust sample: workload "${options.workload.name}" gave other checksums the second time`);
    }
    const batchMs = end - start;
    const steadyMs = steadyEnd - steadyStart;
    const stolen = (from?: { ms: number }, to?: { ms: number }) => from && to ? { stolenMs: to.ms - from.ms } : {};
    return {
      startupMs: runner.startupMs,
      batchMs,
      totalMs: runner.startupMs + batchMs,
      checksums,
      steadyMs,
      ...coresBusy(cpuBefore, cpuAfter, steadyMs),
      traces: {
        cold: {
          startMs: start,
          endMs: end,
          lanes,
          startupMs: runner.startupMs,
          spans: cold.spans,
          ...(cold.thread && { thread: cold.thread }),
          ...stolen(stolenBefore, stolenBetween),
        },
        steady: {
          startMs: steadyStart,
          endMs: steadyEnd,
          lanes,
          startupMs: 0,
          spans: again.spans,
          ...(again.thread && { thread: again.thread }),
          ...stolen(stolenBetween, stolenAfter),
        },
      },
    };
  } finally {
    await runner.close();
  }
}

/** Now, in ms since the epoch, on the clock every thread and process shares: the clock of the tasks' spans. */
function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * What the machine gives with no pool: `processes` child processes (workers
 * where the runtime starts no processes), each running its share of the
 * batch in one call, one message each way.
 *
 * @param options The workload, the batch size and how many processes.
 * @returns The time from every process being ready to the last share's end, in ms.
 * @throws {Error} What a task threw, or `signal.reason` when aborted.
 */
export async function measureCeiling(options: BatchOptions): Promise<number> {
  const { adapter, workload, params, tasks, concurrency, signal } = options;
  // A browser starts no processes: its ceiling is c workers, each running its share in one call.
  const pool = await createPool({
    adapter,
    kind: startsKind(adapter, "process") ? "process" : "worker",
    size: concurrency,
    module: WORKLOAD_TASKS,
  });
  const stop = watch(signal, pool);
  try {
    // Every process loads and compiles the loop first, untimed: the ceiling is the steady state.
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        pool.run("runWorkloadShare", {
          workload: workload.name,
          params,
          from: 0,
          to: 1,
          parts: tasks,
          task: workload.task,
        })),
    );
    const start = performance.now();
    const shares = Array.from(
      { length: concurrency },
      (_, i) => [Math.floor((i * tasks) / concurrency), Math.floor(((i + 1) * tasks) / concurrency)],
    );
    await Promise.all(
      shares.map(([from, to]) =>
        pool.run("runWorkloadShare", { workload: workload.name, params, from, to, parts: tasks, task: workload.task })
      ),
    );
    return performance.now() - start;
  } catch (error) {
    await pool.terminate();
    throw signal?.aborted ? signal.reason : error;
  } finally {
    stop();
    await pool.close();
  }
}

interface Runner {
  startupMs: number;
  run(): Promise<RunnerBatch>;
  close(): Promise<void>;
}

/** What one batch of a runner gives: each task's checksum and, when asked for, its span. */
interface RunnerBatch {
  checksums: string[];
  spans: LaneSpan[];
  /** The main thread's clocks over the batch, where the tasks ran there. */
  thread?: ThreadTimes;
}

async function openRunner(strategy: StrategyName, options: BatchOptions, spans = false): Promise<Runner> {
  options.signal?.throwIfAborted();
  switch (strategy) {
    case "sequential":
      return await onMainThread(options, 1, spans);
    case "async":
      return await onMainThread(options, options.concurrency, spans);
    case "workers":
      return await inPool(options, "worker", spans);
    case "processes":
      return await inPool(options, "process", spans);
  }
}

async function onMainThread(options: BatchOptions, lanes: number, timed: boolean): Promise<Runner> {
  const { adapter, workload, params, tasks, onTaskDone, signal } = options;
  const shared = await workload.setup?.();
  // Awaited tasks interleave on the one thread: its clocks are read around the batch, not around each task.
  const clock = timed ? adapter?.readThreadTimes?.bind(adapter) : undefined;
  return {
    startupMs: 0,
    async run() {
      const checksums: string[] = new Array(tasks);
      const spans: LaneSpan[] = [];
      let next = 0;
      const lane = async (index: number): Promise<void> => {
        while (next < tasks) {
          signal?.throwIfAborted();
          const part = next++;
          const startMs = timed ? epochNow() : 0;
          const result = workload.run(params, { part, parts: tasks, shared });
          // A task that returned at once ended here: awaiting it lets the other lanes run first.
          const returnedMs = timed && !(result instanceof Promise) ? epochNow() : 0;
          checksums[part] = await result;
          if (timed) spans.push({ lane: index, startMs, endMs: returnedMs || epochNow() });
          onTaskDone?.();
        }
      };
      const before = clock?.();
      await Promise.all(Array.from({ length: Math.min(lanes, tasks) }, (_, index) => lane(index)));
      const after = clock?.();
      const thread = before && after
        ? { cpuMs: after.cpuMs - before.cpuMs, waitMs: after.waitMs - before.waitMs }
        : undefined;
      return { checksums, spans, ...(thread && { thread }) };
    },
    close: () => Promise.resolve(),
  };
}

async function inPool(options: BatchOptions, kind: "worker" | "process", spans: boolean): Promise<Runner> {
  const { adapter, workload, params, tasks, concurrency, onTaskDone, signal } = options;
  // A child process cannot receive what setup() makes (a WebAssembly.Module): it makes its own.
  const shared = kind === "worker" ? await workload.setup?.() : undefined;
  const start = performance.now();
  const pool = await createPool({ adapter, kind, size: concurrency, spans, module: WORKLOAD_TASKS });
  const startupMs = performance.now() - start;
  const stop = watch(signal, pool);
  let failed = false;
  return {
    startupMs,
    async run() {
      try {
        const checksums = await Promise.all(
          Array.from({ length: tasks }, async (_, part) => {
            const checksum = await pool.run<string>("runWorkload", {
              workload: workload.name,
              params,
              part,
              parts: tasks,
              shared,
              task: workload.task,
            });
            onTaskDone?.();
            return checksum;
          }),
        );
        return { checksums, spans: pool.takeSpans().map(({ worker, ...span }) => ({ lane: worker, ...span })) };
      } catch (error) {
        failed = true;
        await pool.terminate();
        throw signal?.aborted ? signal.reason : error;
      }
    },
    async close() {
      stop();
      if (!failed) await pool.close();
    },
  };
}

/** Terminates the pool when the signal aborts; returns the function that stops watching. */
function watch(signal: AbortSignal | undefined, pool: Pool): () => void {
  if (signal === undefined) return () => {};
  const onAbort = () => void pool.terminate();
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

function coresBusy(
  before: CpuReading | undefined,
  after: CpuReading | undefined,
  wallMs: number,
): { coresBusy: number | null; cpuSource: string | null } {
  if (before === undefined || after === undefined) return { coresBusy: null, cpuSource: null };
  // One tick more or less in a span of one or two ticks would be a core or more: the median of many such readings is still a guess.
  const step = Math.max(before.resolutionMs ?? 0, after.resolutionMs ?? 0);
  if (wallMs < 3 * step) {
    return {
      coresBusy: null,
      cpuSource: `${after.source} (a span of ${wallMs.toFixed(1)} ms is under 3 of its ${step} ms steps)`,
    };
  }
  return { coresBusy: (after.ms - before.ms) / wallMs, cpuSource: after.source };
}
