/**
 * Fault injection: every way a worker, a child process or a task can go
 * wrong, on worker threads and child processes. Every task settles once,
 * with the right error; close() resolves; nothing is left running; no
 * rejection goes unhandled.
 */

import { RUNTIME } from "./_guard.ts";
import { isAlive } from "./_processes.ts";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { WorkerKind } from "../core/adapter.ts";
import { TaskTimeoutError, WorkerCrashedError } from "../core/pool/errors.ts";
import { createPool, type Pool } from "../core/pool/pool.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { FAIL_NEXT_START } from "./fixtures/flaky_start.ts";

const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);
const FLAKY = new URL("./fixtures/flaky_start.ts", import.meta.url);
const adapter = await createAdapter();
const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => void unhandled.push(reason));

/** Resolves with what the promise settled with, or "pending" after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  return Promise.race([promise, new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), ms))]);
}

/** Closes the pool, which must end within a second, and checks its children are gone. */
async function closeCleanly(pool: Pool): Promise<void> {
  const pids = pool.pids;
  assert.is(await within(pool.close(), 1000), undefined, "close() did not resolve within a second");
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(pids.filter(isAlive), [], "a child process is still running");
}

// What each transport cannot carry: a function to a worker; shared memory to a child process.
const UNSENDABLE: Record<WorkerKind, () => unknown> = {
  worker: () => () => 1,
  process: () => ({ counter: new Int32Array(new SharedArrayBuffer(4)) }),
};

for (const kind of ["worker", "process"] as const) {
  const test = suite(`${RUNTIME} ${kind}: faults`);

  test("an argument that cannot be sent rejects run()'s promise; the next task runs; close() resolves", async () => {
    const pool = await createPool({ adapter, kind, size: 2, module: TASKS });
    let promise: Promise<unknown> | undefined;
    assert.not.throws(() => {
      promise = pool.run("echo", UNSENDABLE[kind]());
    });
    const error = await promise!.catch((e: unknown) => e);
    assert.instance(error, Error);
    assert.is(await pool.run("echo", 7), 7);
    await closeCleanly(pool);
  });

  test("in a batch, only the task whose argument cannot be sent rejects", async () => {
    const pool = await createPool({ adapter, kind, size: 2, module: TASKS });
    const args = Array.from({ length: 40 }, (_, i) => (i === 17 ? UNSENDABLE[kind]() : i));
    const settled = await Promise.allSettled(args.map((arg) => pool.run("echo", arg)));
    assert.equal(settled.map((s) => s.status).filter((s) => s === "rejected").length, 1);
    assert.is(settled[17]!.status, "rejected");
    assert.equal(
      settled.filter((s) => s.status === "fulfilled").map((s) => (s as PromiseFulfilledResult<unknown>).value),
      args.filter((_, i) => i !== 17),
    );
    await closeCleanly(pool);
  });

  test("in a batch, only the task whose answer cannot be sent rejects", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const settled = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => (i === 11 ? pool.run("unsendable", null) : pool.run("echo", i))),
    );
    assert.equal(settled.map((s, i) => (s.status === "rejected") === (i === 11)), Array(30).fill(true));
    await closeCleanly(pool);
  });

  test("two close() calls while tasks are queued both resolve", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const tasks = Array.from({ length: 5 }, (_, i) => pool.run("echo", i));
    const first = pool.close();
    const second = pool.close();
    assert.equal(await Promise.all(tasks), [0, 1, 2, 3, 4]);
    assert.equal(await within(Promise.all([first, second]), 2000), [undefined, undefined]);
  });

  test("a worker that exits 0 without answering rejects its task with WorkerCrashedError; the others finish", async () => {
    const pool = await createPool({ adapter, kind, size: 2, module: TASKS });
    const settled = await Promise.allSettled([
      pool.run("exit", 0),
      ...Array.from({ length: 20 }, (_, i) => pool.run("echo", i)),
    ]);
    assert.instance((settled[0] as PromiseRejectedResult).reason, WorkerCrashedError);
    const lost = settled.slice(1).filter((s) => s.status === "rejected");
    assert.ok(
      lost.every((s) => (s as PromiseRejectedResult).reason instanceof WorkerCrashedError),
      "a task lost with its worker rejects with WorkerCrashedError",
    );
    assert.is(await pool.run("echo", "after"), "after");
    await closeCleanly(pool);
  });

  if (kind === "process") {
    test("a child killed with SIGKILL mid-batch: what it ran rejects with WorkerCrashedError, the rest finish", async () => {
      const pool = await createPool({ adapter, kind, size: 2, module: TASKS });
      const victim = pool.pids[0]!;
      const tasks = Array.from({ length: 40 }, () => pool.run("spin", 5));
      setTimeout(() => process.kill(victim, "SIGKILL"), 30);
      const settled = await Promise.allSettled(tasks);
      const rejected = settled.filter((s) => s.status === "rejected") as PromiseRejectedResult[];
      // At most the tasks of the message it ran (40 tasks on 2 children travel two to a message); none if it was between messages.
      assert.ok(rejected.length <= 2, `${rejected.length} of 40 rejected`);
      assert.ok(
        rejected.every((r) => r.reason instanceof WorkerCrashedError && /SIGKILL/.test(r.reason.message)),
        rejected[0]?.reason?.message,
      );
      assert.not.ok(isAlive(victim));
      await closeCleanly(pool);
    });

    test("a child that writes garbage to stdout still answers", async () => {
      const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
      assert.is(await pool.run("garbage", null), "after garbage");
      assert.is(await pool.run("echo", 1), 1);
      await closeCleanly(pool);
    });

    // Deno and Bun keep a duplicate of a child's stdout descriptor, so a task there cannot close the channel at all.
    if (RUNTIME === "node") {
      test("a child that closes stdout is taken for dead: its task rejects, and it is replaced", async () => {
        const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
        const error = await within(pool.run("closeStdout", null).catch((e: unknown) => e), 5000);
        assert.instance(error, WorkerCrashedError);
        assert.is(await pool.run("echo", 2), 2);
        await closeCleanly(pool);
      });
    }
  }

  test("a replacement that fails to start once is retried, and the pool goes on", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: FLAKY });
    writeFileSync(FAIL_NEXT_START, "");
    try {
      assert.instance(await pool.run("exit", 0).catch((e: unknown) => e), WorkerCrashedError);
      assert.is(await pool.run("echo", 5), 5);
      assert.not.ok(existsSync(FAIL_NEXT_START), "no replacement tried to start");
    } finally {
      rmSync(FAIL_NEXT_START, { force: true });
    }
    await closeCleanly(pool);
  });

  test("a task that returns undefined resolves with undefined", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    assert.is(await pool.run("returnsUndefined", null), undefined);
    await closeCleanly(pool);
  });

  test("a 100 MB answer makes the round trip", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const answer = await pool.run<string>("big", 100);
    assert.is(answer.length, 100 * 1024 * 1024);
    await closeCleanly(pool);
  });

  test("a timed-out task whose thread the runtime cannot stop is counted, and the first timeout says so; an idle one is not", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const waiting = await pool.run("hang", null, { timeoutMs: 30 }).catch((e: unknown) => e);
    assert.instance(waiting, TaskTimeoutError);
    assert.is(pool.stats().unstoppable, 0);
    const busy = await pool.run("spin", 300, { timeoutMs: 30 }).catch((e: unknown) => e) as Error;
    assert.instance(busy, TaskTimeoutError);
    const stuck = kind === "worker" && adapter.stopsBusyThreads === false;
    assert.is(pool.stats().unstoppable, stuck ? 1 : 0);
    if (stuck) {
      assert.match(
        busy.message,
        `${adapter.runtime.name} ${adapter.runtime.version} cannot stop its worker thread, busy in the task`,
      );
    } else assert.not.match(busy.message, "cannot stop");
    assert.is(await pool.run("echo", 5), 5);
    await closeCleanly(pool);
  });

  test("10,000 tasks with aborts, timeouts and throws: each settles once, with the right error", async () => {
    const pool = await createPool({ adapter, kind, size: 2, module: TASKS });
    const outcomes: string[] = [];
    const settledTwice: number[] = [];
    const controllers: AbortController[] = [];
    const tasks = Array.from({ length: 10_000 }, (_, i) => {
      let promise: Promise<unknown>;
      let expected: string;
      if (i % 997 === 0) {
        promise = pool.run("hang", null, { timeoutMs: 30 });
        expected = "timeout";
      } else if (i % 101 === 0) {
        const controller = new AbortController();
        controllers.push(controller);
        promise = pool.run("echo", i, { signal: controller.signal });
        expected = "aborted-or-done";
      } else if (i % 17 === 0) {
        promise = pool.run("fail", `no ${i}`);
        expected = "thrown";
      } else {
        promise = pool.run("echo", i);
        expected = "done";
      }
      let count = 0;
      return promise.then(
        (value) => {
          if (++count > 1) settledTwice.push(i);
          outcomes[i] = expected === "done" && value === i
            ? "ok"
            : expected === "aborted-or-done" && value === i
            ? "ok"
            : `wrong value for ${expected}`;
        },
        (error: Error) => {
          if (++count > 1) settledTwice.push(i);
          const right = (expected === "timeout" && error instanceof TaskTimeoutError) ||
            (expected === "thrown" && error instanceof RangeError && error.message === `no ${i}`) ||
            (expected === "aborted-or-done" && error.message === "stop");
          outcomes[i] = right ? "ok" : `${expected}: ${error.name}: ${error.message}`;
        },
      );
    });
    setTimeout(() => controllers.forEach((c, i) => i % 2 === 0 && c.abort(new Error("stop"))), 5);
    await Promise.all(tasks);
    assert.equal(settledTwice, []);
    const wrong = outcomes.map((o, i) => [i, o] as const).filter(([, o]) => o !== "ok");
    assert.equal(wrong.slice(0, 5), []);
    assert.is(outcomes.filter((o) => o === "ok").length, 10_000);
    await closeCleanly(pool);
  });

  test("no rejection went unhandled", () => {
    assert.equal(unhandled.map(String), []);
  });

  test.run();
}
