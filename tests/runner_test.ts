import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { runScaling, validateScalingOptions } from "../core/runner.ts";
import { runBatch, STRATEGIES } from "../core/strategies.ts";
import { cpu } from "../core/workloads/cpu.ts";
import { io } from "../core/workloads/io.ts";
import { createAdapter } from "../runtimes/detect.ts";

const adapter = await createAdapter();
const SMALL_CPU = { iterations: 100_000 };

const batch = suite(`${RUNTIME}: runBatch()`);

for (const strategy of STRATEGIES) {
  batch(`${strategy} runs every task and returns checksums in task order`, async () => {
    let done = 0;
    const timing = await runBatch(strategy, {
      adapter, workload: cpu, params: SMALL_CPU, tasks: 5, concurrency: 2, onTaskDone: () => done++,
    });
    assert.equal(timing.checksums, Array(5).fill(String(cpu.run(SMALL_CPU))));
    assert.is(done, 5);
    assert.ok(timing.batchMs > 0 && timing.totalMs >= timing.batchMs);
    const pooled = strategy === "workers" || strategy === "processes";
    assert.is(timing.startupMs > 0, pooled);
  });
}

batch("async keeps up to `concurrency` io tasks in flight on one event loop", async () => {
  let inFlight = 0;
  let most = 0;
  const counting = { ...io, async run(params: Record<string, number>) {
    most = Math.max(most, ++inFlight);
    try {
      return await io.run(params);
    } finally {
      inFlight--;
    }
  } };
  await runBatch("async", { adapter, workload: counting, params: { waits: 2, waitMs: 1 }, tasks: 9, concurrency: 3 });
  assert.is(most, 3);
});

batch("a task that throws fails the batch with its error, and the pool is gone", async () => {
  const error = await runBatch("workers", {
    adapter, workload: { ...cpu, name: "no-such-workload" }, params: SMALL_CPU, tasks: 2, concurrency: 1,
  }).catch((e: unknown) => e) as Error;
  assert.instance(error, Error);
  assert.match(error.message, "no-such-workload");
});

const scaling = suite(`${RUNTIME}: runScaling()`);

scaling("returns a truepar.run/1 record with runtime, host and a point per concurrency", async () => {
  const progress: number[] = [];
  const record = await runScaling({
    adapter, workload: "cpu", params: SMALL_CPU, strategy: "workers",
    concurrency: [2, 1], tasks: 4, repeat: 2, warmup: 1, onProgress: (done, total) => progress.push(done / total),
  });
  assert.is(record.schema, "truepar.run/1");
  assert.equal(record.runtime, adapter.runtime);
  assert.is(record.host.cores, adapter.hostInfo().cores);
  assert.equal(record.workload, { name: "cpu", params: SMALL_CPU });
  assert.is(record.strategy, "workers");
  assert.equal(record.points.map((p) => p.concurrency), [2, 1]);
  for (const point of record.points) {
    assert.is(point.samplesMs.length, 2);
    assert.is(point.checksum, String(cpu.run(SMALL_CPU)));
    assert.ok(point.startupMedianMs > 0);
    assert.ok(Math.abs(point.samplesMs[0]! - point.startupSamplesMs[0]! - point.batchSamplesMs[0]!) < 1e-6);
  }
  const one = record.points[1]!;
  const two = record.points[0]!;
  assert.is(one.speedup, 1);
  assert.is(two.speedup, one.medianMs / two.medianMs);
  assert.is(two.batchSpeedup, one.batchMedianMs / two.batchMedianMs);
  assert.is(progress.at(-1), 1);
  assert.is(progress.length, 2 * 3 * 4);
});

scaling("validates before running, naming the option and the value", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ tasks: 0 }, '"tasks" must be a positive integer, received 0'],
    [{ repeat: 1.5 }, '"repeat" must be a positive integer, received 1.5'],
    [{ warmup: -1 }, '"warmup" must be a non-negative integer, received -1'],
    [{ concurrency: [1, 0] }, '"concurrency" must be a positive integer, received 0'],
    [{ concurrency: [] }, '"concurrency" must be a non-empty list'],
    [{ strategy: "threads" }, 'received "threads"'],
    [{ workload: "gpu" }, 'received "gpu"'],
    [{ params: { iterations: -5 } }, "received -5"],
  ];
  for (const [options, text] of cases) {
    assert.throws(() => validateScalingOptions({ adapter, ...options }), (e: Error) => e.message.includes(text), text);
  }
});

batch.run();
scaling.run();
