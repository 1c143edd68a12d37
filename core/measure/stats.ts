/**
 * The statistics truepar reports. Written here, with no dependency, so the
 * library imports from any folder with no import map; `tests/stats_test.ts`
 * holds every function to simple-statistics' results on random samples.
 *
 * @module
 */

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The quantile of sorted values, interpolated between the two nearest ranks ((n − 1)·p, as simple-statistics and R's default). */
function quantileSorted(x: readonly number[], p: number): number {
  const rank = (x.length - 1) * p;
  const below = Math.floor(rank);
  const above = Math.min(below + 1, x.length - 1);
  return x[below]! + (rank - below) * (x[above]! - x[below]!);
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * The median of a list of numbers.
 *
 * @param values At least one number.
 * @returns The middle value, or the mean of the two middle values.
 * @throws {RangeError} When `values` is empty.
 * @example
 * ```ts
 * import { median } from "./stats.ts";
 * if (!(median([3, 1, 2, 10]) === 2.5)) throw new Error("the example's check failed");
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Cannot compute median: received no values");
  return quantileSorted(sorted(values), 0.5);
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
 * if (!(percentile([1, 2, 3, 4, 5], 50) === 3)) throw new Error("the example's check failed");
 * ```
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("Cannot compute percentile: received no values");
  if (!(p >= 0 && p <= 100)) {
    throw new RangeError(`Cannot compute percentile: "p" must be from 0 to 100, received ${p}`);
  }
  return quantileSorted(sorted(values), p / 100);
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
 * if (!(Math.abs(fit.slope - 10) < 1e-9 && fit.r2 === 1)) throw new Error("the example's check failed");
 * ```
 */
export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit {
  if (xs.length !== ys.length || xs.length < 2) {
    throw new RangeError(
      `Cannot fit line: need two or more points with x and y, received ${xs.length} x and ${ys.length} y`,
    );
  }
  const n = xs.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
    sxx += xs[i]! * xs[i]!;
    sxy += xs[i]! * ys[i]!;
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const intercept = sy / n - (slope * sx) / n;
  const yMean = sy / n;
  let residual = 0, total = 0;
  for (let i = 0; i < n; i++) {
    residual += (ys[i]! - (slope * xs[i]! + intercept)) ** 2;
    total += (ys[i]! - yMean) ** 2;
  }
  // Every y equal: the line through them fits perfectly.
  return { slope, intercept, r2: total === 0 ? 1 : 1 - residual / total };
}

/**
 * The median absolute deviation: the median distance from the median, unscaled.
 *
 * @param values At least one number.
 * @returns The MAD; multiply by 1.4826 to estimate a normal standard deviation.
 * @throws {RangeError} When `values` is empty.
 * @example
 * ```ts
 * import { mad } from "./stats.ts";
 * if (!(mad([1, 1, 2, 2, 4, 6, 9]) === 1)) throw new Error("the example's check failed");
 * ```
 */
export function mad(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Cannot compute MAD: received no values");
  const middle = median(values);
  return median(values.map((v) => Math.abs(v - middle)));
}

/**
 * A distribution-free confidence interval of the median, from order
 * statistics and the binomial distribution: no assumption about the shape
 * of the samples. With fewer than 6 samples no interval reaches 95%; the
 * range of the samples is returned with its true coverage.
 *
 * @param values At least one number.
 * @param level The confidence wanted, 0.95 by default.
 * @returns The interval and the coverage it really has.
 * @throws {RangeError} When `values` is empty.
 * @example
 * ```ts
 * import { medianInterval } from "./stats.ts";
 * const { low, high } = medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
 * if (!(low === 2 && high === 9)) throw new Error("the example's check failed");
 * ```
 */
export function medianInterval(
  values: readonly number[],
  level = 0.95,
): { low: number; high: number; coverage: number } {
  if (values.length === 0) throw new RangeError("Cannot compute interval: received no values");
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // P(B = k) for B ~ Binomial(n, 1/2)
  const pmf: number[] = [];
  let term = 0.5 ** n;
  for (let k = 0; k <= n; k++) {
    pmf.push(term);
    term = (term * (n - k)) / (k + 1);
  }
  // Widen [x(j), x(n-1-j)] (0-based) from the outside in while coverage stays at or above the level.
  let j = 0;
  let coverage = 1 - 2 * pmf[0]!;
  while (j + 1 < n - 1 - (j + 1)) {
    const next = coverage - 2 * pmf[j + 1]!;
    if (next < level) break;
    coverage = next;
    j++;
  }
  return { low: sorted[j]!, high: sorted[n - 1 - j]!, coverage: n === 1 ? 0 : coverage };
}

/**
 * The coefficient of variation: sample standard deviation over mean.
 *
 * @param values At least two numbers.
 * @returns The CV, 0 for fewer than two values.
 * @example
 * ```ts
 * import { coefficientOfVariation } from "./stats.ts";
 * if (!(Math.abs(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9]) - 0.4276) < 1e-4)) throw new Error("the example's check failed");
 * ```
 */
export function coefficientOfVariation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) ** 2;
  return Math.sqrt(squares / (values.length - 1)) / m;
}

/** The modified z-score beyond which a sample is an outlier: hyperfine's threshold. */
const OUTLIER_Z = 14;

/** A summary of one cell's samples, with the warnings a reader should see. */
export interface SampleSummary {
  n: number;
  median: number;
  mad: number;
  min: number;
  max: number;
  ci95: { low: number; high: number; coverage: number };
  cv: number;
  /** Samples whose modified z-score (0.6745·|x − median| / MAD) exceeds 14, hyperfine's threshold. */
  outliers: number;
  /** The first sample is an outlier on the slow side: warm-up was too short. */
  firstSlower: boolean;
}

/**
 * Summarizes samples as hyperfine and mitata report them.
 *
 * @param values At least one sample.
 * @returns Median, MAD, range, 95% interval of the median, CV and warnings.
 * @throws {RangeError} When `values` is empty.
 */
export function summarizeSamples(values: readonly number[]): SampleSummary {
  const middle = median(values);
  const spread = mad(values);
  const z = (x: number) => (spread === 0 ? (x === middle ? 0 : Infinity) : (0.6745 * Math.abs(x - middle)) / spread);
  return {
    n: values.length,
    median: middle,
    mad: spread,
    min: Math.min(...values),
    max: Math.max(...values),
    ci95: medianInterval(values),
    cv: coefficientOfVariation(values),
    outliers: values.filter((x) => z(x) > OUTLIER_Z).length,
    firstSlower: values.length > 2 && values[0]! > middle && z(values[0]!) > OUTLIER_Z,
  };
}
