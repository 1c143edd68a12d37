import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { defaultLevels, runScaling, validateScalingOptions } from "../experiments/scaling/runner.ts";
import { measureSample, runBatch, STRATEGIES } from "../experiments/scaling/strategies.ts";
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
      adapter,
      workload: cpu,
      params: SMALL_CPU,
      tasks: 5,
      concurrency: 2,
      onTaskDone: () => done++,
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
  const counting = {
    ...io,
    async run(params: Record<string, number>) {
      most = Math.max(most, ++inFlight);
      try {
        return await io.run(params);
      } finally {
        inFlight--;
      }
    },
  };
  await runBatch("async", { adapter, workload: counting, params: { waits: 2, waitMs: 1 }, tasks: 9, concurrency: 3 });
  assert.is(most, 3);
});

batch("a task that throws fails the batch with its error, and the pool is gone", async () => {
  const error = await runBatch("workers", {
    adapter,
    workload: { ...cpu, name: "no-such-workload" },
    params: SMALL_CPU,
    tasks: 2,
    concurrency: 1,
  }).catch((e: unknown) => e) as Error;
  assert.instance(error, Error);
  assert.match(error.message, "no-such-workload");
});

const scaling = suite(`${RUNTIME}: runScaling()`);

scaling(
  "returns a truepar.run/1 record with runtime, host, and a point per concurrency from paired rounds",
  async () => {
    const progress: number[] = [];
    const rounds: number[] = [];
    const record = await runScaling({
      adapter,
      workload: "cpu",
      params: SMALL_CPU,
      strategy: "workers",
      seed: 7,
      concurrency: [2, 1],
      tasks: 4,
      repeat: 2,
      warmup: 1,
      onProgress: (done, total) => progress.push(done / total),
      onRound: (partial) => rounds.push(partial.rounds),
    });
    assert.is(record.schema, "truepar.run/1");
    assert.equal(record.runtime, adapter.runtime);
    assert.is(record.host.cores, adapter.hostInfo().cores);
    assert.equal(record.workload, { name: "cpu", params: SMALL_CPU });
    assert.is(record.strategy, "workers");
    assert.is(record.seed, 7);
    assert.is(record.rounds, 2);
    assert.equal(rounds, [1, 2]);
    assert.equal(record.points.map((p) => p.concurrency), [2, 1]);
    for (const point of record.points) {
      assert.is(point.samplesMs.length, 2);
      assert.is(point.steadySamplesMs.length, 2);
      assert.is(point.checksum, String(cpu.run(SMALL_CPU)));
      assert.ok(point.startupMedianMs > 0);
      assert.ok(Math.abs(point.samplesMs[0]! - point.startupSamplesMs[0]! - point.batchSamplesMs[0]!) < 1e-6);
      assert.ok(point.speedupCI[0] <= point.speedup && point.speedup <= point.speedupCI[1]);
      assert.ok(point.coresBusy === null || point.coresBusy > 0);
    }
    const one = record.points[1]!;
    const two = record.points[0]!;
    assert.is(one.speedup, 1);
    assert.equal(one.speedupCI, [1, 1]);
    assert.is(one.evidence, "none");
    // The speedup is the median of the ratios of samples taken in the same round.
    const ratios = one.samplesMs.map((ms, i) => ms / two.samplesMs[i]!);
    assert.ok(Math.abs(two.speedup - (ratios[0]! + ratios[1]!) / 2) < 1e-9);
    assert.is(record.noise.ratios.length, 4, "two control ratios a round: cold and steady");
    assert.is(progress.at(-1), 1);
  },
);

scaling("stops at the time cap and says so when the intervals are still wide", async () => {
  const record = await runScaling({
    adapter,
    workload: "io",
    params: { waits: 1, waitMs: 1 },
    strategy: "sequential",
    concurrency: [1, 2],
    tasks: 2,
    repeat: 1,
    warmup: 0,
    maxMs: 1,
    precision: 0.000001,
  });
  assert.ok(record.rounds >= 1);
  assert.is(record.capped, true);
});

scaling("an aborted run rejects with the signal's reason and leaves no pool behind", async () => {
  const controller = new AbortController();
  const reason = new Error("stop now");
  const running = runScaling({
    adapter,
    workload: "cpu",
    params: { iterations: 50_000_000 },
    strategy: "processes",
    concurrency: [1],
    tasks: 4,
    repeat: 5,
    warmup: 0,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(reason), 300);
  const error = await running.catch((e: unknown) => e);
  assert.is(error, reason);
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
    [{ maxMs: -1 }, '"maxMs" must be a number of milliseconds, 0 or more, received -1'],
    [{ precision: 0 }, '"precision" must be a number above 0 and below 1, received 0'],
    [{ seed: 2 ** 32 }, '"seed" must be an integer from 0 to 4294967295, received 4294967296'],
  ];
  for (const [options, text] of cases) {
    assert.throws(() => validateScalingOptions({ adapter, ...options }), (e: Error) => e.message.includes(text), text);
  }
});

scaling("a run of three levels or more carries Amdahl's fit; by default the levels come from the cores", async () => {
  const record = await runScaling({
    adapter,
    workload: "cpu",
    params: SMALL_CPU,
    strategy: "workers",
    concurrency: [1, 2, 3],
    tasks: 6,
    repeat: 2,
    warmup: 0,
  });
  const fit = record.amdahl!;
  assert.ok(fit.serialFraction >= 0 && fit.serialFraction <= 1);
  assert.ok(fit.ci[0] <= fit.serialFraction && fit.serialFraction <= fit.ci[1]);
  assert.ok(fit.better === "amdahl" || fit.better === "gustafson");
  const two = await runScaling({
    adapter,
    workload: "cpu",
    params: SMALL_CPU,
    strategy: "sequential",
    concurrency: [1, 2],
    tasks: 2,
    repeat: 1,
    warmup: 0,
  });
  assert.is(two.amdahl, undefined);
  assert.equal(validateScalingOptions({ adapter }).concurrency, defaultLevels(adapter.hostInfo().cores));
});

scaling("runs a user's function given as a task: sync or async, in workers and in processes", async () => {
  const module = new URL("./fixtures/user_tasks.ts", import.meta.url);
  const record = await runScaling({
    adapter,
    task: { module, export: "fib", args: [15] },
    strategy: "processes",
    concurrency: [1, 2],
    tasks: 2,
    repeat: 1,
    warmup: 0,
  });
  assert.is(record.workload.name, "user_tasks.ts#fib");
  assert.equal(record.workload.task, { module: module.href, export: "fib", args: [15] });
  assert.equal(record.points.map((p) => p.checksum), ["610", "610"]);
  const greeting = await runScaling({
    adapter,
    task: { module, export: "greet", args: ["x"] },
    strategy: "workers",
    concurrency: [1],
    tasks: 2,
    repeat: 1,
    warmup: 0,
  });
  assert.is(greeting.points[0]!.checksum, '{"hello":"x"}');
  assert.throws(
    () => validateScalingOptions({ adapter, task: { module: "not a url", export: "fib" } }),
    /"task.module" must be a URL/,
  );
  assert.throws(
    () => validateScalingOptions({ adapter, workload: "cpu", task: { module, export: "fib" } }),
    /give "task" or "workload" and "params", not both/,
  );
});

const sample = suite(`${RUNTIME}: measureSample()`);

sample(
  "cores busy counts the CPU of every thread and child: the same work costs the same CPU time wherever it runs",
  async () => {
    if (adapter.readCpu === undefined) return;
    // CPU time, not the ratio: how many cores were free depends on the machine's load, what was spent does not.
    const cpuMs = (s: { coresBusy: number | null; steadyMs: number }) => s.coresBusy! * s.steadyMs;
    // Long enough that a worker's start-up and the messages, CPU spent besides the work, stay small beside it.
    const batch = { adapter, workload: cpu, params: { iterations: 60_000_000 }, tasks: 4, concurrency: 2 };
    // This machine runs the same loop at two speeds (about 1.8x apart) in spells, and CPU time follows: the least of
    // three samples each is the same speed on both sides.
    const least = async (strategy: "sequential" | "workers" | "processes") => {
      const spent: number[] = [];
      for (let i = 0; i < 3; i++) spent.push(cpuMs(await measureSample(strategy, batch)));
      return Math.min(...spent);
    };
    const alone = await least("sequential");
    for (const strategy of ["workers", "processes"] as const) {
      const spent = await least(strategy);
      assert.ok(
        spent > 0.7 * alone && spent < 1.75 * alone,
        `${strategy}: ${spent.toFixed(0)} ms of CPU for work that takes ${alone.toFixed(0)} ms on one thread`,
      );
    }
    const sleeping = await measureSample("workers", {
      adapter,
      workload: io,
      params: { waits: 4, waitMs: 10 },
      tasks: 4,
      concurrency: 2,
    });
    assert.ok(sleeping.coresBusy! < 0.5, `two sleeping workers kept ${sleeping.coresBusy} cores busy`);
  },
);

sample("the steady batch runs on the same pool, after the cold one", async () => {
  const timing = await measureSample("processes", {
    adapter,
    workload: cpu,
    params: SMALL_CPU,
    tasks: 2,
    concurrency: 1,
  });
  assert.ok(timing.startupMs > 0 && timing.steadyMs > 0);
  assert.equal(timing.checksums, [String(cpu.run(SMALL_CPU)), String(cpu.run(SMALL_CPU))]);
});

batch.run();
sample.run();
scaling.run();
