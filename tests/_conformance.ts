/**
 * The adapter conformance suite: the pool over one adapter, with one kind of
 * worker, under errors, crashes, timeouts, abort and close. Imports nothing
 * of any runtime's, so a browser's page runs it as Node, Deno and Bun do.
 *
 * @module
 */

import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { RuntimeAdapter, WorkerKind } from "../core/adapter.ts";
import { TaskTimeoutError, WorkerCrashedError } from "../core/pool/errors.ts";
import { createPool, MapError, type Pool } from "../core/pool/pool.ts";

/** What the suite runs against. */
export interface ConformanceOptions {
  adapter: RuntimeAdapter;
  /** The runtime's name, in the suite's name. */
  runtime: string;
  kind: WorkerKind;
  spinMicros: number;
  /** The process the tests run in, where it has an id (a worker thread's tasks run in it); a page's workers answer `null`. */
  selfPid?: number;
  /** Whether a process still runs. */
  isAlive(pid: number): boolean;
  /** Whether a worker can end with an exit code (not a browser's). */
  exitCodes: boolean;
  /** The fixtures: tests/fixtures/tasks.ts and broken_tasks.ts, as the runtime loads them. */
  tasks: URL;
  broken: URL;
}

/**
 * Defines and runs the conformance suite for one kind of worker.
 *
 * @param options The adapter, the kind, and what the runtime can tell.
 */
export function conformance(
  { adapter, runtime, kind, spinMicros, selfPid, isAlive, exitCodes, tasks: TASKS, broken: BROKEN }: ConformanceOptions,
): void {
  const test = suite<{ pool: Pool }>(
    `${runtime} ${kind}${spinMicros > 0 ? ` spinning ${spinMicros} µs` : ""}: pool conformance`,
  );

  test.before.each(async (context) => {
    context.pool = await createPool({ adapter, kind, size: 2, module: TASKS, spinMicros });
  });
  test.after.each(async (context) => {
    await context.pool.terminate();
  });

  test("createPool() resolves with every worker ready", ({ pool }) => {
    assert.is(pool.size, 2);
    assert.is(pool.kind, kind);
    assert.is(pool.pids.length, kind === "process" ? 2 : 0);
  });

  test("a task's value makes the round trip", async ({ pool }) => {
    const value = { text: "héllo", list: [1, 2.5, null], nested: { ok: true } };
    assert.equal(await pool.run("echo", value), value);
  });

  test("results come back in task order", async ({ pool }) => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run("echo", i)));
    assert.equal(results, Array.from({ length: 20 }, (_, i) => i));
  });

  test("tasks run in separate workers, in child processes for 'process'", async ({ pool }) => {
    const pids = await Promise.all([pool.run<number>("pid", null), pool.run<number>("pid", null)]);
    if (kind === "process") {
      assert.ok(!pids.includes(selfPid!));
      assert.equal(new Set(pids), new Set(pool.pids));
    } else {
      assert.ok(
        pids.every((pid) => pid === (selfPid ?? null)),
        `tasks ran in ${pids.join(", ")}, not this process (${selfPid ?? "no id"})`,
      );
    }
  });

  test("a buffer in the transfer list moves to a worker, not copied: the sender's is emptied; children refuse one", async ({ pool }) => {
    const bytes = new Uint8Array(1 << 16).map((_, i) => i & 255);
    const task = pool.run<Uint8Array>("echo", bytes, { transfer: [bytes.buffer] });
    if (kind === "process") {
      assert.instance(await task.catch((e: unknown) => e), TypeError);
      return;
    }
    // Moved as it was sent: nothing of it is left here.
    assert.is(bytes.byteLength, 0);
    const back = await task;
    assert.is(back.byteLength, 1 << 16);
    assert.is(back[1000], 1000 & 255);
  });

  test("a transfer list moves a MessagePort to a worker; children refuse one", async ({ pool }) => {
    const { port1, port2 } = new MessageChannel();
    const task = pool.run<number>("doubleOnPort", { port: port2, count: 2 }, { transfer: [port2] });
    if (kind === "process") {
      const error = await task.catch((e: unknown) => e) as Error;
      assert.instance(error, TypeError);
      assert.match(error.message, "needs worker threads");
      port1.close();
      return;
    }
    const answers: number[] = [];
    await new Promise<void>((resolve) => {
      port1.onmessage = (event: MessageEvent<number>) => {
        answers.push(event.data);
        if (answers.length === 2) resolve();
      };
      port1.postMessage(3);
      port1.postMessage(5);
    });
    assert.is(await task, 2);
    assert.equal(answers, [6, 10]);
    port1.close();
  });

  test("map() returns results in item order, in chunks, automatic or given", async ({ pool }) => {
    const items = Array.from({ length: 101 }, (_, i) => (i === 13 ? 1013 : i));
    assert.equal(await pool.map("square", items), items.map((i) => i * i));
    assert.equal(await pool.map("square", items, { chunkSize: 7 }), items.map((i) => i * i));
    assert.equal(await pool.map("squareLater", [1, 2, 3], { chunkSize: 2 }), [1, 4, 9]);
    assert.equal(await pool.map("square", []), []);
  });

  test("map() reports errors per item and keeps every other result", async ({ pool }) => {
    const error = await pool.map("square", [11, 12, 13, 14], { chunkSize: 2 }).catch((e: unknown) => e) as MapError<
      number
    >;
    assert.instance(error, MapError);
    assert.match(error.message, "1 of 4 items failed, the first at index 2: 13 is unlucky");
    assert.equal(error.results.map((r) => r.status), ["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    assert.is((error.results[3] as PromiseFulfilledResult<number>).value, 196);
    assert.is(((error.results[2] as PromiseRejectedResult).reason as Error).name, "RangeError");
    const bad = await pool.map("square", [1], { chunkSize: 0 }).catch((e: unknown) => e) as Error;
    assert.instance(bad, RangeError);
    assert.match(bad.message, '"chunkSize" must be a positive integer, received 0');
  });

  test("many tasks at once are batched, yet a worker still runs one task at a time", async ({ pool }) => {
    const most = await Promise.all(Array.from({ length: 12 }, () => pool.run<number>("overlap", null)));
    assert.equal([...new Set(most)], [1]);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => pool.run("square", i % 13 === 0 ? 2 : i)));
    assert.is(results.length, 500);
  });

  test("a thrown error keeps its name, message and stack, and the pool goes on", async ({ pool }) => {
    const error = await pool.run("fail", "bad input").catch((e: unknown) => e);
    assert.instance(error, Error);
    assert.is((error as Error).name, "RangeError");
    assert.is((error as Error).message, "bad input");
    assert.match((error as Error).stack ?? "", "fail");
    assert.is(await pool.run("echo", 1), 1);
  });

  test("an answer that cannot be sent rejects its task, and the pool goes on", async ({ pool }) => {
    const error = await pool.run("unsendable", null).catch((e: unknown) => e) as Error;
    assert.instance(error, Error);
    assert.is(error.name, "DataCloneError");
    const batch = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => pool.run(i === 20 ? "unsendable" : "echo", i)),
    );
    assert.equal(
      batch.map((r, i) => (r.status === "rejected") === (i === 20)),
      Array(40).fill(true),
      "its task alone rejects",
    );
    const mapped = await pool.map("unsendable", [1, 2], { chunkSize: 2 }).catch((e: unknown) => e) as MapError;
    assert.instance(mapped, MapError);
    assert.equal(mapped.results.map((r) => r.status), ["rejected", "rejected"]);
    assert.is(await pool.run("echo", "still here"), "still here");
  });

  test("a thousand round trips one after another all come back", async ({ pool }) => {
    for (let i = 0; i < 1000; i++) assert.is(await pool.run("echo", i), i);
  });

  test("a worker reads each task function once, by name: one the module rebinds later stays as found", async () => {
    const one = await createPool({ adapter, kind, size: 1, module: TASKS, spinMicros });
    try {
      assert.is(await one.run("generation", null), 1);
      assert.is(await one.run("nextGeneration", null), 2);
      assert.is(await one.run("generation", null), 1);
      // Several functions by turns, in one batch and one at a time: each call finds its own.
      const names = ["square", "echo", "generation", "square"];
      assert.equal(await Promise.all(names.map((name, i) => one.run(name, i + 3))), [9, 4, 1, 36]);
      for (const [i, name] of names.entries()) assert.is(await one.run(name, 2), [4, 2, 1, 4][i]);
    } finally {
      await one.terminate();
    }
  });

  test("an unknown task function rejects with a TypeError", async ({ pool }) => {
    const error = await pool.run("nothing", null).catch((e: unknown) => e) as Error;
    assert.is(error.name, "TypeError");
    assert.match(error.message, 'no function "nothing"');
  });

  test("a worker that crashes mid-task rejects it with WorkerCrashedError and is replaced", async ({ pool }) => {
    const error = await pool.run("crash", null).catch((e: unknown) => e);
    assert.instance(error, WorkerCrashedError);
    assert.match((error as Error).message, kind === "worker" ? /uncaught error|exit code 1/ : /exit code 1/);
    assert.is(pool.size, 2);
    assert.equal(await Promise.all([1, 2, 3].map((i) => pool.run("echo", i))), [1, 2, 3]);
  });

  // A Web Worker in a browser has no exit code: it ends only when terminated, or by an error.
  if (exitCodes) {
    test("an exit code is named in WorkerCrashedError", async ({ pool }) => {
      const error = await pool.run("exit", 7).catch((e: unknown) => e) as WorkerCrashedError;
      assert.instance(error, WorkerCrashedError);
      assert.is(error.exit.code, 7);
      assert.match(error.message, "exit code 7");
      assert.is(await pool.run("echo", "after"), "after");
    });
  }

  test("a task past its timeout rejects with TaskTimeoutError; its worker is replaced", async ({ pool }) => {
    const before = pool.pids;
    const error = await pool.run("hang", null, { timeoutMs: 30 }).catch((e: unknown) => e);
    assert.instance(error, TaskTimeoutError);
    assert.is((error as TaskTimeoutError).timeoutMs, 30);
    assert.is(await pool.run("echo", "next"), "next");
    if (kind === "process") assert.is.not(pool.pids.join(), before.join());
  });

  test("a pool-wide taskTimeoutMs applies to every task", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS, taskTimeoutMs: 30, spinMicros });
    try {
      assert.instance(await pool.run("hang", null).catch((e: unknown) => e), TaskTimeoutError);
      assert.is(await pool.run("echo", 2), 2);
    } finally {
      await pool.terminate();
    }
  });

  // Deno cannot stop a worker thread that is busy in JavaScript: its terminate() waits for the event loop.
  if (!(runtime === "deno" && kind === "worker")) {
    test("a busy task past its timeout is stopped", async ({ pool }) => {
      const error = await pool.run("spin", 60_000, { timeoutMs: 50 }).catch((e: unknown) => e);
      assert.instance(error, TaskTimeoutError);
      assert.is(await pool.run("echo", "free"), "free");
    });
  }

  test("aborting a running task rejects with signal.reason and replaces the worker", async ({ pool }) => {
    const controller = new AbortController();
    const running = pool.run("hang", null, { signal: controller.signal }).catch((e: unknown) => e);
    await pool.run("echo", 0); // the hang has been dispatched by now
    const reason = new Error("stop");
    controller.abort(reason);
    assert.is(await running, reason);
    assert.is(await pool.run("echo", 5), 5);
  });

  test("aborting a queued task removes it; an aborted signal rejects at once", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS, spinMicros });
    try {
      const blocker = pool.run("spin", 50);
      const controller = new AbortController();
      const queued = pool.run("echo", 1, { signal: controller.signal }).catch((e: unknown) => e);
      controller.abort();
      assert.is((await queued as Error).name, "AbortError");
      await blocker;
      const aborted = pool.run("echo", 1, { signal: AbortSignal.abort("why") }).catch((e: unknown) => e);
      assert.is(await aborted, "why");
    } finally {
      await pool.terminate();
    }
  });

  test("close() waits for queued tasks, then leaves no worker behind", async ({ pool }) => {
    const pids = pool.pids;
    const results = Array.from({ length: 6 }, (_, i) => pool.run("echo", i));
    await pool.close();
    assert.equal(await Promise.all(results), [0, 1, 2, 3, 4, 5]);
    assert.is(pool.size, 0);
    for (const pid of pids) assert.not.ok(isAlive(pid), `child ${pid} still running`);
    const error = await pool.run("echo", 1).catch((e: unknown) => e) as Error;
    assert.match(error.message, "closed");
  });

  test("terminate() rejects running tasks and ends every worker", async ({ pool }) => {
    const pids = pool.pids;
    const running = pool.run("hang", null).catch((e: unknown) => e);
    await pool.terminate();
    assert.match((await running as Error).message, "terminated");
    for (const pid of pids) assert.not.ok(isAlive(pid), `child ${pid} still running`);
  });

  test("a task module that cannot load makes createPool() reject", async () => {
    const error = await createPool({ adapter, kind, size: 2, module: BROKEN }).catch((e: unknown) => e) as Error;
    assert.instance(error, Error);
    assert.match(error.message, /Cannot start (worker|child process)/);
    assert.match(String((error.cause as Error)?.message ?? error.message), "broken on purpose");
  });

  test("size must be a positive integer, spinMicros a number of microseconds", async () => {
    for (const size of [0, -1, 1.5]) {
      const error = await createPool({ adapter, kind, size, module: TASKS }).catch((e: unknown) => e) as Error;
      assert.instance(error, RangeError);
      assert.match(error.message, `received ${size}`);
    }
    for (const spin of [-1, Number.NaN, "50" as unknown as number]) {
      const error = await createPool({ adapter, kind, spinMicros: spin, module: TASKS }).catch((e: unknown) =>
        e
      ) as Error;
      assert.instance(error, RangeError);
      assert.match(error.message, '"spinMicros" must be a number of microseconds');
    }
  });

  test.run();
}
