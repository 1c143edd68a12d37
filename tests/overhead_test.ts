import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OVERHEAD_SCHEMA, runOverhead } from "../experiments/overhead/overhead.ts";
import { createAdapter } from "../runtimes/detect.ts";

const adapter = await createAdapter();
const overhead = suite(`${RUNTIME}: runOverhead()`);

const positive = (value: unknown, name: string) => {
  assert.type(value, "number", name);
  assert.ok(Number.isFinite(value as number) && (value as number) > 0, `${name} = ${value}`);
};

overhead("runs end to end and reports positive, finite figures in the truepar.overhead/1 shape", async () => {
  const steps: string[] = [];
  const record = await runOverhead({
    adapter,
    counts: [1, 2],
    spawns: 2,
    roundTrips: 20,
    cycles: 2,
    settleMs: 30,
    onStep: (s) => steps.push(s),
  });
  assert.is(record.schema, OVERHEAD_SCHEMA);
  assert.is(record.runtime.name, RUNTIME);
  assert.ok(record.host.cores >= 1);
  assert.is(record.memorySource, "smaps_rollup");
  positive(record.idleMB.rss, "idleMB.rss");
  positive(record.idleMB.pss, "idleMB.pss");
  for (const kind of ["worker", "process"] as const) {
    const slope = record.memory[kind]!;
    assert.equal(slope.samples.map((s) => s.count), [1, 2]);
    for (const sample of slope.samples) positive(sample.rss, `${kind} rss`);
    assert.ok(Number.isFinite(slope.fit.rss.slope) && Number.isFinite(slope.fit.rss.r2));
  }
  assert.is(record.perWorkerMB.rss, record.memory.worker.fit.rss.slope);
  for (
    const [name, latency] of Object.entries({
      workerStartMs: record.workerStartMs,
      processStartMs: record.processStartMs!,
    })
  ) {
    assert.is(latency.samples.length, 2, name);
    positive(latency.median, `${name}.median`);
    positive(latency.p90, `${name}.p90`);
    positive(latency.cold, `${name}.cold`);
  }
  assert.is(record.roundTripUs.samples.length, 20);
  assert.is(record.spinRoundTripUs.samples.length, 20);
  assert.is(record.settings.spinMicros, 50);
  positive(record.roundTripUs.messagesPerSecond, "messagesPerSecond");
  positive(record.processRoundTripUs!.p99, "processRoundTripUs.p99");
  assert.is(record.leak.worker.cycles, 2);
  assert.ok(Number.isFinite(record.leak.process!.deltaMB.rss));
  assert.ok(steps.length >= 8);
});

overhead("refuses counts that are not positive integers", async () => {
  const error = await runOverhead({ adapter, spawns: 0 }).catch((e: unknown) => e) as Error;
  assert.instance(error, RangeError);
  assert.match(error.message, '"spawns" must be a positive integer, received 0');
});

overhead("refuses fewer than two sizes before measuring anything", async () => {
  const started = performance.now();
  const error = await runOverhead({ adapter, counts: [4, 4] }).catch((e: unknown) => e) as Error;
  assert.instance(error, RangeError);
  assert.is(
    error.message,
    'Cannot run overhead: "counts" must hold at least two different sizes to fit a slope, received [4,4]',
  );
  assert.ok(performance.now() - started < 1000, "it measured first");
});

overhead.run();
