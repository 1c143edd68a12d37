import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { amdahl, fitAmdahl } from "../core/measure/amdahl.ts";
import { seededRandom } from "../core/measure/order.ts";

const test = suite(`${RUNTIME}: Amdahl's law`);

test("recovers the serial fraction of noisy rounds, with an interval that holds it", () => {
  const random = seededRandom(11);
  const rounds = Array.from(
    { length: 8 },
    () => [2, 4, 8, 16].map((level) => ({ level, speedup: amdahl(level, 0.05) * (1 + (random() - 0.5) * 0.04) })),
  );
  const fit = fitAmdahl(rounds, 1, 16)!;
  assert.ok(Math.abs(fit.serialFraction - 0.05) < 0.01, String(fit.serialFraction));
  assert.ok(fit.ci[0] <= 0.05 && 0.05 <= fit.ci[1], JSON.stringify(fit.ci));
  assert.ok(fit.coverage >= 0.95);
  assert.is(fit.better, "amdahl");
});

test("levels above the cores count as the cores: two workers on one core are one core", () => {
  // On 2 cores, level 4 runs as fast as level 2: Amdahl with p = 2 for both, no serial part.
  const rounds = Array.from({ length: 6 }, () => [{ level: 2, speedup: 2 }, { level: 4, speedup: 2 }]);
  assert.ok(fitAmdahl(rounds, 1, 2)!.serialFraction < 1e-6);
  // Taken at face value (p = 4), the same points would claim a serial part.
  assert.ok(fitAmdahl(rounds, 1, 64)!.serialFraction > 0.2);
});

test("work that grows with the workers fits Gustafson's law better", () => {
  const rounds = Array.from(
    { length: 6 },
    () => [2, 4, 8].map((level) => ({ level, speedup: level - 0.3 * (level - 1) })),
  );
  const fit = fitAmdahl(rounds, 1, 8)!;
  assert.is(fit.better, "gustafson");
  assert.ok(Math.abs(fit.gustafson - 0.3) < 1e-9);
});

test("needs three levels: two give no fit", () => {
  assert.is(fitAmdahl([[{ level: 2, speedup: 1.9 }]], 1, 2), undefined);
});

test.run();
