/**
 * The scaling experiment: a workload under a strategy at each concurrency,
 * measured in paired rounds — every level and a control once per round, in
 * a seeded order — and returned as a `truepar.run/1` record.
 *
 * @module
 */

import type { RuntimeAdapter } from "../../core/adapter.ts";
import { shuffle } from "../../core/measure/order.ts";
import { RUN_SCHEMA, type RunPoint, type RunRecord } from "./record.ts";
import {
  estimateSpeedup,
  isPrecise,
  judgeSpeedup,
  measureNoiseFloor,
  type NoiseFloor,
  pairedRatios,
  roundsBeyond,
  speedupLimit,
} from "../../core/measure/speedup.ts";
import { type LaneKind, measureBudget, measureLaneTime } from "../../core/measure/budget.ts";
import { type AmdahlFit, fitAmdahl, pairedRounds } from "../../core/measure/amdahl.ts";
import { median } from "../../core/measure/stats.ts";
import {
  measureCeiling,
  measureSample,
  runBatch,
  type SampleTiming,
  STRATEGIES,
  type StrategyName,
} from "./strategies.ts";
import { combineChecksums, resolveParams, type Workload, type WorkloadParams } from "../../core/workloads/workload.ts";
import { checkCount, describeValue } from "../../core/_checks.ts";
import { getWorkload } from "../../core/workloads/mod.ts";
import { userWorkload } from "../../core/workloads/task.ts";

/** How speedups are estimated, as every record states it. */
export const SPEEDUP_METHOD =
  "median of paired ratios (the smallest level's time over this level's, both from the same round), with a distribution-free 95% interval from order statistics; noise floor from a control: the smallest level measured twice per round";

/** What {@linkcode runScaling} does when an option is absent; the command line's help shows the same. */
export const RUN_DEFAULTS = {
  workload: "cpu",
  strategy: "workers",
  /** As in the article. */
  tasks: 24,
  repeat: 3,
  warmup: 1,
  maxMs: 0,
} as const satisfies Partial<Record<keyof ScalingOptions, unknown>>;

/** Options for {@linkcode runScaling}. */
export interface ScalingOptions {
  /** The adapter of the runtime this code runs on. */
  adapter: RuntimeAdapter;
  /** A workload name. Default `cpu`, unless `task` is given. */
  workload?: string;
  /** Its parameters; defaults fill the rest. */
  params?: Record<string, unknown>;
  /**
   * A function of your own instead of a workload: the export `export` of the
   * module at `module`, called with `args` by every task; its return value
   * is the checksum (a string as it is, anything else as JSON).
   */
  task?: { module: URL | string; export: string; args?: readonly unknown[] };
  /** Default `workers`. */
  strategy?: StrategyName;
  /** The concurrency levels, each a positive integer. Default: from the cores this process may use, {@linkcode defaultLevels}. */
  concurrency?: readonly number[];
  /** Tasks per batch. Default 24, as in the article. */
  tasks?: number;
  /** Paired rounds at least. Default 3. */
  repeat?: number;
  /** Untimed batches at each level before the rounds. Default 1. */
  warmup?: number;
  /** Keep adding rounds until every steady speedup is within ±`precision`, or this many ms have passed. Default 0: `repeat` rounds, no more. */
  maxMs?: number;
  /** The half-width, relative, that ends the rounds early under `maxMs`. Default 0.05. */
  precision?: number;
  /** Also measure what `c` independent processes give (each running its share in one call), as the machine's ceiling. Default false. */
  ceiling?: boolean;
  /** The seed of the rounds' order. Default: a random one, recorded. */
  seed?: number;
  /** Aborting it stops the run: its pools are terminated and it rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Called after each task with the tasks done and the tasks planned so far. */
  onProgress?: (done: number, total: number) => void;
  /** Called after each round with the record of the rounds so far: what an interrupted run can still show. */
  onRound?: (record: RunRecord) => void;
}

/** A scaling run's options, checked and complete. */
export interface ScalingPlan {
  adapter: RuntimeAdapter;
  workload: Workload;
  /** The user's task as given, for the record. */
  task?: { module: string; export: string; args: unknown[] };
  params: WorkloadParams;
  strategy: StrategyName;
  concurrency: number[];
  tasks: number;
  repeat: number;
  warmup: number;
  maxMs: number;
  precision: number;
  ceiling: boolean;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onRound?: (record: RunRecord) => void;
}

/**
 * The levels a machine is measured at: 1, 2, 4, … up to its cores (the core
 * count itself included), and twice the cores, to show oversubscription.
 *
 * @param cores The cores this process may use (CPU affinity included).
 * @returns The levels, ascending.
 * @example
 * ```ts
 * import { defaultLevels } from "./runner.ts";
 * if (defaultLevels(2).join() !== "1,2,4") throw new Error("the example's check failed");
 * if (defaultLevels(1).join() !== "1,2") throw new Error("the example's check failed");
 * if (defaultLevels(6).join() !== "1,2,4,6,12") throw new Error("the example's check failed");
 * ```
 */
export function defaultLevels(cores: number): number[] {
  const levels: number[] = [];
  for (let level = 1; level < cores; level *= 2) levels.push(level);
  return [...levels, cores, 2 * cores];
}

/**
 * Checks the options of a scaling run and fills in the defaults.
 *
 * @param options The options as given.
 * @returns The options, complete.
 * @throws {TypeError} For a value of the wrong type or an unknown strategy.
 * @throws {RangeError} For an unknown workload, or a count or a number out of range.
 * @example
 * ```ts
 * import { validateScalingOptions } from "./runner.ts";
 * const options = validateScalingOptions({ adapter: undefined as never, concurrency: [1, 2], tasks: 8 });
 * if (!(options.tasks === 8 && options.strategy === "workers")) throw new Error("the example's check failed");
 * ```
 */
export function validateScalingOptions(options: ScalingOptions): ScalingPlan {
  const strategy = options.strategy ?? RUN_DEFAULTS.strategy;
  if (!STRATEGIES.includes(strategy)) {
    throw new TypeError(
      `Cannot run: "strategy" must be one of ${STRATEGIES.join(", ")}, received ${describeValue(strategy)}`,
    );
  }
  const workload = options.task === undefined
    ? getWorkload(options.workload ?? RUN_DEFAULTS.workload)
    : taskWorkload(options);
  const concurrency = options.concurrency ?? defaultLevels(options.adapter.hostInfo().cores);
  if (!Array.isArray(concurrency) || concurrency.length === 0) {
    throw new TypeError(`Cannot run: "concurrency" must be a non-empty list, received ${describeValue(concurrency)}`);
  }
  concurrency.forEach((level) => checkRunCount("concurrency", level, 1));
  const maxMs = options.maxMs ?? RUN_DEFAULTS.maxMs;
  if (!(typeof maxMs === "number" && maxMs >= 0 && Number.isFinite(maxMs))) {
    throw new RangeError(
      `Cannot run: "maxMs" must be a number of milliseconds, 0 or more, received ${describeValue(maxMs)}`,
    );
  }
  const precision = options.precision ?? 0.05;
  if (!(typeof precision === "number" && precision > 0 && precision < 1)) {
    throw new RangeError(
      `Cannot run: "precision" must be a number above 0 and below 1, received ${describeValue(precision)}`,
    );
  }
  const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!;
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new RangeError(`Cannot run: "seed" must be an integer from 0 to 4294967295, received ${describeValue(seed)}`);
  }
  return {
    adapter: options.adapter,
    workload,
    task: workload.task &&
      { module: workload.task.specifier, export: workload.task.export, args: [...workload.task.args] },
    params: resolveParams(workload, options.params),
    strategy,
    concurrency: [...new Set(concurrency)],
    tasks: checkRunCount("tasks", options.tasks ?? RUN_DEFAULTS.tasks, 1),
    repeat: checkRunCount("repeat", options.repeat ?? RUN_DEFAULTS.repeat, 1),
    warmup: checkRunCount("warmup", options.warmup ?? RUN_DEFAULTS.warmup, 0),
    maxMs,
    precision,
    ceiling: options.ceiling ?? false,
    seed,
    signal: options.signal,
    onProgress: options.onProgress,
    onRound: options.onRound,
  };
}

/** The user's task as a workload, its module not prepared yet: `runScaling` prepares it for the runtime's workers. */
function taskWorkload(options: ScalingOptions): Workload {
  const { module, export: name, args = [] } = options.task!;
  if (options.workload !== undefined || options.params !== undefined) {
    throw new TypeError(
      `Cannot run: give "task" or "workload" and "params", not both, received workload ${
        describeValue(options.workload)
      }`,
    );
  }
  let url: URL;
  try {
    url = new URL(module);
  } catch {
    throw new TypeError(
      `Cannot run: "task.module" must be a URL, such as new URL("./tasks.ts", import.meta.url), received ${
        describeValue(module)
      }`,
    );
  }
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `Cannot run: "task.export" must be the name of an exported function, received ${describeValue(name)}`,
    );
  }
  if (!Array.isArray(args)) {
    throw new TypeError(`Cannot run: "task.args" must be an array of arguments, received ${describeValue(args)}`);
  }
  return userWorkload({ specifier: url.href, export: name, args }, `${url.pathname.split("/").pop()}#${name}`);
}

/**
 * Runs a workload under a strategy at each concurrency and measures it in
 * paired rounds. Each round takes one sample at every level and one more at
 * the smallest (the control), in a seeded random order; a sample is a cold
 * batch on a fresh pool (the article's figure, start-up included) and then
 * a steady batch on the same warmed pool, with the cores it kept busy.
 *
 * @param options What to run, how often, and for how long at most.
 * @returns The `truepar.run/1` record.
 * @throws {TypeError | RangeError} For invalid options, before anything runs.
 * @throws {Error} When a task fails or the tasks' checksums disagree; `signal.reason` when aborted.
 * @example
 * ```ts
 * import { runScaling } from "./runner.ts";
 * import { createAdapter } from "../../runtimes/detect.ts";
 * const adapter = await createAdapter();
 * const record = await runScaling({ adapter, strategy: "workers", params: { iterations: 100_000 }, tasks: 4, repeat: 2, warmup: 0 });
 * console.log(record.points.map((p) => `${p.concurrency}: ${p.steadySpeedup.toFixed(2)}x, ${p.coresBusy?.toFixed(2)} cores busy`));
 * ```
 */
export async function runScaling(options: ScalingOptions): Promise<RunRecord> {
  const run = validateScalingOptions(options);
  const { task } = run.workload;
  // A user's module is made loadable by this runtime's workers (Node bundles it), and the main thread runs the same code.
  if (task !== undefined) {
    run.workload = userWorkload(
      { ...task, specifier: await run.adapter.prepare(new URL(task.specifier)) },
      run.workload.name,
    );
  }
  const { concurrency: levels, tasks, signal } = run;
  const base = Math.min(...levels);
  const startedAt = new Date().toISOString();
  let done = 0;
  let planned = (run.warmup * levels.length + run.repeat * (levels.length + 1) * 2) * tasks;
  const batch = (concurrency: number) => ({
    adapter: run.adapter,
    workload: run.workload,
    params: run.params,
    tasks,
    concurrency,
    signal,
    onTaskDone: () => run.onProgress?.(++done, planned),
  });
  for (let i = 0; i < run.warmup; i++) {
    for (const level of levels) await runBatch(run.strategy, batch(level));
  }
  const samples = new Map<number, SampleTiming[]>(levels.map((level) => [level, []]));
  const control: SampleTiming[] = [];
  const ceilings = new Map<number, number[]>(levels.map((level) => [level, []]));
  const start = performance.now();
  for (let round = 0;; round++) {
    if (round >= run.repeat) planned += (levels.length + 1) * 2 * tasks;
    const order = shuffle(
      [...levels.map((level) => ({ level, control: false })), { level: base, control: true }],
      (run.seed + round) >>> 0,
    );
    for (const { level, control: isControl } of order) {
      const sample = await measureSample(run.strategy, batch(level));
      (isControl ? control : samples.get(level)!).push(sample);
    }
    if (run.ceiling) {
      for (const level of shuffle(levels, (run.seed ^ round) >>> 0)) {
        ceilings.get(level)!.push(await measureCeiling(batch(level)));
      }
    }
    const elapsed = performance.now() - start;
    const enough = round + 1 >= run.repeat;
    const capped = enough && run.maxMs > 0 && elapsed >= run.maxMs;
    const record = summarize(run, { startedAt, rounds: round + 1, capped: false, samples, control, ceilings });
    const precise = record.points.every((p) =>
      p.concurrency === base ||
      isPrecise(estimateSpeedup(pairedRatios(steady(samples.get(base)!), p.steadySamplesMs)), run.precision)
    );
    record.capped = capped && !precise;
    run.onRound?.(record);
    if (enough && (run.maxMs === 0 || precise || capped)) return record;
  }
}

interface Measured {
  startedAt: string;
  rounds: number;
  capped: boolean;
  samples: Map<number, SampleTiming[]>;
  control: SampleTiming[];
  ceilings: Map<number, number[]>;
}

function summarize(run: ScalingPlan, measured: Measured): RunRecord {
  const { samples, control, ceilings } = measured;
  const base = samples.get(Math.min(...run.concurrency))!;
  const checksums = new Set(
    [...samples.values(), control].flat().map((s) => combineChecksums(run.workload, s.checksums)),
  );
  if (checksums.size !== 1) {
    throw new Error(
      `Cannot trust run: batches of workload "${run.workload.name}" returned different checksums: ${
        [...checksums].join(", ")
      }`,
    );
  }
  const noise = measureNoiseFloor([
    ...pairedRatios(base.map((s) => s.totalMs), control.map((s) => s.totalMs)),
    ...pairedRatios(steady(base), steady(control)),
  ]);
  const baseCeiling = ceilings.get(Math.min(...run.concurrency))!;
  const host = run.adapter.hostInfo();
  const baseLevel = Math.min(...run.concurrency);
  const points = run.concurrency.map((concurrency) => {
    const point = summarizePoint(
      concurrency,
      samples.get(concurrency)!,
      base,
      noise,
      [...checksums][0]!,
      run.ceiling ? [ceilings.get(concurrency)!, baseCeiling] : undefined,
    );
    if (concurrency === baseLevel) return point;
    const limit = speedupLimit({
      strategy: run.strategy,
      level: concurrency,
      base: baseLevel,
      cores: host.cores,
      waits: run.workload.waits ?? false,
    });
    // Every round past the limit itself: an interval's end pooled over several runs may be any of them.
    const beyond = roundsBeyond(limit, samples.get(concurrency)!, base, control);
    point.limit = { speedup: limit, ...(beyond.length > 0 && { roundsBeyond: beyond }) };
    point.budget = budgetOf(run.strategy, samples.get(concurrency)!, [...base, ...control]);
    return point;
  });
  const cpuSource = [...samples.values()].flat().find((s) => s.cpuSource !== null)?.cpuSource ?? null;
  const amdahl = run.concurrency.length >= 3 ? fitRounds(run.concurrency, samples, host.cores) : undefined;
  return {
    schema: RUN_SCHEMA,
    runtime: run.adapter.runtime,
    host,
    workload: { name: run.workload.name, params: run.params, ...(run.task && { task: run.task }) },
    strategy: run.strategy,
    tasks: run.tasks,
    warmup: run.warmup,
    repeat: run.repeat,
    startedAt: measured.startedAt,
    rounds: measured.rounds,
    seed: run.seed,
    capped: measured.capped,
    method: SPEEDUP_METHOD,
    noise,
    cpuSource,
    points,
    ...(amdahl && { amdahl }),
  };
}

/** How a strategy's lanes are named in a budget. */
const LANE_KINDS: Readonly<Record<StrategyName, LaneKind>> = {
  sequential: "sequential",
  async: "event-loop",
  workers: "pool",
  processes: "pool",
};

/** A level's time budget against the smallest level's samples (the control's too), cold and steady. */
function budgetOf(
  strategy: StrategyName,
  own: readonly SampleTiming[],
  base: readonly SampleTiming[],
): NonNullable<RunPoint["budget"]> {
  const lanes = (samples: readonly SampleTiming[], which: "cold" | "steady") =>
    samples.map((s) => measureLaneTime(s.traces[which]));
  const kind = LANE_KINDS[strategy];
  return {
    cold: measureBudget(lanes(own, "cold"), lanes(base, "cold"), kind, true),
    steady: measureBudget(lanes(own, "steady"), lanes(base, "steady"), kind, false),
  };
}

/** Amdahl's law fitted to each round's steady speedups, every level against the smallest. */
function fitRounds(
  levels: readonly number[],
  samples: Map<number, SampleTiming[]>,
  cores: number,
): AmdahlFit | undefined {
  const rounds = pairedRounds(
    levels.map((concurrency) => ({ concurrency, steadyMs: steady(samples.get(concurrency)!) })),
  );
  return fitAmdahl(rounds, Math.min(...levels), cores);
}

function summarizePoint(
  concurrency: number,
  own: SampleTiming[],
  base: SampleTiming[],
  noise: NoiseFloor,
  checksum: string,
  ceiling?: [number[], number[]],
): RunPoint {
  const samplesMs = own.map((s) => s.totalMs);
  const startupSamplesMs = own.map((s) => s.startupMs);
  const batchSamplesMs = own.map((s) => s.batchMs);
  const steadySamplesMs = steady(own);
  const cold = estimateSpeedup(pairedRatios(base.map((s) => s.totalMs), samplesMs));
  const warm = estimateSpeedup(pairedRatios(steady(base), steadySamplesMs));
  const coresBusySamples = own.map((s) => s.coresBusy);
  const busy = coresBusySamples.filter((value): value is number => value !== null);
  const point: RunPoint = {
    concurrency,
    samplesMs,
    medianMs: median(samplesMs),
    speedup: cold.estimate,
    speedupCI: cold.ci,
    speedupCoverage: cold.coverage,
    evidence: judgeSpeedup(cold.ci, noise),
    checksum,
    startupSamplesMs,
    startupMedianMs: median(startupSamplesMs),
    batchSamplesMs,
    batchMedianMs: median(batchSamplesMs),
    batchSpeedup: median(pairedRatios(base.map((s) => s.batchMs), batchSamplesMs)),
    steadySamplesMs,
    steadyMedianMs: median(steadySamplesMs),
    steadySpeedup: warm.estimate,
    steadySpeedupCI: warm.ci,
    steadyEvidence: judgeSpeedup(warm.ci, noise),
    coresBusySamples,
    coresBusy: busy.length > 0 ? median(busy) : null,
  };
  if (ceiling !== undefined) {
    const [samples, baseSamples] = ceiling;
    const estimate = estimateSpeedup(pairedRatios(baseSamples, samples));
    point.ceiling = { samplesMs: samples, speedup: estimate.estimate, speedupCI: estimate.ci };
  }
  return point;
}

function steady(samples: readonly SampleTiming[]): number[] {
  return samples.map((s) => s.steadyMs);
}

function checkRunCount(name: string, value: unknown, min: 0 | 1): number {
  return checkCount("Cannot run", name, value, min);
}
