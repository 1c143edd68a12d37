import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { resolveParams } from "../core/workloads/workload.ts";
import { cpu, modSum } from "../core/workloads/cpu.ts";
import { io, ioBlocking } from "../core/workloads/io.ts";
import { getWorkload, WORKLOADS } from "../core/workloads/mod.ts";
import { runWorkload } from "../core/workloads/tasks.ts";

const workloads = suite(`${RUNTIME}: workloads`);

workloads("cpu gives the article's checksum for 1,000,000 iterations", () => {
  assert.is(modSum(1_000_000), 247342095);
  assert.is(cpu.run({ iterations: 1_000_000 }), "247342095");
});

workloads("cpu counts 0 as a multiple and stops before iterations", () => {
  assert.is(modSum(1), 0);
  assert.is(modSum(2023), 0);
  assert.is(modSum(2024), 2023);
});

workloads("io and io-blocking return the number of waits", async () => {
  assert.is(await io.run({ waits: 3, waitMs: 1 }), "3");
  assert.is(await ioBlocking.run({ waits: 3, waitMs: 1 }), "3");
});

workloads("io-blocking holds the thread: timers cannot run during it", async () => {
  let fired = false;
  setTimeout(() => (fired = true), 0);
  ioBlocking.run({ waits: 2, waitMs: 5 });
  assert.not.ok(fired);
  await new Promise((resolve) => setTimeout(resolve, 1));
  assert.ok(fired);
});

workloads("runWorkload() runs a workload by name with defaults filled in", async () => {
  assert.is(await runWorkload({ workload: "cpu", params: { iterations: 1_000_000 } }), "247342095");
  assert.is(await runWorkload({ workload: "io", params: { waits: 1, waitMs: 0 } }), "1");
});

workloads("getWorkload() knows the article's workloads and the kernels, and refuses others", () => {
  assert.equal([...WORKLOADS.keys()], [
    "cpu",
    "io",
    "io-blocking",
    "modsum",
    "integrate",
    "mandelbrot",
    "wasm-modsum",
    "wasm-integrate",
    "wasm-mandelbrot",
    "wasm-simd-mandelbrot",
  ]);
  assert.is(getWorkload("io-blocking"), ioBlocking);
  assert.throws(
    () => getWorkload("gpu"),
    (e: Error) => e instanceof RangeError && e.message.includes('received "gpu"'),
  );
});

const params = suite(`${RUNTIME}: resolveParams()`);

params("fills in defaults", () => {
  assert.equal(resolveParams(cpu), { iterations: cpu.params.iterations!.default });
  assert.equal(resolveParams(io, { waits: 5 }), { waits: 5, waitMs: io.params.waitMs!.default });
});

params("refuses an unknown parameter, naming it", () => {
  assert.throws(
    () => resolveParams(cpu, { waits: 1 }),
    (e: Error) => e instanceof TypeError && e.message.includes('"waits"'),
  );
});

params("refuses non-numbers, fractions and values out of range, echoing them", () => {
  const cases: [Record<string, unknown>, typeof Error, string][] = [
    [{ iterations: "10" }, TypeError, 'received "10"'],
    [{ iterations: Number.NaN }, TypeError, "received NaN"],
    [{ iterations: 1.5 }, RangeError, "received 1.5"],
    [{ iterations: 0 }, RangeError, "received 0"],
    [{ iterations: -3 }, RangeError, "received -3"],
  ];
  for (const [given, type, text] of cases) {
    assert.throws(() => resolveParams(cpu, given), (e: Error) => e instanceof type && e.message.includes(text));
  }
  assert.throws(
    () => resolveParams(io, { waitMs: -1 }),
    (e: Error) => e instanceof RangeError && e.message.includes("received -1"),
  );
});

workloads.run();
params.run();
