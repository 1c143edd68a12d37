import { RUNTIME } from "./_guard.ts";
import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as js from "../core/workloads/kernels/js.ts";
import { compileKernels, instantiateKernels } from "../core/workloads/kernels/wasm.ts";
import { KERNELS_SCHEMA, runKernels, runSharedMemory } from "../experiments/kernels/kernels.ts";
import { runBatch } from "../experiments/scaling/strategies.ts";
import { resolveParams } from "../core/workloads/workload.ts";
import { getWorkload } from "../core/workloads/mod.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { createNativeKernels } from "../experiments/kernels/native.ts";
import { buildKernels } from "../scripts/_wasm_build.ts";

const adapter = await createAdapter();
const wasm = instantiateKernels(await compileKernels());
const native = createNativeKernels();

const same = suite(`${RUNTIME}: kernels agree`);

same("modsum: JavaScript and Wasm give the article's checksum, and agree on odd ranges", () => {
  assert.is(js.modsum(0, 1_000_000), 247342095);
  assert.is(wasm.modsum(0, 1_000_000), 247342095);
  for (const [start, end] of [[0, 1], [2023, 2024], [17, 99_991], [4_000_000_000 - 2023 * 3, 4_000_000_000]]) {
    assert.is(wasm.modsum(start!, end!), js.modsum(start!, end!), `${start}..${end}`);
  }
});

same("integrate: JavaScript and Wasm agree bit for bit and approach (r³ − l³)/3", () => {
  for (const [from, to, steps] of [[0, 5, 1000], [-2, 3, 777], [1.5, 1.5, 10]]) {
    const dx = (to! - from!) / steps!;
    assert.is(wasm.integrate(from!, dx, 0, steps!), js.integrate(from!, dx, 0, steps!));
  }
  const sum = js.integrate(0, 5 / 100_000, 0, 100_000);
  assert.ok(Math.abs(sum - 125 / 3) <= (25 * (5 / 100_000)) / 2 + 1e-9, String(sum));
});

same("mandelbrot: JavaScript, Wasm and Wasm SIMD agree, odd widths included", () => {
  for (const [width, height, maxIter] of [[1, 1, 10], [7, 5, 50], [64, 48, 100], [101, 77, 100]]) {
    const expected = js.mandelbrot(0, height!, width!, height!, maxIter!);
    assert.is(wasm.mandelbrot(0, height!, width!, height!, maxIter!), expected);
    assert.is(wasm.mandelbrotSimd(0, height!, width!, height!, maxIter!), expected);
  }
});

same("native C agrees with JavaScript, or says why there is no native row", async () => {
  const status = await native.status();
  if (!status.available) {
    assert.match(status.reason, /compiler|failed/);
    return;
  }
  assert.match(status.compiler, "-O2");
  assert.is((await native.run("modsum", [1_000_000], 1)).checksum, "247342095");
  assert.is((await native.run("integrate", [-2, 3, 777], 1)).checksum, String(js.integrate(-2, 5 / 777, 0, 777)));
  const run = await native.run("mandelbrot", [101, 77, 100], 2);
  assert.is(run.checksum, String(js.mandelbrot(0, 77, 101, 77, 100)));
  assert.is(run.samplesMs.length, 2);
});

const workloads = suite(`${RUNTIME}: kernel workloads`);

for (const name of ["modsum", "wasm-modsum", "mandelbrot", "wasm-mandelbrot", "wasm-simd-mandelbrot"]) {
  workloads(`${name}: the shares of 5 tasks, in workers, add up to the whole`, async () => {
    const workload = getWorkload(name);
    const params = resolveParams(
      workload,
      name.endsWith("modsum") ? { totalIterations: 1_000_003 } : { width: 41, height: 37, maxIter: 60 },
    );
    const whole = await workload.run(params);
    const timing = await runBatch("workers", { adapter, workload, params, tasks: 5, concurrency: 2 });
    assert.is(workload.combine!(timing.checksums), whole);
  });
}

workloads("integrate split across tasks stays within the method's error of the exact value", async () => {
  const workload = getWorkload("wasm-integrate");
  const params = resolveParams(workload, { from: 0, to: 5, steps: 100_000 });
  const timing = await runBatch("processes", { adapter, workload, params, tasks: 3, concurrency: 2 });
  const total = Number(workload.combine!(timing.checksums));
  assert.ok(Math.abs(total - 125 / 3) <= (25 * (5 / 100_000)) / 2 + 1e-9, String(total));
});

workloads("bad kernel parameters are refused, naming them", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["modsum", { totalIterations: 0 }, '"totalIterations" must be from 1'],
    ["integrate", { from: 5, to: 1 }, '"from" must not exceed "to", received from 5 and to 1'],
    ["integrate", { from: Number.POSITIVE_INFINITY }, '"from" must be a finite number, received Infinity'],
    ["wasm-integrate", { steps: -1 }, "received -1"],
    ["wasm-mandelbrot", { width: 0 }, '"width" must be from 1'],
  ];
  for (const [name, params, text] of cases) {
    assert.throws(() => resolveParams(getWorkload(name), params), (e: Error) => e.message.includes(text), text);
  }
});

const experiment = suite(`${RUNTIME}: runKernels()`);

experiment("shared-memory mode: two workers on one memory give the image and total of one", async () => {
  const result = await runSharedMemory(adapter, { module: await compileKernels(), side: 96, repeat: 1 });
  assert.ok(result.matchesSingle);
  assert.is(result.checksum, String(js.mandelbrot(0, 96, 96, 96, 200)));
  assert.is(result.rowsPerWorker.reduce((a, b) => a + b, 0), 96);
});

experiment("runs end to end on small inputs in the truepar.kernels/1 shape", async () => {
  const record = await runKernels({ adapter, native, repeat: 1, scale: 0.002 });
  assert.is(record.schema, KERNELS_SCHEMA);
  assert.is(record.runtime.name, RUNTIME);
  assert.equal(record.kernels.map((k) => k.name), ["modsum", "integrate", "mandelbrot"]);
  for (const kernel of record.kernels) {
    assert.ok(kernel.agree, JSON.stringify(kernel.checksums));
    for (const value of Object.values(kernel.nsPerStep)) assert.ok(value > 0 && Number.isFinite(value));
    assert.ok(kernel.workerSpeedup.js > 0 && kernel.workerSpeedup.wasm > 0);
    assert.ok(kernel.tiering.wasm.firstCallMs > 0);
  }
  assert.ok(record.kernels[2]!.nsPerStep.wasmSimd! > 0);
  assert.ok(record.sharedMemory.matchesSingle);
});

const build = suite(`${RUNTIME}: kernels build`);

build("the committed kernels.wasm and kernels_wasm.ts match a fresh build of kernels.wat", async () => {
  const root = new URL("../core/workloads/kernels/", import.meta.url);
  const { wasm: bytes, module } = await buildKernels(readFileSync(new URL("kernels.wat", root), "utf8"));
  assert.equal(
    [...new Uint8Array(readFileSync(new URL("kernels.wasm", root)))],
    [...bytes],
    "kernels.wasm is stale: run npm run build:kernels",
  );
  assert.is(
    readFileSync(new URL("kernels_wasm.ts", root), "utf8"),
    module,
    "kernels_wasm.ts is stale: run npm run build:kernels",
  );
});

same.run();
workloads.run();
experiment.run();
build.run();
