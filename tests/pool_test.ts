/**
 * The adapter conformance suite: the pool over the adapter of the runtime
 * running this file, with worker threads and with child processes. A new
 * adapter is checked by adding its runtime to `RUNTIMES` in runtimes/registry.ts.
 */

import { RUNTIME } from "./_guard.ts";
import { isAlive } from "./_processes.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { RuntimeAdapter, WorkerKind } from "../core/adapter.ts";
import { createPool } from "../core/pool/pool.ts";
import { conformance } from "./_conformance.ts";
import { createAdapter } from "../runtimes/detect.ts";

const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);
const BROKEN = new URL("./fixtures/broken_tasks.ts", import.meta.url);
const adapter: RuntimeAdapter = await createAdapter();

// Worker threads, worker threads in latency mode (spinMicros), child processes.
const MODES: { kind: WorkerKind; spinMicros: number }[] = [
  { kind: "worker", spinMicros: 0 },
  { kind: "worker", spinMicros: 50 },
  { kind: "process", spinMicros: 0 },
];

for (const { kind, spinMicros } of MODES) {
  conformance({
    adapter,
    runtime: RUNTIME,
    kind,
    spinMicros,
    selfPid: process.pid,
    isAlive,
    exitCodes: true,
    tasks: TASKS,
    broken: BROKEN,
  });
}

const modules = suite(`${RUNTIME}: a task module of one's own`);
const outside = mkdtempSync(path.join(os.tmpdir(), "truepar-user-"));
writeFileSync(
  path.join(outside, "tasks.ts"),
  'export function fib(n: number): number {\n  return n < 2 ? n : fib(n - 1) + fib(n - 2);\n}\nexport function boom(): never {\n  throw new RangeError("bad range");\n}\n',
);
writeFileSync(
  path.join(outside, "broken.ts"),
  "export function fib(n: number): number {\n  return n < 2 ? n : fib(n - 1) +;\n}\n",
);

modules("a module given as a string is refused with a TypeError that shows the URL form", async () => {
  const error = await createPool({ adapter, module: "./x.ts" as unknown as URL }).catch((e: unknown) => e) as Error;
  assert.instance(error, TypeError);
  assert.is(
    error.message,
    'Cannot create pool: "module" must be a URL, such as new URL("./tasks.ts", import.meta.url), received "./x.ts"',
  );
});

modules("a missing module is one line naming the file", async () => {
  const missing = path.join(outside, "nope.ts");
  const error = await createPool({ adapter, module: pathToFileURL(missing) }).catch((e: unknown) => e) as Error;
  assert.is(error.message, `Cannot load task module: no file at ${missing}`);
});

modules("a module that does not compile names its file, on every runtime", async () => {
  const error = await createPool({ adapter, module: pathToFileURL(path.join(outside, "broken.ts")) }).catch((
    e: unknown,
  ) => e) as Error;
  assert.instance(error, Error);
  assert.match(
    error.message,
    RUNTIME === "node"
      ? /^Cannot load task module .*broken\.ts: .*\(\/.*broken\.ts:2:34\)$/
      : /^Cannot start worker: .*(broken\.ts|Unexpected ;)/s,
  );
});

modules("runs the module's functions, and a thrown error's stack points at the module's own lines", async () => {
  const pool = await createPool({ adapter, module: pathToFileURL(path.join(outside, "tasks.ts")) });
  try {
    assert.is(await pool.run("fib", 20), 6765);
    const error = await pool.run("boom", 0).catch((e: unknown) => e) as Error;
    assert.match(error.stack ?? "", new RegExp(`${path.join(outside, "tasks.ts").replaceAll("/", "\\/")}:5:\\d+`));
  } finally {
    await pool.close();
  }
});

modules.run();
