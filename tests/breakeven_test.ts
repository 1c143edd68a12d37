import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { summarizeCurve } from "../experiments/breakeven/breakeven.ts";

const test = suite(`${RUNTIME}: where workers start to pay`);

const point = (us: number, speedup: number, low: number, high: number) => ({
  us,
  speedup,
  speedupCI: [low, high] as [number, number],
});

test("break-even is the smallest size whose interval clears 1; 90% is the smallest within 10% of the best", () => {
  const curve = {
    strategy: "workers" as const,
    mode: "default" as const,
    points: [
      point(1, 0.3, 0.2, 0.4),
      point(10, 1.05, 0.95, 1.1),
      point(100, 1.4, 1.2, 1.6),
      point(1000, 1.8, 1.7, 1.9),
      point(10000, 1.95, 1.9, 2),
    ],
  };
  assert.equal(summarizeCurve("node", curve), {
    runtime: "node",
    strategy: "workers",
    mode: "default",
    breakEvenUs: 100,
    ninetyPercentUs: 1000,
    best: { speedup: 1.95, us: 10000 },
  });
});

test("a pool that never pays says so", () => {
  const curve = {
    strategy: "processes" as const,
    mode: "map" as const,
    points: [point(1, 0.2, 0.1, 0.3), point(10, 0.9, 0.8, 1.01)],
  };
  const result = summarizeCurve("bun", curve);
  assert.is(result.breakEvenUs, null);
  assert.is(result.ninetyPercentUs, null);
});

test.run();
