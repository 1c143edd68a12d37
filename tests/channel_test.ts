/**
 * The latency mode's shared-memory channel, both sides in one thread: what
 * it carries and what it leaves to postMessage, the ring's wrap and its
 * fill, and when the other side must be rung for.
 */

import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { BY_PORT, RING_BYTES, SharedChannel, withCopiesMoved } from "../core/pool/channel.ts";
import type { FromWorker, ToWorker } from "../core/pool/protocol.ts";

const test = suite(`${RUNTIME}: the shared-memory channel`);
const open = () => {
  const pool = new SharedChannel("pool");
  return { pool, worker: new SharedChannel("worker", pool.buffer) };
};
const run = (arg: unknown): ToWorker => ({ t: "run", id: 1, fn: "echo", arg });

test("plain data and whole buffers go through it, each way, in order; the wake counter counts them", () => {
  const { pool, worker } = open();
  const sent = [run(1.5), run({ a: [1, "two", null], b: true }), run(new Uint8Array([1, 2, 3])), {
    t: "batch",
    ids: [1, 2],
    fn: "f",
    args: [1, "x"],
  }] as ToWorker[];
  for (const message of sent) assert.ok(pool.write(message));
  assert.is(Atomics.load(pool.counter, 0), 4);
  for (const message of sent) assert.equal(worker.read(), message);
  assert.is(worker.read(), undefined);
  assert.ok(worker.write({ t: "done", id: 1, value: new Float64Array([0.5]) }));
  assert.equal(pool.read(), { t: "done", id: 1, value: new Float64Array([0.5]) });
  assert.is(pool.read(), undefined);
});

test("what JSON would change, and what structured clone shares, is left to postMessage", () => {
  const { pool, worker } = open();
  const shared = new Uint8Array(new SharedArrayBuffer(4));
  const view = new Uint8Array(8);
  for (
    const arg of [
      [-0],
      { n: Number.NaN },
      [Number.POSITIVE_INFINITY],
      1n,
      new Map(),
      new Date(0),
      [1, , 3],
      [undefined],
      { a: undefined },
      { "\u0000bytes": 1 },
      shared,
      [view, new Uint16Array(view.buffer)],
      () => 1,
      new DataView(new ArrayBuffer(1)),
    ]
  ) {
    assert.is(pool.write(run(arg)), false, String(arg));
  }
  assert.is(worker.read(), undefined);
  assert.is(Atomics.load(pool.counter, 0), 0, "nothing was counted");
});

test("a task or an answer with one scalar goes as words, exactly as structured clone gives it: -0, NaN, lone surrogates", () => {
  const { pool, worker } = open();
  const long = "x".repeat(300);
  const scalars = [
    0,
    -0,
    Number.NaN,
    -Infinity,
    2 ** 53 + 2,
    "",
    "é\u{1F600}",
    "\uD800 alone",
    long,
    true,
    false,
    null,
    undefined,
  ];
  for (const arg of scalars) assert.is(pool.write(run(arg)), "ring", String(arg));
  for (const arg of scalars) {
    const message = worker.read() as Extract<ToWorker, { t: "run" }>;
    assert.equal(message, run(arg));
    assert.ok(Object.is(message.arg, arg), String(arg));
  }
  for (const value of scalars) assert.ok(worker.write({ t: "done", id: 7, value }));
  for (const value of scalars) assert.ok(Object.is((pool.read() as { value: unknown }).value, value), String(value));
  // What a word cannot hold goes as JSON: an id past 32 bits, a function's name past 256 characters.
  assert.ok(pool.write({ t: "run", id: 2 ** 40, fn: "echo", arg: 1 }));
  assert.equal(worker.read(), { t: "run", id: 2 ** 40, fn: "echo", arg: 1 });
  assert.ok(pool.write({ t: "run", id: 1, fn: "f".repeat(300), arg: 1 }));
  assert.equal(worker.read(), { t: "run", id: 1, fn: "f".repeat(300), arg: 1 });
});

test("a batch of scalar tasks and its scalar answers go as words; a failure, a second function, an object go as JSON", () => {
  const { pool, worker } = open();
  const args = [1, -0, Number.NaN, "two", "\uDC00", "", null, undefined, true, 2.5e300];
  const ids = args.map((_, i) => i + 1);
  const batch: ToWorker = { t: "batch", ids, fn: "echo", args };
  assert.is(pool.write(batch), "ring");
  const read = worker.read() as Extract<ToWorker, { t: "batch" }>;
  assert.equal(read, batch);
  read.args.forEach((arg, i) => assert.ok(Object.is(arg, args[i]), String(args[i])));
  const answers: FromWorker = { t: "batch-done", ids, ok: args.map(() => 1 as const), values: args };
  assert.ok(worker.write(answers));
  assert.equal(pool.read(), answers);
  for (
    const message of [
      { t: "batch", ids: [1, 2], fn: ["f", "g"], args: [1, 2] },
      { t: "batch", ids: [1, 2], fn: "f", args: [1, [2]] },
      { t: "batch-done", ids: [1, 2], ok: [1, 0], values: [1, { name: "Error", message: "no" }] },
    ] as (ToWorker | FromWorker)[]
  ) {
    assert.ok(pool.write(message));
    assert.equal(worker.read(), message);
  }
});

test("a map chunk of scalars and its answer of successful outcomes go as words; a failure among them as JSON, a hole by postMessage", () => {
  const { pool, worker } = open();
  const items = [1, -0, Number.NaN, "two", "\uDC00", null, undefined, true, 2.5e300];
  const chunk: ToWorker = { t: "map", id: 3, fn: "echo", args: items };
  assert.is(pool.write(chunk), "ring");
  const read = worker.read() as Extract<ToWorker, { t: "map" }>;
  assert.equal(read, chunk);
  read.args.forEach((item, i) => assert.ok(Object.is(item, items[i]), String(items[i])));
  const done: FromWorker = { t: "done", id: 3, value: items.map((item) => [1, item]) };
  assert.ok(worker.write(done));
  const back = pool.read() as Extract<FromWorker, { t: "done" }>;
  assert.equal(back, done);
  (back.value as unknown[][]).forEach(([, item], i) => assert.ok(Object.is(item, items[i]), String(items[i])));
  for (const value of [[[1, 1], [0, { name: "Error", message: "no" }]], [[1, { a: 1 }]], []]) {
    assert.ok(worker.write({ t: "done", id: 4, value }));
    assert.equal((pool.read() as Extract<FromWorker, { t: "done" }>).value, value);
  }
  // A hole JSON would fill: left to postMessage, which keeps it.
  const hole = [1];
  hole.length = 2;
  assert.is(worker.write({ t: "done", id: 5, value: [[1, 1], hole] }), false);
});

test("a function's name goes in full once, then as its number: right in any order, past the 256 numbered, and after a refused write", () => {
  const { pool, worker } = open();
  const names = Array.from({ length: 300 }, (_, i) => `task${i}`);
  for (const lap of [0, 1, 2]) {
    names.forEach((fn, i) => {
      const message: ToWorker = i % 3 === 0
        ? { t: "batch", ids: [i, i + 1], fn, args: [lap, i] }
        : { t: "run", id: i, fn, arg: lap };
      assert.ok(pool.write(message));
      assert.equal(worker.read(), message, `${fn}, lap ${lap}`);
    });
  }
  // An empty name is a name too: numbered on both sides, or the names after it would be read as others.
  const other = open();
  for (const fn of ["", "next", "", "next"]) {
    const message: ToWorker = { t: "run", id: 1, fn, arg: 1 };
    assert.ok(other.pool.write(message));
    assert.equal(other.worker.read(), message, `"${fn}"`);
  }
  // A full ring refuses the task whose name it has not seen: the name is not numbered, and goes in full when it fits.
  const fresh = open();
  const quarter = new Uint8Array(RING_BYTES / 4 - 64);
  while (fresh.pool.write(run(quarter))) { /* fill */ }
  while (fresh.pool.write({ t: "run", id: 7, fn: "seen", arg: 1 })) { /* fill to the last word */ }
  const task: ToWorker = { t: "run", id: 7, fn: "unseen", arg: 1 };
  assert.is(fresh.pool.write(task), false);
  while (fresh.worker.read()) { /* drain */ }
  assert.ok(fresh.pool.write(task) && fresh.pool.write(task));
  assert.equal([fresh.worker.read(), fresh.worker.read()], [task, task]);
});

test("a side that says it is watching need not be rung for; one that is not must be", () => {
  const { pool, worker } = open();
  assert.is(pool.write(run(1)), "ring");
  worker.watch(true);
  assert.is(pool.write(run(2)), "sent");
  worker.watch(false);
  assert.is(pool.write(run(3)), "ring");
  assert.is(worker.write({ t: "done", id: 1, value: 1 }), "ring");
  pool.watch(true);
  assert.is(worker.write({ t: "done", id: 2, value: 2 }), "sent");
});

test("the ring wraps around without splitting a record, refuses what does not fit, and takes it once there is room", () => {
  const { pool, worker } = open();
  // Records of uneven sizes up to 64 KiB, over many laps, land across the ring's end.
  for (let i = 0; i < 400; i++) {
    const bytes = new Uint8Array(64 * 1024 - (i % 7) * 5000).fill(i & 255);
    assert.ok(pool.write(run(bytes)), `record ${i}`);
    const back = (worker.read() as { arg: Uint8Array }).arg;
    assert.is(back.length, bytes.length);
    assert.is(back[back.length - 1], i & 255);
  }
  // Full: the next message does not fit until the ring is read; a marker always does (messages leave it room).
  const full = new Uint8Array(64 * 1024);
  let written = 0;
  while (pool.write(run(full))) written++;
  assert.ok(written >= RING_BYTES / (64 * 1024 + 256) - 2, `${written} records of 64 KiB fill it`);
  pool.mark();
  while (worker.read() !== BY_PORT) { /* the records, then the marker */ }
  assert.ok(pool.write(run(full)));
});

test("up to 64 KiB of buffers and 8 K characters of JSON go through the ring; more go by postMessage, whose clone is faster", () => {
  const { pool, worker } = open();
  assert.ok(pool.write(run(new Uint8Array(64 * 1024).fill(7))));
  assert.equal((worker.read() as { arg: Uint8Array }).arg, new Uint8Array(64 * 1024).fill(7));
  assert.is(pool.write(run(new Uint8Array(64 * 1024 + 1))), false);
  assert.is(pool.write(run([new Uint8Array(40 * 1024), new Uint8Array(40 * 1024)])), false, "the sum counts");
  // JSON the same: a message of more than about 8 K characters goes by postMessage, whose clone copies strings faster.
  assert.ok(pool.write(run("x".repeat(8000))));
  assert.is((worker.read() as { arg: string }).arg, "x".repeat(8000));
  assert.is(pool.write(run("x".repeat(9000))), false);
  assert.is(pool.write(run(Array.from({ length: 9000 }, () => 0))), false, "every value counts");
});

test("more than 64 KiB of buffers go by postMessage as copies in its transfer list: the sender keeps its own, views keep their place", () => {
  const bytes = new Uint8Array(1 << 20).map((_, i) => i & 255);
  const whole = new ArrayBuffer(96 * 1024);
  new Uint8Array(whole)[96 * 1024 - 1] = 9;
  const view = new Float64Array(whole, 8, 4);
  view[0] = 1.5;
  const message: ToWorker = { t: "run", id: 3, fn: "echo", arg: { bytes, nested: [view, "text", 1], flag: true } };
  const moved = withCopiesMoved(message)!;
  assert.ok(moved !== undefined);
  const arg =
    (moved.message as { arg: { bytes: Uint8Array; nested: [Float64Array, string, number]; flag: boolean } }).arg;
  assert.equal(moved.transfer, [arg.bytes.buffer, arg.nested[0].buffer]);
  assert.ok(arg.bytes !== bytes && arg.bytes.buffer !== bytes.buffer, "a copy, not the sender's own");
  assert.equal(arg.bytes, bytes);
  // A view comes as structured clone gives it: its whole buffer copied, at its offset.
  assert.ok(arg.nested[0] instanceof Float64Array);
  assert.is(arg.nested[0].byteOffset, 8);
  assert.is(arg.nested[0].length, 4);
  assert.is(arg.nested[0][0], 1.5);
  assert.is(arg.nested[0].buffer.byteLength, 96 * 1024);
  assert.is(new Uint8Array(arg.nested[0].buffer)[96 * 1024 - 1], 9);
  assert.equal([arg.nested[1], arg.nested[2], arg.flag], ["text", 1, true]);
  // Moving the copies leaves the sender's buffers as they were.
  structuredClone(moved.message, { transfer: moved.transfer });
  assert.is(bytes.byteLength, 1 << 20);
  assert.is(whole.byteLength, 96 * 1024);
  assert.is(moved.transfer[0]!.byteLength, 0, "the copy itself moved");
});

test("what structured clone must copy itself is left to it: small buffers, shared ones, two views of one buffer, a Map, a detached buffer", () => {
  const big = () => new Uint8Array(128 * 1024);
  assert.is(withCopiesMoved(run(new Uint8Array(64 * 1024))), undefined, "64 KiB go through the ring");
  assert.is(withCopiesMoved(run("text")), undefined);
  const one = big();
  assert.is(withCopiesMoved(run([one, new Uint8Array(one.buffer, 10)])), undefined, "two views of one buffer share it");
  assert.is(
    withCopiesMoved(run(new Uint8Array(new SharedArrayBuffer(128 * 1024)))),
    undefined,
    "shared memory is shared",
  );
  assert.is(withCopiesMoved(run(new Map([[1, big()]]))), undefined);
  const detached = big();
  structuredClone(detached, { transfer: [detached.buffer] });
  assert.is(withCopiesMoved(run([detached, big()])), undefined, "structured clone names the detached buffer");
  const Resizable = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => ArrayBuffer;
  const resizable = new Resizable(128 * 1024, { maxByteLength: 256 * 1024 });
  if ((resizable as { resizable?: boolean }).resizable === true) {
    assert.is(withCopiesMoved(run(resizable)), undefined, "a resizable buffer stays resizable");
    assert.is(new SharedChannel("pool").write(run(new Resizable(16, { maxByteLength: 64 }))), false, "small ones too");
  }
});

test.run();
