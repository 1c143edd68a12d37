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
    throw new RangeError(`Cannot pair samples: need as many samples on each side, at least one, received ${base.length} and ${other.length}`);
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
  return { estimate: median(ratios), ci: [interval.low, interval.high], coverage: interval.coverage, ratios: [...ratios] };
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
export function ranInParallel(result: { steadyEvidence: Evidence; coresBusy: number | null }, concurrency: number): boolean {
  return result.steadyEvidence === "speedup" && (result.coresBusy === null || result.coresBusy > 1 + 0.5 * (concurrency - 1));
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
