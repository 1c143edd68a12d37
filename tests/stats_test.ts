import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as ss from "simple-statistics";
import {
  coefficientOfVariation,
  fitLine,
  mad,
  median,
  medianInterval,
  percentile,
  summarizeSamples,
} from "../core/measure/stats.ts";
import { seededRandom } from "../core/measure/order.ts";

const stats = suite(`${RUNTIME}: statistics`);

stats("agrees with simple-statistics on random samples: median, percentiles, MAD, CV, least squares", () => {
  const random = seededRandom(2024);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(random() * 40);
    // Timings: a few values repeat, as rounded milliseconds do.
    const xs = Array.from({ length: n }, () => Math.round(random() * 1000) / 10);
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    assert.ok(close(median(xs), ss.median(xs)), `median of ${xs}`);
    for (const p of [0, 10, 50, 90, 99, 100]) {
      assert.ok(close(percentile(xs, p), ss.quantile(xs, p / 100)), `p${p} of ${xs}`);
    }
    assert.ok(close(mad(xs), ss.medianAbsoluteDeviation(xs)), `MAD of ${xs}`);
    if (n >= 2) {
      assert.ok(close(coefficientOfVariation(xs), ss.sampleStandardDeviation(xs) / ss.mean(xs)), `CV of ${xs}`);
      const ys = xs.map((x) => 3 * x + 7 + random());
      const { m, b } = ss.linearRegression(xs.map((x, i) => [x, ys[i]!]));
      const fit = fitLine(xs, ys);
      if (Number.isFinite(m)) assert.ok(close(fit.slope, m) && close(fit.intercept, b), `line through ${xs}`);
      const r2 = ss.rSquared(xs.map((x, i) => [x, ys[i]!]), ss.linearRegressionLine({ m, b }));
      if (Number.isFinite(r2)) assert.ok(close(fit.r2, r2), `r² through ${xs}`);
    }
  }
});

stats("MAD of a known list", () => {
  assert.is(mad([1, 1, 2, 2, 4, 6, 9]), 1);
  assert.is(mad([5, 5, 5]), 0);
});

stats("the 95% interval of the median follows the binomial order statistics", () => {
  const ten = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  assert.equal(medianInterval(ten), { low: 2, high: 9, coverage: 0.978515625 });
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  const { low, high, coverage } = medianInterval(twenty);
  assert.equal([low, high], [6, 15]);
  assert.ok(coverage >= 0.95 && coverage < 0.96, String(coverage));
  assert.equal(medianInterval([4, 2, 9, 1, 7]), { low: 1, high: 9, coverage: 0.9375 });
});

stats("coefficient of variation of a known list", () => {
  assert.ok(Math.abs(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9]) - Math.sqrt(32 / 7) / 5) < 1e-12);
  assert.is(coefficientOfVariation([3]), 0);
});

stats("summarizeSamples() flags an outlier and a slow first sample", () => {
  const summary = summarizeSamples([100, 10, 10.1, 9.9, 10, 10.2]);
  assert.is(summary.median, 10.05);
  assert.is(summary.outliers, 1);
  assert.ok(summary.firstSlower);
  assert.equal([summary.min, summary.max, summary.n], [9.9, 100, 6]);
  const calm = summarizeSamples([10, 10.1, 9.9, 10, 10.2]);
  assert.is(calm.outliers, 0);
  assert.not.ok(calm.firstSlower);
  assert.is(median([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 5.5);
});

stats.run();
