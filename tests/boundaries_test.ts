/**
 * What crosses from a task to its caller, on worker threads, worker threads
 * in latency mode (plain data through shared memory) and child processes
 * alike: values as structured clone carries them, and errors whole (class,
 * code, cause, an AggregateError's errors), or a thrown value as itself.
 */

import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createPool, type Pool } from "../core/pool/pool.ts";
import { createAdapter } from "../runtimes/detect.ts";

const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);
const adapter = await createAdapter();

const MODES = [{ kind: "worker", spinMicros: 0 }, { kind: "worker", spinMicros: 50 }, {
  kind: "process",
  spinMicros: 0,
}] as const;

for (const { kind, spinMicros } of MODES) {
  const test = suite<{ pool: Pool }>(
    `${RUNTIME} ${kind}${spinMicros > 0 ? " through shared memory" : ""}: what crosses the boundary`,
  );
  test.before(async (context) => {
    context.pool = await createPool({ adapter, kind, size: 1, module: TASKS, spinMicros });
  });
  test.after(async (context) => {
    await context.pool.close();
  });

  test("BigInt, Map, Set, Date, typed arrays, undefined and -0 make the round trip", async ({ pool }) => {
    const value = {
      big: 2n ** 70n,
      map: new Map<unknown, unknown>([["k", new Set([1, "two"])]]),
      date: new Date(86_400_000),
      bytes: new Float64Array([1.5, -0]),
      none: undefined,
      negativeZero: -0,
    };
    const back = await pool.run<typeof value>("echo", value);
    assert.equal(back, value);
    assert.instance(back.map, Map);
    assert.instance(back.date, Date);
    assert.instance(back.bytes, Float64Array);
    assert.ok(Object.is(back.negativeZero, -0));
  });

  if (kind === "worker") {
    test("values at the edge of plain data arrive as structured clone makes them", async ({ pool }) => {
      const buffer = new ArrayBuffer(32);
      new Uint8Array(buffer).set([1, 2, 3, 4]);
      const shared = new Uint8Array(new SharedArrayBuffer(8));
      const values: unknown[] = [
        1.5,
        "ünïcode \u{1F600} \uD800 lone",
        true,
        null,
        undefined,
        Number.NaN,
        -0,
        Number.POSITIVE_INFINITY,
        2 ** 53,
        [1, undefined, 3],
        [1, , 3],
        { a: undefined, b: 1 },
        Object.assign(Object.create(null), { x: [1, { y: "z" }] }),
        { "\u0000bytes": 0 },
        new Uint8Array(buffer, 2, 4),
        buffer,
        { twice: [new Uint8Array(buffer), new Int32Array(buffer)] },
        {
          nested: { bytes: new Float64Array([1.5, -0, Number.NEGATIVE_INFINITY]), big: new BigInt64Array([2n ** 62n]) },
        },
        new Uint8Array(3 << 20).fill(7),
        new Uint8Array(1 << 20).fill(9),
        [new Uint16Array([1, 2]), new Uint16Array([3])],
        new DataView(buffer, 4),
        shared,
        new Float64Array(new ArrayBuffer(200 * 1024), 16, 8).fill(2.5),
      ];
      for (const value of values) {
        const back = await pool.run("echo", value);
        assert.equal(back, structuredClone(value), `${Object.prototype.toString.call(value)}`);
        if (typeof value === "object" && value !== null) {
          assert.is(Object.getPrototypeOf(back), Object.getPrototypeOf(structuredClone(value)));
        }
        if (ArrayBuffer.isView(value)) {
          assert.is((back as ArrayBufferView).byteOffset, value.byteOffset);
          assert.is((back as ArrayBufferView).buffer.byteLength, value.buffer.byteLength);
        }
      }
      assert.ok(Object.is(await pool.run("echo", -0), -0));
      const [first, second] = (await pool.run<{ twice: [Uint8Array, Int32Array] }>("echo", values[16])).twice;
      assert.is(first.buffer, second.buffer, "two views of one buffer still share one");
      // Large buffers go as copies moved, never as the caller's own, nor the worker's.
      for (const value of values) {
        if (ArrayBuffer.isView(value) && !(value.buffer instanceof SharedArrayBuffer)) {
          assert.ok(value.buffer.byteLength > 0);
        }
      }
      for (const _ of [1, 2]) {
        const kept = await pool.run<Uint8Array>("kept", undefined);
        assert.is(
          kept.byteLength,
          256 * 1024,
          "a buffer the worker keeps is still whole when it answers with it again",
        );
        assert.is(kept[256 * 1024 - 1], 255);
      }
      // A resizable buffer stays resizable, as structured clone keeps it.
      const Resizable = ArrayBuffer as unknown as new (
        bytes: number,
        options: { maxByteLength: number },
      ) => ArrayBuffer;
      const resizable = new Resizable(16, { maxByteLength: 64 });
      if ((resizable as { resizable?: boolean }).resizable === true) {
        for (const value of [resizable, new Uint8Array(resizable, 4)]) {
          const back = await pool.run<ArrayBuffer | Uint8Array>("echo", value);
          const buffer = (back instanceof ArrayBuffer ? back : back.buffer) as {
            resizable?: boolean;
            maxByteLength?: number;
          };
          assert.equal([buffer.resizable, buffer.maxByteLength], [true, 64]);
        }
      }
      // Shared memory stays shared.
      const echoed = await pool.run<Uint8Array>("echo", shared);
      echoed[0] = 42;
      assert.is(shared[0], 42);
    });
  }

  test("a thrown RangeError keeps its class, code, detail and cause chain", async ({ pool }) => {
    const error = await pool.run("throwRich", null).catch((e: unknown) => e) as RangeError & {
      code: string;
      detail: unknown;
    };
    assert.instance(error, RangeError);
    assert.is(error.name, "RangeError");
    assert.is(error.message, "bad range");
    assert.is(error.code, "E_RANGE");
    assert.equal(error.detail, { limit: 3, seen: [1, 2] });
    assert.match(error.stack ?? "", "throwRich");
    const outer = error.cause as Error;
    assert.instance(outer, Error);
    assert.is(outer.message, "outer");
    assert.instance(outer.cause, TypeError);
    assert.is((outer.cause as Error).message, "inner");
  });

  test("an AggregateError keeps its errors and their classes", async ({ pool }) => {
    const error = await pool.run("throwAggregate", null).catch((e: unknown) => e) as AggregateError;
    assert.instance(error, AggregateError);
    assert.equal(error.errors.map((e: Error) => [e.constructor.name, e.message]), [["TypeError", "first"], [
      "RangeError",
      "second",
    ]]);
  });

  test("a thrown value that is not an Error arrives as that value", async ({ pool }) => {
    assert.equal(await pool.run("throwValue", { code: "E1" }).catch((e: unknown) => e), { code: "E1" });
    assert.is(await pool.run("throwValue", "just a string").catch((e: unknown) => e), "just a string");
    assert.is(await pool.run("throwValue", 0).then(() => "resolved", (e: unknown) => e), 0);
  });

  test.run();
}
