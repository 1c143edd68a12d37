/**
 * The break-even task size: how much cpu a task must hold before handing it
 * to a worker pays. The same tasks run on the event loop (the baseline) and
 * on c workers or c child processes, c the cores the run may use, in each
 * pool mode (one `run()` per task by default, the latency mode, batched
 * `map()`), at task sizes from about 1 µs to 100 ms of cpu, in paired rounds
 * in a seeded order. It reports, per strategy and mode, the smallest task at
 * which the pool beats the event loop with its interval clear of 1, and the
 * smallest at which it reaches 90% of its best speedup.
 *
 * @module
 */

import {
  type HostInfo,
  type RuntimeAdapter,
  type RuntimeInfo,
  startsKind,
  type WorkerKind,
} from "../../core/adapter.ts";
import { shuffle } from "../../core/measure/order.ts";
import { createPool, type Pool } from "../../core/pool/pool.ts";
import { estimateSpeedup } from "../../core/measure/speedup.ts";
import { median } from "../../core/measure/stats.ts";
import { checkCount } from "../../core/_checks.ts";
import { modSum } from "../../core/workloads/cpu.ts";
import { spinAll } from "./tasks.ts";

/** The schema of the break-even record. */
export const BREAKEVEN_SCHEMA = "truepar.breakeven/1";

const TASKS_MODULE = new URL("./tasks.ts", import.meta.url);
/** Task sizes swept, µs of cpu: three a decade. */
const SIZES_US = [1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000];
/** About this much work per batch, so small tasks come many to a batch. */
const BATCH_US = 40_000;
/** The most tasks a batch holds. */
const MAX_TASKS = 4000;
const SPIN_MICROS = 50;

/** How tasks reach the pool. */
export type PoolMode = "default" | "latency" | "map";

/** A pool and how tasks are handed to it. */
export interface Way {
  strategy: "workers" | "processes";
  mode: PoolMode;
}

/** The ways measured: the latency mode is for worker threads only. */
export const WAYS: readonly Way[] = [
  { strategy: "workers", mode: "default" },
  { strategy: "workers", mode: "latency" },
  { strategy: "workers", mode: "map" },
  { strategy: "processes", mode: "default" },
  { strategy: "processes", mode: "map" },
];

/** Options for {@linkcode runBreakeven}. */
export interface BreakevenOptions {
  adapter: RuntimeAdapter;
  /** Workers (and child processes); the cores the run may use by default. */
  workers?: number;
  /** Paired rounds. Default 3. */
  rounds?: number;
  /** The largest task size, µs of cpu. Default 100,000 (100 ms). */
  maxUs?: number;
  /** The seed of the order in each round. Default: random, recorded. */
  seed?: number;
  /** Called as each step starts. */
  onStep?: (step: string) => void;
}

/** One task size, for one way: the speedup over the event loop. */
export interface SizePoint {
  /** µs of cpu per task, as calibrated on this thread. */
  us: number;
  tasks: number;
  /** The event loop's batch, ms, one per round. */
  baselineMs: number[];
  /** This way's batch, ms, one per round. */
  samplesMs: number[];
  speedup: number;
  speedupCI: [number, number];
}

/** One way's answer. */
export interface BreakevenResult {
  runtime: string;
  strategy: Way["strategy"];
  mode: PoolMode;
  /** The smallest task, µs of cpu, at which the pool beats the event loop with its interval clear of 1; `null` if none did. */
  breakEvenUs: number | null;
  /** The smallest task at which it reaches 90% of its best speedup. */
  ninetyPercentUs: number | null;
  /** Its best speedup, and at which size. */
  best: { speedup: number; us: number };
}

/** The record of the break-even experiment (`truepar.breakeven/1`). */
export interface BreakevenRecord {
  schema: typeof BREAKEVEN_SCHEMA;
  runtime: RuntimeInfo;
  host: HostInfo;
  startedAt: string;
  settings: { workers: number; rounds: number; sizesUs: number[]; seed: number; spinMicros: number; batchUs: number };
  /** The loop's ns per iteration on this thread: how sizes become iterations. */
  nsPerIteration: number;
  /**
   * The loop's speed after the sweep, ms for one task of the largest size:
   * on the event loop, and in one worker alone (no other work running). A
   * worker's loop can run at another speed than the main thread's (the JIT
   * compiled it from other feedback): the speedups include that difference.
   * `process`: the same in one child process alone, where the runtime starts them.
   */
  loneTaskMs: { main: number; worker: number; process?: number };
  results: BreakevenResult[];
  curves: (Way & { points: SizePoint[] })[];
}

/**
 * Sweeps the task size for every way and finds where each starts to pay.
 *
 * @param options The adapter, the workers, the rounds, the sizes.
 * @returns The `truepar.breakeven/1` record.
 * @throws {RangeError} For a count out of range.
 * @example
 * ```ts
 * import { runBreakeven } from "./breakeven.ts";
 * import { createAdapter } from "../../runtimes/detect.ts";
 * const record = await runBreakeven({ adapter: await createAdapter(), rounds: 1, maxUs: 100 });
 * console.log(record.results.map((r) => `${r.strategy} ${r.mode}: ${r.breakEvenUs} µs`));
 * ```
 */
export async function runBreakeven(options: BreakevenOptions): Promise<BreakevenRecord> {
  const { adapter, onStep } = options;
  const host = adapter.hostInfo();
  const workers = checkCount("Cannot run breakeven", "workers", options.workers ?? host.cores);
  const rounds = checkCount("Cannot run breakeven", "rounds", options.rounds ?? 3);
  const maxUs = options.maxUs ?? 100_000;
  if (!(maxUs >= 1)) throw new RangeError(`Cannot run breakeven: "maxUs" must be 1 or more, received ${maxUs}`);
  const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!;
  const startedAt = new Date().toISOString();

  onStep?.("calibrating the loop");
  const nsPerIteration = calibrate();
  const sizes = planSizes(nsPerIteration, maxUs, workers);
  // The ways this runtime has: a browser has no child processes.
  const ways = WAYS.filter((way) => startsKind(adapter, kindOf(way)));
  onStep?.("starting the pools");
  const pools = new Map<Way, Pool>();
  try {
    for (const way of ways) {
      pools.set(
        way,
        await createPool({
          adapter,
          kind: kindOf(way),
          size: workers,
          module: TASKS_MODULE,
          spinMicros: way.mode === "latency" ? SPIN_MICROS : 0,
        }),
      );
    }
    onStep?.("warming up");
    await warmUp(pools, sizes);
    const measured = new Map<string, { baseline: number[]; samples: number[] }>();
    for (let round = 0; round < rounds; round++) {
      onStep?.(`round ${round + 1} of ${rounds}`);
      await measureRound(pools, sizes, seed, round, measured);
    }
    onStep?.("one task alone, here, in a worker and in a process");
    const loneTaskMs = await timeLoneTask(pools, sizes.at(-1)!);
    const curves = ways.map((way) => ({
      ...way,
      points: sizes.map((size): SizePoint => {
        const { baseline, samples } = measured.get(pointKey(way, size))!;
        const estimate = estimateSpeedup(baseline.map((b, i) => b / samples[i]!));
        return {
          us: size.us,
          tasks: size.tasks,
          baselineMs: baseline,
          samplesMs: samples,
          speedup: estimate.estimate,
          speedupCI: estimate.ci,
        };
      }),
    }));
    return {
      schema: BREAKEVEN_SCHEMA,
      runtime: adapter.runtime,
      host,
      startedAt,
      settings: { workers, rounds, sizesUs: sizes.map((s) => s.us), seed, spinMicros: SPIN_MICROS, batchUs: BATCH_US },
      nsPerIteration,
      loneTaskMs,
      results: curves.map((curve) => summarizeCurve(adapter.runtime.name, curve)),
      curves,
    };
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.terminate()));
  }
}

/** One task size: µs of cpu, the loop's iterations for it, and the tasks in a batch. */
interface Size {
  us: number;
  iterations: number;
  tasks: number;
}

function kindOf(way: Way): WorkerKind {
  return way.strategy === "workers" ? "worker" : "process";
}

function pointKey(way: Way, size: Size): string {
  return `${way.strategy} ${way.mode} ${size.us}`;
}

/** The sizes up to `maxUs`, each with as many tasks as fill a batch of about `BATCH_US`, at least two per worker. */
function planSizes(nsPerIteration: number, maxUs: number, workers: number): Size[] {
  return SIZES_US.filter((us) => us <= maxUs).map((us) => ({
    us,
    iterations: Math.max(1, Math.round((us * 1000) / nsPerIteration)),
    tasks: Math.max(2 * workers, Math.min(MAX_TASKS, Math.round(BATCH_US / us))),
  }));
}

/**
 * Times one batch of a size, on the event loop (`"baseline"`) or on a way's
 * pool, and returns its ms and the sum of its tasks (used, so no engine may
 * drop the loop).
 */
async function batch(
  pools: ReadonlyMap<Way, Pool>,
  way: Way | "baseline",
  size: Size,
): Promise<{ ms: number; total: number }> {
  const items = Array.from({ length: size.tasks }, () => size.iterations);
  let total = 0;
  const start = performance.now();
  if (way === "baseline") {
    total = spinAll(items);
  } else if (way.mode === "map") {
    for (const sum of await pools.get(way)!.map<number>("spin", items)) total += sum;
  } else {
    for (const sum of await Promise.all(items.map((iterations) => pools.get(way)!.run<number>("spin", iterations)))) {
      total += sum;
    }
  }
  return { ms: performance.now() - start, total };
}

/**
 * Untimed: every pool's workers compile the loop, every size once, the
 * largest first as the calibration did on this thread (a JIT compiles the
 * loop from what it saw first); and every way computes the same sums.
 */
async function warmUp(pools: ReadonlyMap<Way, Pool>, sizes: readonly Size[]): Promise<void> {
  for (const size of [...sizes].reverse()) {
    const { total: expected } = await batch(pools, "baseline", size);
    for (const way of pools.keys()) {
      const { total } = await batch(pools, way, size);
      if (total !== expected) {
        throw new Error(
          `Cannot trust breakeven: ${way.strategy} ${way.mode} summed ${total}, the event loop ${expected}`,
        );
      }
    }
  }
}

/** One round: every size in a seeded order, each way paired with a baseline batch of its own, taken just before or after it. */
async function measureRound(
  pools: ReadonlyMap<Way, Pool>,
  sizes: readonly Size[],
  seed: number,
  round: number,
  measured: Map<string, { baseline: number[]; samples: number[] }>,
): Promise<void> {
  for (const size of shuffle(sizes, (seed + round) >>> 0)) {
    for (const way of shuffle([...pools.keys()], (seed ^ (round * 7919 + size.us)) >>> 0)) {
      const entry = measured.get(pointKey(way, size)) ?? { baseline: [], samples: [] };
      const pair = ((seed + round + size.us) & 1) === 0 ? ["baseline", way] as const : [way, "baseline"] as const;
      for (const which of pair) {
        (which === "baseline" ? entry.baseline : entry.samples).push((await batch(pools, which, size)).ms);
      }
      measured.set(pointKey(way, size), entry);
    }
  }
}

/** One task of the largest size, alone: on the event loop, then in one worker, then in one child, with nothing else running; the median of three. */
async function timeLoneTask(pools: ReadonlyMap<Way, Pool>, largest: Size): Promise<BreakevenRecord["loneTaskMs"]> {
  const workerPool = pools.get(WAYS[0]!)!;
  const processPool = [...pools].find(([way]) => way.strategy === "processes")?.[1];
  const lone: { main: number[]; worker: number[]; process: number[] } = { main: [], worker: [], process: [] };
  for (let i = 0; i < 3; i++) {
    let start = performance.now();
    spinAll([largest.iterations]);
    lone.main.push(performance.now() - start);
    start = performance.now();
    await workerPool.run("spin", largest.iterations);
    lone.worker.push(performance.now() - start);
    if (processPool === undefined) continue;
    start = performance.now();
    await processPool.run("spin", largest.iterations);
    lone.process.push(performance.now() - start);
  }
  return {
    main: median(lone.main),
    worker: median(lone.worker),
    ...(lone.process.length > 0 && { process: median(lone.process) }),
  };
}

/**
 * Where a curve starts to pay: the smallest size whose interval clears 1, and
 * the smallest that reaches 90% of the best speedup.
 *
 * @param runtime The runtime's name.
 * @param curve The way and its points, by ascending size.
 * @returns The answer.
 */
export function summarizeCurve(
  runtime: string,
  curve: Way & { points: readonly Pick<SizePoint, "us" | "speedup" | "speedupCI">[] },
): BreakevenResult {
  const best = curve.points.reduce((a, b) => (b.speedup > a.speedup ? b : a));
  return {
    runtime,
    strategy: curve.strategy,
    mode: curve.mode,
    breakEvenUs: curve.points.find((p) => p.speedupCI[0] > 1)?.us ?? null,
    ninetyPercentUs: best.speedup > 1 ? curve.points.find((p) => p.speedup >= 0.9 * best.speedup)!.us : null,
    best: { speedup: best.speedup, us: best.us },
  };
}

/** ns per iteration of the loop on this thread, warmed up: the median of five timed runs of 20 ms or so. */
function calibrate(): number {
  let iterations = 100_000;
  for (let i = 0; i < 3; i++) modSum(iterations);
  // Grow until one run takes 20 ms, so the timer's resolution does not matter.
  for (let ms = 0; ms < 20; iterations *= 2) {
    const start = performance.now();
    modSum(iterations);
    ms = performance.now() - start;
  }
  const runs = Array.from({ length: 5 }, () => {
    const start = performance.now();
    modSum(iterations);
    return ((performance.now() - start) * 1e6) / iterations;
  });
  return median(runs);
}
