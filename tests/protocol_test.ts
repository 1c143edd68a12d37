import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { deserializeError, serializeError } from "../core/pool/protocol.ts";
import { encodeFrame, FrameDecoder } from "../runtimes/_frames.ts";
import { median } from "../core/measure/stats.ts";
import { describeExit, TaskTimeoutError, WorkerCrashedError } from "../core/pool/errors.ts";

const frames = suite(`${RUNTIME}: FrameDecoder`);

function concat(...parts: (Uint8Array | string)[]): Uint8Array {
  const bytes = parts.map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

frames("decodes frames cut into chunks of every size, and passes stray lines through as text", () => {
  const values = [{ t: "ready" }, { t: "done", id: 1, value: "é" }, {
    t: "done",
    id: 2,
    value: new Map([[1n, new Date(0)]]),
  }];
  const bytes = concat(
    encodeFrame(values[0]),
    "a stray log line\n",
    encodeFrame(values[1]),
    "no newline before a frame",
    encodeFrame(values[2]),
  );
  for (const size of [1, 2, 3, 5, 64, bytes.length]) {
    const messages: unknown[] = [];
    const lines: string[] = [];
    const decoder = new FrameDecoder((m) => messages.push(m), (l) => lines.push(l));
    for (let i = 0; i < bytes.length; i += size) decoder.push(bytes.subarray(i, i + size));
    assert.equal(messages, values, `chunks of ${size}`);
    assert.equal(lines, ["a stray log line", "no newline before a frame"], `chunks of ${size}`);
  }
});

frames("carries what structured clone carries: BigInt, Map, Set, Date, typed arrays", () => {
  const value = {
    big: 10n ** 30n,
    map: new Map([["a", 1]]),
    set: new Set([1, 2]),
    date: new Date(86_400_000),
    bytes: new Uint8Array([1, 2, 3]),
    nested: [undefined, null, -0],
  };
  const messages: unknown[] = [];
  new FrameDecoder((m) => messages.push(m), () => {}).push(encodeFrame(value));
  assert.equal(messages, [value]);
});

frames("what JSON would alter arrives exactly: NaN, Infinity, -0, holes, undefined, class instances", () => {
  class Point {
    constructor(public x = 1) {}
  }
  // deno-lint-ignore no-sparse-arrays
  const values: unknown[] = [{ a: NaN }, { b: -Infinity }, [1, , 3], [undefined], { c: undefined }, -0, new Point(), {
    plain: [1, "two", { three: true }, null],
  }];
  const messages: unknown[] = [];
  const decoder = new FrameDecoder((m) => messages.push(m), () => {});
  for (const value of values) decoder.push(encodeFrame(value));
  assert.equal(messages, values.map((v) => (v instanceof Point ? { x: 1 } : v)));
  assert.ok(Object.is(messages[5], -0));
  assert.ok(!(1 in (messages[2] as unknown[])), "a hole stays a hole");
  assert.ok("c" in (messages[4] as object), "an undefined property stays");
});

frames("refuses functions, symbols and shared memory with a DataCloneError naming the boundary", () => {
  for (
    const value of [() => 1, Symbol("s"), { shared: new SharedArrayBuffer(8) }, [
      new Int32Array(new SharedArrayBuffer(8)),
    ]]
  ) {
    assert.throws(
      () => encodeFrame(value),
      (e: Error) => e.name === "DataCloneError" && e.message.includes("cannot cross a process boundary"),
    );
  }
});

frames("a 100 MB frame arrives whole from 64 KB chunks", () => {
  const frame = encodeFrame("x".repeat(100 * 1024 * 1024));
  const messages: string[] = [];
  const decoder = new FrameDecoder((m) => messages.push(m as string), () => {});
  const started = performance.now();
  for (let i = 0; i < frame.length; i += 65536) decoder.push(frame.subarray(i, i + 65536));
  assert.is(messages.length, 1);
  assert.is(messages[0]!.length, 100 * 1024 * 1024);
  assert.ok(performance.now() - started < 20_000, "quadratic buffering");
});

frames("a frame that cannot be decoded is reported as text, and the next one still arrives", () => {
  const broken = encodeFrame({ t: "ready" });
  broken.fill(0xff, 8);
  const messages: unknown[] = [];
  const lines: string[] = [];
  const decoder = new FrameDecoder((m) => messages.push(m), (l) => lines.push(l));
  decoder.push(concat(broken, encodeFrame({ t: "ready" })));
  assert.equal(messages, [{ t: "ready" }]);
  assert.match(lines[0] ?? "", "could not be decoded");
});

const errors = suite(`${RUNTIME}: errors`);

errors("an error keeps its class, name, message, stack, cause and own properties", () => {
  class VaultError extends RangeError {
    override name = "VaultError";
  }
  const original = Object.assign(
    new VaultError("bad range", { cause: new Error("outer", { cause: new TypeError("inner") }) }),
    {
      code: "E_RANGE",
      detail: { limit: 3 },
      fn: () => 1,
    },
  );
  const copy = deserializeError(structuredClone(serializeError(original))) as RangeError & {
    code: string;
    detail: unknown;
    fn?: unknown;
  };
  assert.instance(copy, RangeError);
  assert.is(copy.name, "VaultError");
  assert.is(copy.message, "bad range");
  assert.is(copy.stack, original.stack);
  assert.is(copy.code, "E_RANGE");
  assert.equal(copy.detail, { limit: 3 });
  assert.is(copy.fn, undefined, "a function property cannot cross, and is left out");
  const outer = copy.cause as Error;
  assert.is(outer.message, "outer");
  assert.instance(outer.cause, TypeError);
  assert.is((outer.cause as Error).message, "inner");
});

errors("an AggregateError keeps its errors", () => {
  const copy = deserializeError(
    structuredClone(serializeError(new AggregateError([new TypeError("a"), "b"], "both"))),
  ) as AggregateError;
  assert.instance(copy, AggregateError);
  assert.instance(copy.errors[0], TypeError);
  assert.is(copy.errors[1], "b");
});

errors("a thrown value that is not an Error arrives as that value", () => {
  assert.equal(deserializeError(structuredClone(serializeError({ code: "E1" }))), { code: "E1" });
  assert.is(deserializeError(serializeError("plain")), "plain");
  assert.is(deserializeError(serializeError(undefined)), undefined);
  const unsendable = deserializeError(serializeError(() => 1)) as Error;
  assert.instance(unsendable, Error);
  assert.match(unsendable.message, "A task threw a value that cannot be sent");
});

errors("a cycle of causes ends", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.ok(JSON.stringify(serializeError(a)).length < 100_000);
});

errors("WorkerCrashedError and describeExit() name the code, signal or error", () => {
  assert.is(describeExit({ code: 3, signal: null }), "exit code 3");
  assert.is(describeExit({ code: null, signal: "SIGKILL" }), "signal SIGKILL");
  assert.is(describeExit({ code: null, signal: null, error: new Error("boom") }), "an uncaught error: boom");
  const crashed = new WorkerCrashedError({ code: null, signal: "SIGKILL" }, "child process");
  assert.is(crashed.name, "WorkerCrashedError");
  assert.match(crashed.message, "child process exited during the task with signal SIGKILL");
  assert.match(new TaskTimeoutError(25).message, "25 ms");
});

const stats = suite(`${RUNTIME}: median()`);

stats("takes the middle value, or the mean of the two middle values", () => {
  assert.is(median([5]), 5);
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
});

stats("refuses an empty list", () => {
  assert.throws(() => median([]), (e: Error) => e instanceof RangeError);
});

frames.run();
errors.run();
stats.run();
