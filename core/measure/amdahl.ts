/**
 * Where a speedup curve bends: Amdahl's law fitted to the steady speedups of
 * three or more levels, its serial fraction with a distribution-free
 * interval, and Gustafson's law beside it to say which fits better.
 *
 * Amdahl: with a serial fraction s of the work, p cores give a speedup of
 * 1 / (s + (1 − s) / p). truepar's batches hold the same work at every level
 * (strong scaling), Amdahl's case; p is the level, up to the cores the run
 * could use (a level above them has no more cores to run on). Gustafson:
 * p − s(p − 1), for work that grows with the cores; it is fitted too, and
 * named when its residuals are the smaller.
 *
 * @module
 */

import { median, medianInterval } from "./stats.ts";

/** A fitted law. */
export interface AmdahlFit {
  /** The serial fraction: the median of the rounds' fits. */
  serialFraction: number;
  /** Its distribution-free interval over the rounds. */
  ci: [number, number];
  /** The interval's true coverage (95% needs six rounds). */
  coverage: number;
  /** Gustafson's serial fraction, fitted to the same rounds. */
  gustafson: number;
  /** The law whose summed squared residuals are the smaller. */
  better: "amdahl" | "gustafson";
}

/** One round's speedups: at each level, the base level's time over this level's. */
export type RoundSpeedups = readonly { level: number; speedup: number }[];

/**
 * The rounds of a run, from each level's steady samples (sample i of every
 * level from round i): in each round, every level's speedup over the smallest.
 *
 * @param points Each level and its steady samples, in round order.
 * @returns One entry per round.
 */
export function pairedRounds(points: readonly { concurrency: number; steadyMs: readonly number[] }[]): RoundSpeedups[] {
  const base = points.reduce((a, b) => (b.concurrency < a.concurrency ? b : a));
  return base.steadyMs.map((baseMs, round) =>
    points.filter((p) => p !== base).map((p) => ({ level: p.concurrency, speedup: baseMs / p.steadyMs[round]! }))
  );
}

/**
 * Amdahl's speedup.
 *
 * @param p Cores in use.
 * @param s The serial fraction, 0 to 1.
 * @returns 1 / (s + (1 − s) / p).
 */
export function amdahl(p: number, s: number): number {
  return 1 / (s + (1 - s) / p);
}

/**
 * Fits Amdahl's and Gustafson's laws to rounds of speedups.
 *
 * @param rounds Each round's speedups, every level above the base included.
 * @param base The base level the speedups are measured against.
 * @param cores The cores the run could use: levels above them count as this many.
 * @returns The fit; `undefined` with fewer than two levels above the base (three levels in all).
 * @example
 * ```ts
 * import { amdahl, fitAmdahl } from "./amdahl.ts";
 * // Work 10% serial, measured at 2, 4 and 8 on 8 cores, six rounds.
 * const round = [2, 4, 8].map((level) => ({ level, speedup: amdahl(level, 0.1) }));
 * const fit = fitAmdahl(Array.from({ length: 6 }, () => round), 1, 8)!;
 * if (!(Math.abs(fit.serialFraction - 0.1) < 1e-3 && fit.better === "amdahl")) throw new Error("the example's check failed");
 * ```
 */
export function fitAmdahl(rounds: readonly RoundSpeedups[], base: number, cores: number): AmdahlFit | undefined {
  const levels = new Set(rounds.flat().map((r) => r.level).filter((level) => level !== base));
  if (levels.size < 2 || rounds.length === 0) return undefined;
  // Speedups are relative to the base level: p is the cores in use over the base's.
  const points = (round: RoundSpeedups) =>
    round.filter((r) => r.level !== base).map((r) => ({
      p: Math.min(r.level, cores) / Math.min(base, cores),
      speedup: r.speedup,
    }));
  const amdahlFits = rounds.map((round) => fitSerialFraction(points(round)));
  const gustafsonFits = rounds.map((round) => fitGustafson(points(round)));
  const all = rounds.flatMap(points);
  const s = median(amdahlFits);
  const g = median(gustafsonFits);
  const residuals = (law: (p: number) => number) =>
    all.reduce((sum, { p, speedup }) => sum + (speedup - law(p)) ** 2, 0);
  const interval = medianInterval(amdahlFits);
  return {
    serialFraction: s,
    ci: [interval.low, interval.high],
    coverage: interval.coverage,
    gustafson: g,
    better: residuals((p) => p - g * (p - 1)) < residuals((p) => amdahl(p, s)) ? "gustafson" : "amdahl",
  };
}

/** Amdahl's serial fraction by least squares: a grid over [0, 1], then a finer one around the best. */
function fitSerialFraction(points: readonly { p: number; speedup: number }[]): number {
  const error = (s: number) => points.reduce((sum, { p, speedup }) => sum + (speedup - amdahl(p, s)) ** 2, 0);
  let best = 0;
  for (let step = 0.01, from = 0, to = 1; step >= 1e-6; step /= 10) {
    const count = Math.round((to - from) / step);
    for (let i = 0; i <= count; i++) {
      // Counted, not accumulated: no float drift past 1.
      const s = Math.min(1, from + i * step);
      if (error(s) < error(best)) best = s;
    }
    from = Math.max(0, best - step);
    to = Math.min(1, best + step);
  }
  return best;
}

/** Gustafson's serial fraction by least squares: speedup = p − s(p − 1) is linear in s. */
function fitGustafson(points: readonly { p: number; speedup: number }[]): number {
  const num = points.reduce((sum, { p, speedup }) => sum + (p - speedup) * (p - 1), 0);
  const den = points.reduce((sum, { p }) => sum + (p - 1) ** 2, 0);
  return den === 0 ? 0 : Math.min(1, Math.max(0, num / den));
}
