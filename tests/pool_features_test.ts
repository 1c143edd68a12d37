import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MapError, QueueFullError, WorkerCrashedError } from "../core/pool/errors.ts";
import { createPool } from "../core/pool/pool.ts";
import { PriorityQueue } from "../core/pool/queue.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { isAlive } from "./_processes.ts";

const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);
const adapter = await createAdapter();

const queue = suite(`${RUNTIME}: the priority queue`);

queue("higher priorities first, equal ones in the order they came; settled tasks are skipped", () => {
  const q = new PriorityQueue<{ id: string; priority: number; settled?: boolean }>();
  for (const [id, priority] of [["a", 0], ["b", 5], ["c", 0], ["d", 5], ["e", -1]] as const) q.push({ id, priority });
  assert.equal([...q].map((t) => t.id), ["b", "d", "a", "c", "e"]);
  [...q][1]!.settled = true;
  assert.equal([q.shift()!.id, q.shift()!.id, q.shift()!.id], ["b", "a", "c"]);
  assert.equal(q.drain().map((t) => t.id), ["e"]);
  assert.is(q.peek(), undefined);
});

for (const kind of ["worker", "process"] as const) {
  const test = suite(`${RUNTIME} ${kind}: pool features`);

  test("stats(): workers, busy, queued, running, done, failed, and latency and run-time percentiles", async () => {
    await using pool = await createPool({ adapter, kind, size: 2, module: TASKS });
    assert.equal({ ...pool.stats(), latencyMs: null, runMs: null }, {
      workers: 2,
      busy: 0,
      queued: 0,
      running: 0,
      done: 0,
      failed: 0,
      recycled: 0,
      unstoppable: 0,
      latencyMs: null,
      runMs: null,
    });
    const slow = Array.from({ length: 8 }, () => pool.run("spin", 30));
    const during = pool.stats();
    assert.is(during.busy, 2);
    assert.is(during.running + during.queued, 8);
    await Promise.all(slow);
    await pool.run("fail", "no").catch(() => {});
    const after = pool.stats();
    assert.is(after.done, 8);
    assert.is(after.failed, 1);
    assert.is(after.queued + after.running + after.busy, 0);
    assert.ok(after.runMs!.p50 >= 25 && after.latencyMs!.p50 >= after.runMs!.p50 * 0.9, JSON.stringify(after));
    assert.ok(after.latencyMs!.p99 <= after.latencyMs!.max);
  });

  test("map(): an abort rejects the unfinished chunks with its reason, and MapError holds every item's outcome in order", async () => {
    await using pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const controller = new AbortController();
    const reason = new Error("enough");
    // The first item ends at once; the second runs 1 s when the abort comes at 100 ms; the third waits behind it.
    const mapping = pool.map("sleep", [0, 1000, 1000], { chunkSize: 1, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    const error = await mapping.catch((e: unknown) => e) as MapError<number>;
    assert.instance(error, MapError);
    assert.equal(error.results, [
      { status: "fulfilled", value: 0 },
      { status: "rejected", reason },
      { status: "rejected", reason },
    ]);
  });

  test("maxQueue: past it, run() rejects with QueueFullError at once; room() settles when a task leaves the queue", async () => {
    await using pool = await createPool({ adapter, kind, size: 1, module: TASKS, maxQueue: 2 });
    // Two go to the worker (one running, one waiting there), two wait in the queue: the queue is full.
    const held = Array.from({ length: 4 }, () => pool.run("spin", 40));
    const refused = await pool.run("echo", 1).catch((error: unknown) => error);
    assert.instance(refused, QueueFullError);
    assert.is((refused as QueueFullError).maxQueue, 2);
    assert.match((refused as Error).message, /await pool\.room\(\)/);
    await pool.room();
    assert.ok(pool.stats().queued < 2);
    assert.is(await pool.run("echo", "in"), "in");
    await Promise.all(held);
    await pool.room();
  });

  test("priority: queued tasks of higher priority reach the worker first", async () => {
    await using pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const order: string[] = [];
    // The worker holds two messages: these two go first, whatever comes after.
    const first = [pool.run("spin", 30), pool.run("spin", 30)];
    const later = [["low", -1], ["normal", 0], ["high", 10], ["normal too", 0]].map(([name, priority]) =>
      pool.run("echo", name, { priority: priority as number }).then((value) => order.push(value as string))
    );
    await Promise.all([...first, ...later]);
    assert.equal(order, ["high", "normal", "normal too", "low"]);
    const bad = await pool.run("echo", 1, { priority: Number.NaN }).catch((error: unknown) => error);
    assert.instance(bad, TypeError);
  });

  test("abortGraceMs: the task sees its signal abort and ends; its worker is kept. A task that cannot see it costs its worker after the grace", async () => {
    await using pool = await createPool({ adapter, kind, size: 1, module: TASKS, abortGraceMs: 1000 });
    const before = await pool.run("identity", null);
    const controller = new AbortController();
    const running = pool.run("cancellable", 10_000, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    controller.abort(new Error("no longer wanted"));
    const reason = await running.catch((error: unknown) => error);
    assert.is((reason as Error).message, "no longer wanted");
    assert.ok(performance.now() - started < 500, "the promise rejects at once");
    assert.is(await pool.run("identity", null), before, "the worker that saw its signal is kept");
    // A synchronous task cannot look at its signal: after the grace its worker is replaced.
    const quick = await createPool({ adapter, kind, size: 1, module: TASKS, abortGraceMs: 50 });
    try {
      const first = await quick.run("identity", null);
      const busy = new AbortController();
      const spinning = quick.run("spin", 3000, { signal: busy.signal });
      await new Promise((resolve) => setTimeout(resolve, 100));
      busy.abort(new Error("stop"));
      assert.is(((await spinning.catch((error: unknown) => error)) as Error).message, "stop");
      assert.is.not(await quick.run("identity", null), first, "a new worker answers");
    } finally {
      await quick.terminate();
    }
  });

  test("idleTimeoutMs: idle workers exit, and come back when tasks do", async () => {
    await using pool = await createPool({ adapter, kind, size: 2, module: TASKS, idleTimeoutMs: 100 });
    const pids = pool.pids;
    assert.is(await pool.run("echo", 1), 1);
    const deadline = Date.now() + 5000;
    while (pool.stats().workers > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.is(pool.stats().workers, 0);
    for (const pid of pids) {
      // A child that exited idle is gone, not left behind.
      while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.not.ok(isAlive(pid), `child ${pid} still alive`);
    }
    assert.equal(await Promise.all([pool.run("square", 3), pool.run("square", 4)]), [9, 16]);
    assert.is(pool.stats().workers, 2);
  });

  test("recycleHeapMb: a worker whose heap passes the limit finishes its tasks, then a fresh one takes its place", async () => {
    await using pool = await createPool({ adapter, kind, size: 1, module: TASKS, recycleHeapMb: 32 });
    const first = await pool.run("identity", null);
    const pids = pool.pids;
    assert.is(await pool.run("hoard", 2), 2);
    assert.is(await pool.run("identity", null), first, "under the limit, the worker is kept");
    // The task that passes the limit and the tasks queued behind it all finish.
    assert.equal(await Promise.all([pool.run("hoard", 64), pool.run("square", 5), pool.run("square", 6)]), [
      66,
      25,
      36,
    ]);
    const deadline = Date.now() + 5000;
    while (pool.stats().recycled === 0 && Date.now() < deadline) await pool.run("square", 1);
    assert.is(pool.stats().recycled, 1);
    assert.is(await pool.run("hoard", 0), 0, "the new worker holds nothing");
    assert.is.not(await pool.run("identity", null), first);
    assert.is(pool.stats().workers, 1);
    for (const pid of pids) {
      while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.not.ok(isAlive(pid), `recycled child ${pid} still alive`);
    }
    const bad = await createPool({ adapter, kind, module: TASKS, recycleHeapMb: 0 }).catch((error: unknown) => error);
    assert.instance(bad, RangeError);
  });

  const limits = adapter.resourceLimits?.[kind] ?? [];
  test(`resourceLimits: ${limits.length === 0 ? "none here, and the pool refuses them" : `${limits.join(", ")}; past the heap's, the task fails and another worker takes its place`}`, async () => {
    const unknown = await createPool({ adapter, kind, module: TASKS, resourceLimits: { maxHeap: 1 } as never }).catch((
      error: unknown,
    ) => error);
    assert.match((unknown as Error).message, /has no limit "maxHeap"/);
    if (!limits.includes("maxOldGenerationSizeMb")) {
      const refused = await createPool({ adapter, kind, module: TASKS, resourceLimits: { maxOldGenerationSizeMb: 64 } })
        .catch((error: unknown) => error);
      assert.instance(refused, TypeError);
      assert.match((refused as Error).message, /cannot be held to "maxOldGenerationSizeMb"/);
      return;
    }
    const negative = await createPool({ adapter, kind, module: TASKS, resourceLimits: { maxOldGenerationSizeMb: -1 } })
      .catch((error: unknown) => error);
    assert.instance(negative, RangeError);
    await using pool = await createPool({
      adapter,
      kind,
      size: 1,
      module: TASKS,
      resourceLimits: { maxOldGenerationSizeMb: 48 },
    });
    assert.is(await pool.run("hoard", 8), 8);
    const crashed = await pool.run("hoard", 400).catch((error: unknown) => error);
    assert.instance(crashed, WorkerCrashedError);
    assert.is(await pool.run("hoard", 0), 0, "a new worker runs the next task");
  });

  test.run();
}

const short = suite(`${RUNTIME} worker: short tasks`);

/** An adapter that says the machine has `cores` logical cores. */
async function withCores(cores: number): Promise<typeof adapter> {
  const described = await createAdapter();
  const host = described.hostInfo();
  described.hostInfo = () => ({ ...host, cores });
  return described;
}

/** A pool of 2, in the latency mode unless `spinMicros` says otherwise, whose workers have timed short tasks. */
async function warmPool(cores: number, spinMicros = 50) {
  const pool = await createPool({ adapter: await withCores(cores), size: 2, module: TASKS, spinMicros });
  // Batches of no-ops: each worker times every batch it runs.
  for (let round = 0; round < 20; round++) {
    await Promise.all(Array.from({ length: 200 }, () => pool.run("identity", null)));
  }
  return pool;
}

short("two workers and this thread would outnumber 2 cores: a burst of short tasks waits for one worker", async () => {
  // Synchronously after a burst: one worker holds the first task, the rest wait in the queue for it. A worker that has
  // run few tasks may time them long (its code not compiled yet), and its answering last then spreads one burst; and
  // two slow messages in a row (a thread off its core) take the tasks for long until they are timed again, which tasks
  // sent one to a message seldom are: on Deno one pool in ten here spread 3 bursts of 5 or more. Up to three pools are
  // tried; without the policy, none holds any burst.
  const tries: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    await using kept = await warmPool(2);
    const seen: number[][] = [];
    for (let burst = 0; burst < 5; burst++) {
      const tasks = Array.from({ length: 10 }, () => kept.run("identity", null));
      seen.push([kept.stats().busy, kept.stats().queued]);
      await Promise.all(tasks);
    }
    const kept1 = seen.filter(([busy, queued]) => busy === 1 && queued === 9).length;
    if (kept1 >= 3) break;
    tries.push(`${kept1} (${JSON.stringify(seen)})`);
  }
  assert.ok(tries.length < 3, `bursts held by one worker, of 5, in each of three pools: ${tries.join("; ")}`);
  await using spread = await warmPool(4);
  const spreadBurst = Array.from({ length: 10 }, () => spread.run("identity", null));
  assert.is(spread.stats().busy, 2, "with cores to spare, both workers take tasks");
  await Promise.all(spreadBurst);
});

short("a task waiting behind a worker slow to answer goes to the idle one within milliseconds", async () => {
  await using pool = await warmPool(2);
  // The task taken for short is long: the one after it must not wait for it (the worker holds one message).
  const long = pool.run("spin", 1500).then(() => "long");
  const quick = pool.run("identity", null).then(() => "quick");
  assert.is(await Promise.race([long, quick]), "quick");
  await long;
});

short(
  "tasks taken for short that run long: a batch gives back all but the first two, and both workers share them",
  async () => {
    // Out of the latency mode, where nothing else spreads what one worker holds.
    await using pool = await warmPool(2, 0);
    const ran = await Promise.all(Array.from({ length: 20 }, () => pool.run<number>("spinIdentity", 20)));
    const counts = [...new Set(ran)].map((worker) => ran.filter((each) => each === worker).length);
    assert.is(counts.length, 2, "both workers ran some");
    assert.ok(Math.min(...counts) >= 5, `shared as ${counts.join(" and ")}`);
  },
);

short.run();
queue.run();
