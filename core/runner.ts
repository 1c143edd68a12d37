/**
 * The scaling experiment: a workload under a strategy at each concurrency,
 * with warm-up and repeated samples, returned as a `truepar.run/1` record.
 *
 * @module
 */

import type { RuntimeAdapter } from "./adapter.ts";
import { RUN_SCHEMA, type RunPoint, type RunRecord } from "./record.ts";
import { median } from "./stats.ts";
import { type BatchTiming, runBatch, STRATEGIES, type StrategyName } from "./strategies.ts";
import { checkCount, combineChecksums, describeValue, resolveParams, type Workload, type WorkloadParams } from "./workload.ts";
import { getWorkload } from "./workloads/mod.ts";

/** Options for {@linkcode runScaling}. */
export interface ScalingOptions {
  /** The adapter of the runtime this code runs on. */
  adapter: RuntimeAdapter;
  /** A workload name. Default `cpu`. */
  workload?: string;
  /** Its parameters; defaults fill the rest. */
  params?: Record<string, unknown>;
  /** Default `workers`. */
  strategy?: StrategyName;
  /** The concurrency levels, each a positive integer. Default `[1, 2]`. */
  concurrency?: readonly number[];
  /** Tasks per batch. Default 24, as in the article. */
  tasks?: number;
  /** Timed samples per concurrency. Default 3. */
  repeat?: number;
  /** Untimed batches before the samples. Default 1. */
  warmup?: number;
  /** Called after each task with the tasks done and the tasks in the whole run. */
  onProgress?: (done: number, total: number) => void;
}

/** A scaling run's options, checked and complete. */
export interface ScalingPlan {
  adapter: RuntimeAdapter;
  workload: Workload;
  params: WorkloadParams;
  strategy: StrategyName;
  concurrency: number[];
  tasks: number;
  repeat: number;
  warmup: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Checks the options of a scaling run and fills in the defaults.
 *
 * @param options The options as given.
 * @returns The options, complete.
 * @throws {TypeError} For a value of the wrong type, or an unknown strategy or workload.
 * @throws {RangeError} For a count that is not a positive integer.
 * @example
 * ```ts
 * import { validateScalingOptions } from "./runner.ts";
 * const options = validateScalingOptions({ adapter: undefined as never, tasks: 8 });
 * console.assert(options.tasks === 8 && options.strategy === "workers");
 * ```
 */
export function validateScalingOptions(options: ScalingOptions): ScalingPlan {
  const strategy = options.strategy ?? "workers";
  if (!STRATEGIES.includes(strategy)) {
    throw new TypeError(
      `Cannot run: "strategy" must be one of ${STRATEGIES.join(", ")}, received ${describeValue(strategy)}`,
    );
  }
  const workload = getWorkload(options.workload ?? "cpu");
  const concurrency = options.concurrency ?? [1, 2];
  if (!Array.isArray(concurrency) || concurrency.length === 0) {
    throw new TypeError(`Cannot run: "concurrency" must be a non-empty list, received ${describeValue(concurrency)}`);
  }
  concurrency.forEach((level) => checkRunCount("concurrency", level, 1));
  return {
    adapter: options.adapter,
    workload,
    params: resolveParams(workload, options.params),
    strategy,
    concurrency: [...concurrency],
    tasks: checkRunCount("tasks", options.tasks ?? 24, 1),
    repeat: checkRunCount("repeat", options.repeat ?? 3, 1),
    warmup: checkRunCount("warmup", options.warmup ?? 1, 0),
    onProgress: options.onProgress,
  };
}

/**
 * Runs a workload under a strategy at each concurrency and measures it.
 * Each sample runs a whole batch; with a pool, a fresh pool per sample, so
 * start-up is in the total as in the article, and reported apart.
 *
 * @param options What to run and how often.
 * @returns The `truepar.run/1` record.
 * @throws {TypeError | RangeError} For invalid options, before anything runs.
 * @throws {Error} When a task fails or the tasks' checksums disagree.
 * @example
 * ```ts ignore
 * import { runScaling } from "./runner.ts";
 * import { createAdapter } from "../runtimes/detect.ts";
 * const record = await runScaling({ adapter: await createAdapter(), tasks: 8 });
 * console.log(record.points.map((p) => p.speedup));
 * ```
 */
export async function runScaling(options: ScalingOptions): Promise<RunRecord> {
  const run = validateScalingOptions(options);
  const { workload } = run;
  const startedAt = new Date().toISOString();
  const total = run.concurrency.length * (run.warmup + run.repeat) * run.tasks;
  let done = 0;
  const onTaskDone = () => run.onProgress?.(++done, total);
  const points: RunPoint[] = [];
  for (const concurrency of run.concurrency) {
    const batch = { adapter: run.adapter, workload, params: run.params, tasks: run.tasks, concurrency, onTaskDone };
    const samples: BatchTiming[] = [];
    for (let i = 0; i < run.warmup + run.repeat; i++) {
      const timing = await runBatch(run.strategy, batch);
      if (i >= run.warmup) samples.push(timing);
    }
    points.push(summarize(concurrency, samples, workload));
  }
  const base = points.reduce((a, b) => (b.concurrency < a.concurrency ? b : a));
  for (const point of points) {
    point.speedup = base.medianMs / point.medianMs;
    point.batchSpeedup = base.batchMedianMs / point.batchMedianMs;
  }
  return {
    schema: RUN_SCHEMA,
    runtime: run.adapter.runtime,
    host: run.adapter.hostInfo(),
    workload: { name: workload.name, params: run.params },
    strategy: run.strategy,
    tasks: run.tasks,
    warmup: run.warmup,
    repeat: run.repeat,
    startedAt,
    points,
  };
}

function summarize(concurrency: number, samples: BatchTiming[], workload: Workload): RunPoint {
  const checksums = new Set(samples.map((sample) => combineChecksums(workload, sample.checksums)));
  if (checksums.size !== 1) {
    throw new Error(
      `Cannot trust run: batches of workload "${workload.name}" returned different checksums: ${[...checksums].join(", ")}`,
    );
  }
  const samplesMs = samples.map((sample) => sample.totalMs);
  const startupSamplesMs = samples.map((sample) => sample.startupMs);
  const batchSamplesMs = samples.map((sample) => sample.batchMs);
  return {
    concurrency,
    samplesMs,
    medianMs: median(samplesMs),
    speedup: 1,
    checksum: [...checksums][0]!,
    startupSamplesMs,
    startupMedianMs: median(startupSamplesMs),
    batchSamplesMs,
    batchMedianMs: median(batchSamplesMs),
    batchSpeedup: 1,
  };
}

function checkRunCount(name: string, value: unknown, min: 0 | 1): number {
  return checkCount("Cannot run", name, value, min);
}
