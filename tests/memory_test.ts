import { RUNTIME } from "./_guard.ts";
import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseSmapsRollup, sumReadings } from "../core/measure/memory.ts";
import { fitLine, percentile } from "../core/measure/stats.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/proc/${name}`, import.meta.url), "utf8");

const smaps = suite(`${RUNTIME}: parseSmapsRollup()`);

smaps("reads Rss and Pss from a Linux 6 smaps_rollup", () => {
  assert.equal(parseSmapsRollup(fixture("smaps_rollup_linux6.txt")), { rssBytes: 1676 * 1024, pssBytes: 670 * 1024 });
});

smaps("reads the shorter Linux 4 layout, not Pss_Anon or SwapPss", () => {
  assert.equal(parseSmapsRollup(fixture("smaps_rollup_linux4.txt")), {
    rssBytes: 22824 * 1024,
    pssBytes: 15690 * 1024,
  });
});

smaps("refuses text with no Rss line, echoing it", () => {
  assert.throws(
    () => parseSmapsRollup(fixture("smaps_not_rollup.txt")),
    (e: Error) => e instanceof SyntaxError && e.message.includes('no "Rss:" line') && e.message.includes("Size: 4 kB"),
  );
});

smaps("sumReadings() adds processes; one unknown PSS makes the sum unknown", () => {
  const a = { rssBytes: 10, pssBytes: 4, source: "smaps_rollup" as const };
  assert.equal(sumReadings([a, a]), { rssBytes: 20, pssBytes: 8, source: "smaps_rollup" });
  assert.is(sumReadings([a, { ...a, pssBytes: null }]).pssBytes, null);
});

const stats = suite(`${RUNTIME}: fitLine() and percentile()`);

stats("fitLine() recovers slope and intercept of exact data with r² 1", () => {
  const fit = fitLine([1, 2, 4, 8], [58, 66.5, 83.5, 117.5]);
  assert.ok(Math.abs(fit.slope - 8.5) < 1e-9);
  assert.ok(Math.abs(fit.intercept - 49.5) < 1e-9);
  assert.ok(Math.abs(fit.r2 - 1) < 1e-12);
});

stats("fitLine() on noisy data: slope near the truth, r² below 1", () => {
  const noise = [0.4, -0.3, 0.5, -0.6];
  const fit = fitLine([1, 2, 4, 8], [1, 2, 4, 8].map((x, i) => 20 + 3 * x + noise[i]!));
  assert.ok(Math.abs(fit.slope - 3) < 0.2, String(fit.slope));
  assert.ok(fit.r2 < 1 && fit.r2 > 0.95, String(fit.r2));
});

stats("fitLine() refuses fewer than two points or unequal lists", () => {
  assert.throws(
    () => fitLine([1], [1]),
    (e: Error) => e instanceof RangeError && e.message.includes("received 1 x and 1 y"),
  );
  assert.throws(
    () => fitLine([1, 2], [1]),
    (e: Error) => e instanceof RangeError && e.message.includes("received 2 x and 1 y"),
  );
});

stats("percentile() interpolates and checks its bounds", () => {
  const values = Array.from({ length: 101 }, (_, i) => 100 - i);
  assert.is(percentile(values, 0), 0);
  assert.is(percentile(values, 90), 90);
  assert.is(percentile(values, 100), 100);
  assert.throws(
    () => percentile(values, 101),
    (e: Error) => e instanceof RangeError && e.message.includes("received 101"),
  );
  assert.throws(() => percentile([], 50), (e: Error) => e instanceof RangeError && e.message.includes("no values"));
});

smaps.run();
stats.run();
