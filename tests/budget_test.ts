import { RUNTIME } from "./_guard.ts";
import process from "node:process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";
import { fileURLToPath } from "node:url";
import {
  budgetInSpeedup,
  type BudgetParts,
  type LaneTime,
  largestPart,
  measureBudget,
  measureLaneTime,
  poolBudgets,
  type TimeBudget,
} from "../core/measure/budget.ts";
import type { RunRecord } from "../experiments/scaling/record.ts";
import { runScaling } from "../experiments/scaling/runner.ts";
import type { StrategyName } from "../experiments/scaling/strategies.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { scriptCommand } from "../scripts/_runtimes.ts";
import { cpusProblem } from "../scripts/_cpus.ts";

const adapter = await createAdapter();
const root = fileURLToPath(new URL("../", import.meta.url));

const lanes = suite(`${RUNTIME}: measureLaneTime() and measureBudget()`);

const lane = (fields: Partial<LaneTime>): LaneTime => ({
  lanes: 1,
  wallMs: 0,
  startupMs: 0,
  inTaskMs: 0,
  cpuMs: null,
  waitMs: null,
  betweenMs: 0,
  idleMs: 0,
  stolenMs: null,
  laneSpread: null,
  ...fields,
});

lanes(
  "a batch's lane time splits into inside the tasks, between them and idle at the end, adding up to lanes × wall",
  () => {
    const time = measureLaneTime({
      startMs: 1000,
      endMs: 1040,
      lanes: 3,
      startupMs: 0,
      spans: [
        { lane: 7, startMs: 1002, endMs: 1012, cpuMs: 9, waitMs: 1 },
        { lane: 7, startMs: 1014, endMs: 1034, cpuMs: 20, waitMs: 0 },
        { lane: 9, startMs: 1001, endMs: 1021, cpuMs: 18, waitMs: 2 },
      ],
    });
    assert.is(time.inTaskMs, 50);
    // Lane 9 idles 13 ms after its task while lane 7 runs; the third lane ran nothing: idle for all 34 ms.
    assert.is(time.idleMs, 13 + 34);
    assert.is(time.betweenMs, 3 * 40 - 50 - 47);
    assert.is(time.cpuMs, 47);
    assert.is(time.waitMs, 3);
    // Lane 7 ran its tasks at 14.5 ms of CPU each, lane 9 at 18: one worker 18/14.5 times the other.
    assert.is(time.laneSpread, 18 / 14.5);
  },
);

lanes("spans outside the batch are clipped to it; a span without the thread's clocks makes them unknown", () => {
  const time = measureLaneTime({
    startMs: 0,
    endMs: 10,
    lanes: 1,
    startupMs: 0,
    spans: [{ lane: 0, startMs: -5, endMs: 12, cpuMs: 17 }, { lane: 0, startMs: 3, endMs: 4 }],
  });
  assert.is(time.inTaskMs, 11);
  assert.is(time.cpuMs, null);
});

lanes("the loss splits into measured parts that add up to it, unexplained being what the threads' clocks leave", () => {
  // One lane: 100 ms of tasks, all on a CPU. Two lanes: 60 ms each, the tasks 10% busier, one lane waiting 4 ms for a CPU.
  const base = lane({ lanes: 1, wallMs: 104, inTaskMs: 100, cpuMs: 100, waitMs: 0, betweenMs: 4, stolenMs: 0 });
  const two = lane({
    lanes: 2,
    wallMs: 60,
    inTaskMs: 114,
    cpuMs: 110,
    waitMs: 4,
    betweenMs: 4,
    idleMs: 2,
    stolenMs: 0,
  });
  const budget = measureBudget(Array(30).fill(two), Array(30).fill(base), "pool", false);
  assert.is(budget.idealMs, 52);
  assert.is(budget.lossMs, 8);
  assert.equal({ ...budget.parts }, {
    startup: null,
    messages: 0,
    serial: null,
    imbalance: 1,
    work: 5,
    runQueue: 2,
    stolen: 0,
    unexplained: 0,
  });
  assert.is(budget.workRatio, 1.1);
  assert.is(largestPart(budget.parts), "work");
});

lanes("cold batches add the pool's start; short batches leave steal to unexplained, and say why", () => {
  const base = lane({ lanes: 1, wallMs: 10, startupMs: 20, inTaskMs: 10, cpuMs: 10, waitMs: 0, stolenMs: 0 });
  const two = lane({ lanes: 2, wallMs: 5, startupMs: 20, inTaskMs: 10, cpuMs: 10, waitMs: 0, stolenMs: 0 });
  const budget = measureBudget([two], [base], "pool", true);
  assert.is(budget.parts.startup, 10);
  assert.is(budget.parts.stolen, null);
  assert.match(budget.notes.stolen!, "too short for /proc/stat's 10 ms ticks");
});

lanes(
  "on one event loop the time between tasks is serial; without the threads' clocks, work is wall time and the rest is null with a reason",
  () => {
    const base = lane({ lanes: 1, wallMs: 100, inTaskMs: 100 });
    const two = lane({ lanes: 2, wallMs: 100, inTaskMs: 100, betweenMs: 100 });
    const budget = measureBudget([two], [base], "event-loop", false);
    assert.is(budget.parts.serial, 50);
    assert.is(budget.parts.messages, null);
    assert.is(budget.parts.runQueue, null);
    assert.match(budget.notes.runQueue!, "threads' clocks");
    assert.match(budget.notes.messages!, "main thread");
    assert.is(largestPart(budget.parts), "serial");
    assert.throws(
      () => measureBudget([], [base], "pool", false),
      (e: unknown) => e instanceof RangeError && /need batches at both levels, received 0 and 1/.test(e.message),
    );
  },
);

lanes("the parts in speedup add up to what the speedup lacks of the ideal; pooled budgets weigh their batches", () => {
  const parts = (imbalance: number): BudgetParts => ({
    startup: null,
    messages: 1,
    serial: null,
    imbalance,
    work: 0,
    runQueue: 0,
    stolen: null,
    unexplained: 0,
  });
  const one = {
    idealMs: 50,
    measuredMs: 60,
    lossMs: 10,
    parts: parts(9),
    workRatio: 1,
    taskRatio: 1,
    laneSpread: null,
    notes: {},
    batches: 1,
    baseBatches: 2,
  };
  const three = { ...one, lossMs: 2, parts: parts(1), batches: 3, baseBatches: 6 };
  const pooled = poolBudgets([one, three]);
  assert.is(pooled.lossMs, 4);
  assert.is(pooled.parts.imbalance, 3);
  assert.is(pooled.batches, 4);
  const inSpeedup = budgetInSpeedup(one, 1.6, 2)!;
  assert.ok(Math.abs(inSpeedup.imbalance! + inSpeedup.messages! + inSpeedup.work! - 0.4) < 1e-9);
  assert.is(budgetInSpeedup(one, 2.1, 2), undefined);
});

// Constructed cases: each loses its time to one cause, which the budget must name as the largest part.
const cases = suite(`${RUNTIME}: the time budget names the cause`);

async function budgetOf(
  strategy: StrategyName,
  options: Record<string, unknown>,
  batch: "cold" | "steady" = "steady",
): Promise<TimeBudget> {
  const record = await runScaling({
    adapter,
    strategy,
    concurrency: [1, 2],
    repeat: 2,
    warmup: 1,
    seed: 1,
    ...options,
  });
  return record.points[1]!.budget![batch];
}

const describe = (parts: BudgetParts) =>
  JSON.stringify(parts, (_, v) => typeof v === "number" ? Number(v.toFixed(2)) : v);

/**
 * The largest of the parts a case could produce: the same tasks run in every
 * case, so their own CPU time changes only with the machine (a vCPU the host
 * slows for a while, which the budget names as work), as another process's
 * run-queue wait and the hypervisor's steal do; the budget names those when
 * they happen, and a case's cause must still outweigh the rest.
 */
const largestControlled = (parts: BudgetParts) => largestPart({ ...parts, work: null, runQueue: null, stolen: null });

/** A case's cause must be a real share of its loss, not the largest of nothing. */
const substantial = (budget: TimeBudget, part: keyof BudgetParts) =>
  assert.ok(
    (budget.parts[part] ?? 0) >= 0.25 * budget.lossMs,
    `${part} ${budget.parts[part]?.toFixed(2)} ms of a ${budget.lossMs.toFixed(2)} ms loss`,
  );

for (const strategy of ["workers", "processes"] as const) {
  cases(`${strategy}: three equal tasks on two workers lose their time to imbalance`, async () => {
    // Five batches of tasks long enough that the level's batches span over MIN_STOLEN_SPAN_MS: the
    // hypervisor's steal is then a part of its own, not a share of unexplained larger than the imbalance.
    const budget = await budgetOf(strategy, {
      workload: "cpu",
      params: { iterations: 30_000_000 },
      tasks: 3,
      repeat: 5,
    });
    assert.is(largestControlled(budget.parts), "imbalance", describe(budget.parts));
    substantial(budget, "imbalance");
  });

  cases(`${strategy}: tiny tasks, each carrying 1 MB, lose their time to messages`, async () => {
    const task = {
      module: new URL("./fixtures/budget_tasks.ts", import.meta.url),
      export: "measure",
      args: ["x".repeat(1_000_000)],
    };
    // 48 tasks in each of five batches: over two batches of 24, one slow batch at the smallest level
    // (its batches took 9–17 ms) outweighed the messages' loss one time in ten on Deno.
    const budget = await budgetOf(strategy, { task, tasks: 48, repeat: 5 });
    assert.is(largestControlled(budget.parts), "messages", describe(budget.parts));
    substantial(budget, "messages");
  });

  cases(`${strategy}: the cold figure of short tasks loses its time to start-up`, async () => {
    const budget = await budgetOf(strategy, { workload: "cpu", params: { iterations: 100_000 }, tasks: 4 }, "cold");
    assert.is(largestControlled(budget.parts), "startup", describe(budget.parts));
    substantial(budget, "startup");
  });

  // Two workers' threads on one core: each waits runnable while the other runs.
  const problem = cpusProblem(1);
  cases(
    `${strategy}: held to one core, two workers lose their time to the run queue${
      problem ? ` (skipped: ${problem})` : ""
    }`,
    async () => {
      if (problem) return;
      const [command, ...args] = scriptCommand(RUNTIME, "scripts/run.ts");
      const result = await execa(command!, [
        ...args,
        "--cpus",
        "1",
        "--workload",
        "cpu",
        "--strategy",
        strategy,
        "--concurrency",
        "1,2",
        "--tasks",
        "4",
        "--iterations",
        "10000000",
        "--repeat",
        "2",
        "--warmup",
        "1",
        "--json",
      ], { cwd: root, reject: false, env: { ...process.env, NO_COLOR: "1" } });
      assert.is(result.exitCode, 0, result.stderr);
      const record = JSON.parse(result.stdout) as RunRecord;
      assert.is(record.host.cores, 1);
      const parts = record.points[1]!.budget!.steady.parts;
      assert.is(largestPart(parts), "runQueue", describe(parts));
    },
  );
}

cases("async: cpu tasks on one event loop lose their time to serial work", async () => {
  const budget = await budgetOf("async", { workload: "cpu", params: { iterations: 5_000_000 }, tasks: 8 });
  assert.is(largestControlled(budget.parts), "serial", describe(budget.parts));
  substantial(budget, "serial");
});

lanes.run();
cases.run();
