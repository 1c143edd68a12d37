import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { estimateSpeedup, isPrecise, judgeSpeedup, measureNoiseFloor, pairedRatios } from "../core/measure/speedup.ts";
import { seededRandom } from "../core/measure/order.ts";

const test = suite(`${RUNTIME}: paired speedups and the noise floor`);

/** Samples with a known speedup, under noise that drifts round by round and hits both levels alike. */
function pairedSamples(speedup: number, rounds: number, seed: number): [number[], number[]] {
  const random = seededRandom(seed);
  const base: number[] = [];
  const other: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const drift = 1 + random(); // the machine: up to 2x slower in some rounds
    base.push(100 * drift * (1 + (random() - 0.5) * 0.02));
    other.push((100 / speedup) * drift * (1 + (random() - 0.5) * 0.02));
  }
  return [base, other];
}

test("paired ratios recover a known speedup through a drift that two medians would not survive", () => {
  const [base, other] = pairedSamples(1.9, 12, 3);
  const paired = estimateSpeedup(pairedRatios(base, other));
  assert.ok(Math.abs(paired.estimate - 1.9) < 0.03, `paired estimate ${paired.estimate}`);
  assert.ok(paired.ci[0] <= 1.9 && 1.9 <= paired.ci[1], `interval ${paired.ci}`);
  assert.ok(paired.coverage >= 0.95);
  // The same samples shuffled out of their pairs: the drift no longer cancels.
  const unpaired = estimateSpeedup(pairedRatios(base, [...other].reverse()));
  assert.ok(unpaired.ci[1] - unpaired.ci[0] > 5 * (paired.ci[1] - paired.ci[0]));
});

test("the interval covers the truth in at least 95% of synthetic runs", () => {
  let covered = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const [base, other] = pairedSamples(1.5, 8, seed);
    const { ci } = estimateSpeedup(pairedRatios(base, other));
    if (ci[0] <= 1.5 && 1.5 <= ci[1]) covered++;
  }
  assert.ok(covered / 400 >= 0.95, `covered ${covered} of 400`);
});

test("fewer than six pairs cannot reach 95%: the range comes back with its true coverage", () => {
  const { ci, coverage } = estimateSpeedup([1.8, 2.0, 1.9]);
  assert.equal(ci, [1.8, 2.0]);
  assert.is(coverage, 0.75);
});

test("the noise floor is how far the control's interval reaches from 1", () => {
  const noise = measureNoiseFloor([1.02, 0.97, 1.0, 1.01, 0.99, 1.0]);
  assert.equal(noise.ci, [0.97, 1.02]);
  assert.ok(Math.abs(noise.floor - 0.03) < 1e-12);
  assert.is(measureNoiseFloor([1.1, 1.2, 1.15, 1.12, 1.18, 1.13]).floor > 0.09, true);
});

test("a speedup is evidence only when its interval clears the floor, either way", () => {
  const noise = measureNoiseFloor([0.95, 1.05, 1.0, 1.0, 1.01, 0.99]);
  assert.is(judgeSpeedup([1.06, 1.2], noise), "speedup");
  assert.is(judgeSpeedup([1.04, 1.2], noise), "none");
  assert.is(judgeSpeedup([0.97, 1.03], noise), "none");
  assert.is(judgeSpeedup([0.5, 0.94], noise), "slowdown");
  const quiet = measureNoiseFloor([1, 1, 1, 1, 1, 1]);
  assert.is(judgeSpeedup([1.01, 1.02], quiet), "speedup");
});

test("pairing refuses lists of different lengths", () => {
  assert.throws(
    () => pairedRatios([1, 2], [1]),
    (e: Error) => e instanceof RangeError && e.message.includes("received 2 and 1"),
  );
  assert.throws(() => pairedRatios([], []), RangeError);
});

test("precision: within ±5% with 95% coverage, else not", () => {
  assert.ok(isPrecise(estimateSpeedup([1.9, 1.92, 1.95, 1.93, 1.91, 1.94]), 0.05));
  assert.not.ok(isPrecise(estimateSpeedup([1.9, 1.92, 1.95]), 0.05), "too few pairs for 95%");
  assert.not.ok(isPrecise(estimateSpeedup([1.5, 1.92, 1.95, 1.93, 1.91, 2.3]), 0.05));
});

test.run();
