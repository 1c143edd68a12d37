/**
 * What crosses from a task to its caller, on worker threads and child
 * processes alike: values as structured clone carries them, and errors
 * whole (class, code, cause, an AggregateError's errors), or a thrown value
 * as itself.
 */

import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createPool, type Pool } from "../core/pool.ts";
import { createAdapter } from "../runtimes/detect.ts";

const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);
const adapter = await createAdapter();

for (const kind of ["worker", "process"] as const) {
  const test = suite<{ pool: Pool }>(`${RUNTIME} ${kind}: what crosses the boundary`);
  test.before(async (context) => {
    context.pool = await createPool({ adapter, kind, size: 1, module: TASKS });
  });
  test.after(async (context) => {
    await context.pool.close();
  });

  test("BigInt, Map, Set, Date, typed arrays, undefined and -0 make the round trip", async ({ pool }) => {
    const value = { big: 2n ** 70n, map: new Map<unknown, unknown>([["k", new Set([1, "two"])]]), date: new Date(86_400_000), bytes: new Float64Array([1.5, -0]), none: undefined, negativeZero: -0 };
    const back = await pool.run<typeof value>("echo", value);
    assert.equal(back, value);
    assert.instance(back.map, Map);
    assert.instance(back.date, Date);
    assert.instance(back.bytes, Float64Array);
    assert.ok(Object.is(back.negativeZero, -0));
  });

  test("a thrown RangeError keeps its class, code, detail and cause chain", async ({ pool }) => {
    const error = await pool.run("throwRich", null).catch((e: unknown) => e) as RangeError & { code: string; detail: unknown };
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
    assert.equal(error.errors.map((e: Error) => [e.constructor.name, e.message]), [["TypeError", "first"], ["RangeError", "second"]]);
  });

  test("a thrown value that is not an Error arrives as that value", async ({ pool }) => {
    assert.equal(await pool.run("throwValue", { code: "E1" }).catch((e: unknown) => e), { code: "E1" });
    assert.is(await pool.run("throwValue", "just a string").catch((e: unknown) => e), "just a string");
    assert.is(await pool.run("throwValue", 0).then(() => "resolved", (e: unknown) => e), 0);
  });

  test.run();
}
