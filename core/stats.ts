/**
 * The statistics truepar reports, over simple-statistics.
 *
 * @module
 */

import { linearRegression, linearRegressionLine, median as ssMedian, quantile, rSquared } from "simple-statistics";

/**
 * The median of a list of numbers.
 *
 * @param values At least one number.
 * @returns The middle value, or the mean of the two middle values.
 * @throws {RangeError} When `values` is empty.
 * @example
 * ```ts
 * import { median } from "./stats.ts";
 * console.assert(median([3, 1, 2, 10]) === 2.5);
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Cannot compute median: received no values");
  return ssMedian([...values]);
}

/**
 * A percentile of a list of numbers, interpolated between neighbours.
 *
 * @param values At least one number.
 * @param p The percentile, from 0 to 100.
 * @returns The value below which `p` percent of the values fall.
 * @throws {RangeError} When `values` is empty or `p` is outside 0–100.
 * @example
 * ```ts
 * import { percentile } from "./stats.ts";
 * console.assert(percentile([1, 2, 3, 4, 5], 50) === 3);
 * ```
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("Cannot compute percentile: received no values");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`Cannot compute percentile: "p" must be from 0 to 100, received ${p}`);
  return quantile([...values], p / 100);
}

/** A least-squares line and how well it fits. */
export interface LineFit {
  slope: number;
  intercept: number;
  /** The coefficient of determination: 1 for a perfect fit. */
  r2: number;
}

/**
 * Fits a straight line to points by least squares.
 *
 * @param xs The x values.
 * @param ys The y values, as many as `xs`.
 * @returns The slope, the intercept and r².
 * @throws {RangeError} For fewer than two points or lists of unequal length.
 * @example
 * ```ts
 * import { fitLine } from "./stats.ts";
 * const fit = fitLine([1, 2, 4], [12, 22, 42]);
 * console.assert(Math.abs(fit.slope - 10) < 1e-9 && fit.r2 === 1);
 * ```
 */
export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit {
  if (xs.length !== ys.length || xs.length < 2) {
    throw new RangeError(`Cannot fit line: need two or more points with x and y, received ${xs.length} x and ${ys.length} y`);
  }
  const points = xs.map((x, i) => [x, ys[i]!]);
  const { m, b } = linearRegression(points);
  const r2 = rSquared(points, linearRegressionLine({ m, b }));
  return { slope: m, intercept: b, r2: Number.isNaN(r2) ? 1 : r2 };
}
