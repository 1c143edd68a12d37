/**
 * A crash costs one task: only the task that was running when its worker
 * died fails; an answer the worker had produced resolves; tasks sent to it
 * that had not started run on another worker. As piscina's, poolifier's and
 * workerpool's suites try their pools, on worker threads and child processes.
 */

import { RUNTIME } from "./_guard.ts";
import process from "node:process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MapError, WorkerCrashedError } from "../core/pool/errors.ts";
import { createPool as createPoolOf } from "../core/pool/pool.ts";
import { createAdapter } from "../runtimes/detect.ts";

const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);
const adapter = await createAdapter();
const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => void unhandled.push(reason));

/** Each promise's outcome: its value, or the class name of its error. */
function outcomes(promises: Promise<unknown>[]): Promise<unknown[]> {
  return Promise.all(promises.map((p) => p.then((value) => value, (error: unknown) => (error as Error).name)));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

// Worker threads, worker threads in latency mode (a task that returns at once runs as the worker watches), child processes.
const MODES = [
  { kind: "worker", spinMicros: 0 },
  { kind: "worker", spinMicros: 50 },
  { kind: "process", spinMicros: 0 },
] as const;

for (const { kind, spinMicros } of MODES) {
  const test = suite(`${RUNTIME} ${kind}${spinMicros > 0 ? " in latency mode" : ""}: a crash costs one task`);
  const createPool = (options: Omit<Parameters<typeof createPoolOf>[0], "spinMicros">) =>
    createPoolOf({ ...options, spinMicros });

  test("a task that ends its worker fails alone; the tasks sent after it resolve, in order", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const crashing = pool.run("exitLater", { code: 9, ms: 100 });
    const echoes = range(0, 6).map((i) => pool.run("echo", i));
    const error = await crashing.catch((e: unknown) => e);
    assert.instance(error, WorkerCrashedError);
    assert.match((error as Error).message, kind === "process" || RUNTIME === "node" ? "exit code 9" : "exited");
    assert.equal(await outcomes(echoes), range(0, 6));
    await pool.close();
  });

  test("behind a queue, only the crashing task of sixty-one fails", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const first = pool.run("sleep", 100);
    const before = range(0, 30).map((i) => pool.run("echo", i));
    const crashing = pool.run("exitLater", { code: 9, ms: 50 });
    const after = range(30, 60).map((i) => pool.run("echo", i));
    assert.is(await first, 100);
    assert.instance(await crashing.catch((e: unknown) => e), WorkerCrashedError);
    assert.equal(await outcomes([...before, ...after]), range(0, 60));
    await pool.close();
  });

  test("an answer the worker produced before it died resolves (piscina's return-then-exit), alone and behind a queue", async () => {
    const alone = await createPool({ adapter, kind, size: 1, module: TASKS });
    assert.is(await alone.run("answerThenExit", { value: 42, code: 1, ms: 50 }), 42);
    await alone.close();
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const slow = pool.run("sleep", 300);
    const answer = pool.run("answerThenExit", { value: 42, code: 1, ms: 50 });
    const echoes = range(0, 14).map((i) => pool.run("echo", i));
    assert.equal(await outcomes([slow, answer, ...echoes]), [300, 42, ...range(0, 14)]);
    await pool.close();
  });

  test("map(): a chunk whose worker dies mid-chunk keeps the items done, fails the one that ran, reruns the rest", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const items = range(0, 20).map((n) => ({ n, at: 5, code: 3 }));
    const error = await pool.map("doubleOrExit", items, { chunkSize: 10 }).catch((e: unknown) => e);
    assert.instance(error, MapError);
    const results = (error as MapError).results;
    assert.is(results.length, 20);
    assert.equal(
      results.map((r) => r.status === "fulfilled" ? r.value : (r.reason as Error).name),
      range(0, 20).map((n) => n === 5 ? "WorkerCrashedError" : n * 2),
    );
    assert.instance((results[5] as PromiseRejectedResult).reason, WorkerCrashedError);
    await pool.close();
  });

  if (kind === "process") {
    test("a child killed from outside (SIGKILL) while it holds tasks fails the task it ran; the others run on its replacement", async () => {
      const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
      const busy = pool.run("spin", 3000);
      const echoes = range(0, 14).map((i) => pool.run("echo", i));
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.kill(pool.pids[0]!, "SIGKILL");
      const error = await busy.catch((e: unknown) => e);
      assert.instance(error, WorkerCrashedError);
      assert.match((error as Error).message, "SIGKILL");
      assert.equal(await outcomes(echoes), range(0, 14));
      await pool.close();
    });
  }

  test("tasks sent through shared memory and by port (a Map in the argument) reach the worker in the order they were sent", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    // Runs of plain tasks and of tasks only structured clone carries, of uneven lengths, batched as the pool likes.
    const byPort = (i: number) => (i * 7) % 11 < 4;
    const places = await Promise.all(range(0, 300).map((i) => pool.run("arrive", byPort(i) ? new Map([[i, i]]) : i)));
    assert.equal(places, range(1, 301));
    await pool.close();
  });

  test("a crash in a task sent by port, behind tasks sent through shared memory, fails it alone", async () => {
    const pool = await createPool({ adapter, kind, size: 1, module: TASKS });
    const before = range(0, 20).map((i) => pool.run("echo", i));
    const crashing = pool.run("exitHolding", { code: 9, held: new Map() });
    const after = range(20, 40).map((i) => pool.run("echo", i));
    assert.instance(await crashing.catch((e: unknown) => e), WorkerCrashedError);
    assert.equal(await outcomes([...before, ...after]), range(0, 40));
    await pool.close();
  });

  test("no rejection went unhandled", () => {
    assert.equal(unhandled, []);
  });

  test.run();
}
