import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { formatKernels, type KernelsRecord } from "../experiments/kernels/mod.ts";
import { runScaling } from "../experiments/scaling/runner.ts";
import { formatSync, sync as syncExperiment, type SyncRecord } from "../experiments/sync/mod.ts";
import { formatRun } from "../experiments/scaling/mod.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { reportCsvs } from "../scripts/_render.ts";
import type { Report } from "../scripts/_report.ts";

const adapter = await createAdapter();
const test = suite(`${RUNTIME}: what run.ts prints`);

test("a scaling run prints cold and steady speedups with intervals, cores busy and the noise floor", async () => {
  // A batch of 50 ms or so: where a child process runs (esbuild's), cores busy needs 3 of /proc's 10 ms ticks.
  const record = await runScaling({
    adapter,
    workload: "cpu",
    params: { iterations: 20_000_000 },
    strategy: "async",
    concurrency: [1, 2],
    tasks: 4,
    repeat: 2,
    warmup: 0,
  });
  const text = formatRun(record);
  // A line longer than a terminal's 100 columns wraps at a "·", its continuation indented.
  assert.match(
    text,
    /\n {2}speedup \d+\.\d\dx \[\d+\.\d\d–\d+\.\d\d\] cold, pool start included · \d+\.\d\dx \[\d+\.\d\d–\d+\.\d\d\] steady(\n {4}| )· /,
  );
  assert.ok(text.split("\n").every((line) => line.length <= 100), text);
  assert.match(text, /\n {2}time budget, steady: \d\.\d\dx of 2/);
  assert.match(text, /\n {2}time budget, cold: \d\.\d\dx of 2/);
  assert.match(text, /steady \d+\.\d ms · cores busy \d\.\d\d/);
  assert.match(text, /noise floor ±\d+\.\d% \(the smallest level measured twice per round\)/);
  assert.match(text, "intervals [low–high] are 50% (too few rounds for 95%: raise --repeat to 6)");
});

test("sequential is printed as a control, not a speedup", async () => {
  const record = await runScaling({
    adapter,
    workload: "cpu",
    params: { iterations: 100_000 },
    strategy: "sequential",
    concurrency: [1, 2],
    tasks: 2,
    repeat: 1,
    warmup: 0,
  });
  assert.match(formatRun(record), "ratio (a control: the same work at every level)");
  assert.not.match(formatRun(record), /\n {2}speedup /);
});

const tally = (expected: number, observed: number) => ({ expected, observed, lost: expected - observed });
const sync = (plainObserved: number) =>
  ({
    runtime: { name: RUNTIME, version: "1", engine: "e" },
    lostUpdates: {
      workers: 2,
      iterations: 100,
      plain: tally(200, plainObserved),
      atomic: tally(200, 200),
      mutex: tally(200, 200),
    },
    eventLoopRace: { deposits: 10, ...tally(10, 1) },
    thief: {
      vault: 1000,
      amount: 993,
      naive: { balance: 7, error: null },
      safe: { balance: 1000, error: "OwnershipError: no" },
    },
    semaphore: {
      parties: 3,
      extraReleases: 2,
      plain: { maxInside: 3, refused: false, error: null },
      bounded: { maxInside: 1, refused: true, error: "no" },
    },
  }) as unknown as SyncRecord;

test("sync says when the race simply did not happen this time", () => {
  assert.match(formatSync(sync(200)), "expected 200, observed 200: the race did not happen this time");
  assert.not.match(formatSync(sync(150)), "did not happen");
});

test("kernels warn when a timed call is too short to trust", () => {
  const kernel = (ms: number) => ({
    name: "integrate",
    params: {},
    step: "a step",
    steps: 1,
    nsPerStep: { js: 1, wasm: 1, native: 1 },
    samplesMs: { js: [ms], wasm: [ms], native: [ms] },
    tiering: { js: { firstCallMs: ms, warmMedianMs: ms }, wasm: { firstCallMs: ms, warmMedianMs: ms } },
    workerSpeedup: { js: 2, wasm: 2 },
    checksums: { js: "1", wasm: "1", native: "1" },
    agree: true,
  });
  const record = (ms: number) =>
    ({
      runtime: { name: RUNTIME, version: "1", engine: "e" },
      native: { available: true, compiler: "cc" },
      kernels: [kernel(ms)],
      sharedMemory: {
        workers: 2,
        params: { width: 1, height: 1 },
        rowsPerWorker: [1, 0],
        singleMs: 1,
        sharedMs: 1,
        speedup: 1,
        checksum: "1",
        matchesSingle: true,
      },
    }) as unknown as KernelsRecord;
  assert.match(formatKernels(record(0.6)), "warning: the shortest timed call took 0.60 ms, under 10 ms");
  assert.not.match(formatKernels(record(40)), "warning");
});

test("the report writes a CSV for each experiment beside scaling", () => {
  const section = syncExperiment.present(syncExperiment.summarize([{ key: "sync", round: 1, record: sync(150) }]));
  const report = {
    sections: [{ experiment: "sync", ...section }],
    verdict: [],
    warnings: [],
    missing: [],
  } as unknown as Report;
  const files = reportCsvs(report);
  assert.equal(files.map((f) => f.file), ["sync.csv"]);
  assert.match(files[0]!.csv, /^runtime,plain \+\+ lost,/);
  assert.match(files[0]!.csv, `${RUNTIME},50 of 200,0,0`);
});

test.run();
