/**
 * Speedups from paired samples: the base level and another level measured
 * in the same round, their ratio per round, and a distribution-free interval
 * of the ratios' median; a control pair (the same work twice) gives the
 * noise floor a speedup must clear.
 *
 * @module
 */

import { median, medianInterval } from "./stats.ts";

/** A speedup estimated from paired ratios. */
export interface SpeedupEstimate {
  /** The median of the paired ratios. */
  estimate: number;
  /** The interval of that median, from order statistics (the sign test): no assumption about the shape of the noise. */
  ci: [number, number];
  /** The interval's true coverage: 95% or more from six pairs on, less below (the pairs' range is returned then). */
  coverage: number;
  /** The ratios, one per pair. */
  ratios: number[];
}

/** What a run's control pair says about the noise. */
export interface NoiseFloor {
  /** The ratios of the same work measured twice in each round: 1 on a quiet machine. */
  ratios: number[];
  /** The interval of their median. */
  ci: [number, number];
  coverage: number;
  /** How far from 1 that interval reaches: a speedup within 1 ± floor is no evidence of anything. */
  floor: number;
}

/** Whether a speedup's interval clears the noise floor, and which way. */
export type Evidence = "speedup" | "slowdown" | "none";

/**
 * The ratio of each base sample to the sample taken in the same round.
 *
 * @param base The base level's samples, one per round (ms).
 * @param other The other level's samples, in the same rounds (ms).
 * @returns `base[i] / other[i]` for every round.
 * @throws {RangeError} When the lists differ in length or are empty.
 * @example
 * ```ts
 * import { pairedRatios } from "./speedup.ts";
 * if (!(pairedRatios([100, 90], [50, 60]).join() === "2,1.5")) throw new Error("the example's check failed");
 * ```
 */
export function pairedRatios(base: readonly number[], other: readonly number[]): number[] {
  if (base.length === 0 || base.length !== other.length) {
    throw new RangeError(
      `Cannot pair samples: need as many samples on each side, at least one, received ${base.length} and ${other.length}`,
    );
  }
  return base.map((b, i) => b / other[i]!);
}

/**
 * Estimates a speedup from ratios taken in pairs: the median ratio and its interval.
 *
 * @param ratios Paired ratios, base time over this level's time.
 * @returns The median, its distribution-free 95% interval and the interval's coverage.
 * @throws {RangeError} When `ratios` is empty.
 * @example
 * ```ts
 * import { estimateSpeedup } from "./speedup.ts";
 * const { estimate, ci } = estimateSpeedup([1.9, 2.0, 1.95, 2.05, 1.98, 1.92]);
 * if (!(Math.abs(estimate - 1.965) < 1e-9 && ci[0] === 1.9 && ci[1] === 2.05)) throw new Error("the example's check failed");
 * ```
 */
export function estimateSpeedup(ratios: readonly number[]): SpeedupEstimate {
  const interval = medianInterval(ratios);
  return {
    estimate: median(ratios),
    ci: [interval.low, interval.high],
    coverage: interval.coverage,
    ratios: [...ratios],
  };
}

/**
 * The noise floor from a control: ratios of the same work measured twice per round.
 *
 * @param ratios The control's ratios.
 * @returns Their interval, and how far it reaches from 1.
 * @throws {RangeError} When `ratios` is empty.
 * @example
 * ```ts
 * import { measureNoiseFloor } from "./speedup.ts";
 * const noise = measureNoiseFloor([0.97, 1.02, 1.0, 0.99, 1.04, 1.01]);
 * if (!(Math.abs(noise.floor - 0.04) < 1e-9)) throw new Error("the example's check failed");
 * ```
 */
export function measureNoiseFloor(ratios: readonly number[]): NoiseFloor {
  const { ci, coverage } = estimateSpeedup(ratios);
  return { ratios: [...ratios], ci, coverage, floor: Math.max(ci[1] - 1, 1 - ci[0], 0) };
}

/**
 * Judges a speedup against the noise: evidence only where its interval lies
 * wholly beyond what the same work measured twice can give.
 *
 * @param ci The speedup's interval.
 * @param noise The run's noise floor.
 * @returns `speedup`, `slowdown`, or `none` when the interval does not clear 1 ± floor.
 * @example
 * ```ts
 * import { judgeSpeedup } from "./speedup.ts";
 * const noise = { ratios: [], ci: [0.95, 1.05] as [number, number], coverage: 0.97, floor: 0.05 };
 * if (!(judgeSpeedup([1.8, 1.95], noise) === "speedup")) throw new Error("the example's check failed");
 * if (!(judgeSpeedup([0.99, 1.08], noise) === "none")) throw new Error("the example's check failed");
 * ```
 */
export function judgeSpeedup(ci: readonly [number, number], noise: NoiseFloor): Evidence {
  if (ci[0] > 1 + noise.floor) return "speedup";
  if (ci[1] < 1 - noise.floor) return "slowdown";
  return "none";
}

/**
 * The verdict's rule: work ran truly in parallel at `concurrency` when its
 * steady speedup clears the noise floor and the process tree kept more than
 * halfway from one core to `concurrency` cores busy (where cores busy was read).
 *
 * @param result A level's steady evidence and cores busy.
 * @param concurrency The level.
 * @returns Whether it ran truly in parallel.
 * @example
 * ```ts
 * import { ranInParallel } from "./speedup.ts";
 * if (!(ranInParallel({ steadyEvidence: "speedup", coresBusy: 1.95 }, 2))) throw new Error("the example's check failed");
 * if (!(!ranInParallel({ steadyEvidence: "speedup", coresBusy: 1.1 }, 2))) throw new Error("the example's check failed");
 * ```
 */
export function ranInParallel(
  result: { steadyEvidence: Evidence; coresBusy: number | null },
  concurrency: number,
): boolean {
  return result.steadyEvidence === "speedup" &&
    (result.coresBusy === null || result.coresBusy > 1 + 0.5 * (concurrency - 1));
}

/**
 * Whether an estimate is as precise as asked: its interval within ±`precision` of it.
 *
 * @param speedup The estimate.
 * @param precision The half-width allowed, relative (0.05 for ±5%).
 * @returns `true` when both ends of the interval are that close.
 */
export function isPrecise(speedup: SpeedupEstimate, precision: number): boolean {
  return speedup.coverage >= 0.95 &&
    speedup.ci[1] <= speedup.estimate * (1 + precision) && speedup.ci[0] >= speedup.estimate * (1 - precision);
}

/** What `speedupLimit` needs to know of a level. */
export interface LimitOptions {
  strategy: "sequential" | "async" | "workers" | "processes";
  level: number;
  /** The smallest level, the speedups' base. */
  base: number;
  /** The cores the run may use. */
  cores: number;
  /** The tasks mostly wait (timers, blocking sleeps) rather than compute: their waits overlap beyond the cores. */
  waits: boolean;
}

/**
 * The most speedup the machine allows at a level: one thread's worth on the
 * main thread, the cores' worth in workers and processes (a level past the
 * cores counts as the cores), and the level itself where the tasks wait
 * rather than compute (waits overlap however many cores there are; on one
 * event loop only awaited ones do).
 *
 * @param options The strategy, the level, the base level, the cores and whether the tasks wait.
 * @returns The limit, as a speedup over the base level.
 * @example
 * ```ts
 * import { speedupLimit } from "./speedup.ts";
 * if (speedupLimit({ strategy: "workers", level: 4, base: 1, cores: 2, waits: false }) !== 2) throw new Error("the example's check failed");
 * if (speedupLimit({ strategy: "async", level: 4, base: 1, cores: 2, waits: false }) !== 1) throw new Error("the example's check failed");
 * if (speedupLimit({ strategy: "workers", level: 4, base: 1, cores: 2, waits: true }) !== 4) throw new Error("the example's check failed");
 * ```
 */
export function speedupLimit({ strategy, level, base, cores, waits }: LimitOptions): number {
  if (strategy === "sequential") return 1;
  if (waits) return level / base;
  if (strategy === "async") return 1;
  return Math.min(level, cores) / Math.min(base, cores);
}

/** A round whose paired ratio went past what the machine allows, and the samples that made it. */
export interface RoundBeyond {
  /** The round, from 0. */
  round: number;
  /** `cold` (pool start included) or `steady`. */
  batch: "cold" | "steady";
  ratio: number;
  /** The base level's sample of that round, ms: a slow one is what inflates a ratio. */
  baseMs: number;
  /** The control of that round: the base level again, the same work. */
  controlMs: number;
  /** This level's sample, ms. */
  levelMs: number;
}

/**
 * The rounds whose paired ratio passed a limit: what puts an interval's end
 * above what the machine allows. Such a ratio comes from the round's base
 * sample running slow (its control, the same work, says so) or from this
 * level's running fast, which the machine does not allow.
 *
 * @param limit The most speedup allowed, the noise floor included.
 * @param own This level's samples, a round each.
 * @param base The base level's samples, in the same rounds.
 * @param control The control's samples, in the same rounds.
 * @returns The rounds past the limit, cold and steady.
 */
export function roundsBeyond(
  limit: number,
  own: readonly { totalMs: number; steadyMs: number }[],
  base: readonly { totalMs: number; steadyMs: number }[],
  control: readonly { totalMs: number; steadyMs: number }[],
): RoundBeyond[] {
  const rounds: RoundBeyond[] = [];
  for (const batch of ["cold", "steady"] as const) {
    const ms = (s: { totalMs: number; steadyMs: number }) => batch === "cold" ? s.totalMs : s.steadyMs;
    own.forEach((sample, round) => {
      const ratio = ms(base[round]!) / ms(sample);
      if (ratio > limit) {
        rounds.push({
          round,
          batch,
          ratio,
          baseMs: ms(base[round]!),
          controlMs: ms(control[round]!),
          levelMs: ms(sample),
        });
      }
    });
  }
  return rounds;
}
