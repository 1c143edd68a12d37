import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createPool, type Pool } from "../core/pool/pool.ts";
import { Barrier, BrokenBarrierError } from "../core/sync/barrier.ts";
import { Mutex, OwnershipError } from "../core/sync/mutex.ts";
import { BoundedSemaphore, Semaphore } from "../core/sync/semaphore.ts";
import { runSync, SYNC_SCHEMA } from "../experiments/sync/sync.ts";
import { createAdapter } from "../runtimes/detect.ts";

const adapter = await createAdapter();
const TASKS = new URL("./fixtures/sync_tasks.ts", import.meta.url);
let pool: Pool;

const stress = suite(`${RUNTIME}: sync primitives under stress, in 4 workers`);
stress.before(async () => {
  pool = await createPool({ adapter, size: 4, module: TASKS });
});
stress.after(() => pool.close());

stress("Mutex: 4 workers × 100,000 lock/unlock pairs leave the counter exact", async () => {
  const mutex = new Mutex();
  const counter = new SharedArrayBuffer(4);
  const shared = { mutex: mutex.buffer, counter, barrier: new Barrier(4).buffer, pairs: 100_000 };
  await Promise.all([0, 1, 2, 3].map(() => pool.run("hammer", shared)));
  assert.is(new Int32Array(counter)[0], 400_000);
  assert.not.ok(mutex.locked);
});

for (const Kind of [Semaphore, BoundedSemaphore]) {
  stress(`${Kind.name}(2): never more than 2 inside, as measured inside`, async () => {
    const semaphore = new Kind(2);
    const room = new SharedArrayBuffer(8);
    const shared = {
      semaphore: semaphore.buffer,
      bounded: Kind === BoundedSemaphore,
      room,
      barrier: new Barrier(4).buffer,
      rounds: 20_000,
    };
    await Promise.all([0, 1, 2, 3].map(() => pool.run("crowd", shared)));
    const [inside, most] = new Int32Array(room);
    assert.is(inside, 0);
    assert.ok(most! >= 1 && most! <= 2, `most inside: ${most}`);
    assert.is(semaphore.value, 2);
  });
}

stress("Barrier: 3 workers pass it 1,000 times, every generation complete", async () => {
  const barrier = new Barrier(3);
  const generations = 1000;
  const shared = { barrier: barrier.buffer, arrivals: new SharedArrayBuffer(4 * generations), parties: 3, generations };
  const incomplete = await Promise.all([0, 1, 2].map(() => pool.run<number[]>("meet", shared)));
  assert.equal(incomplete, [[], [], []]);
  assert.is(barrier.generation, generations);
});

stress(
  "a worker re-attaches a mutex from its buffer: the main thread sees it held, and lockAsync waits for it",
  async () => {
    const mutex = new Mutex();
    const gate = new Barrier(2);
    const held = pool.run("holdLock", { mutex: mutex.buffer, barrier: gate.buffer });
    await gate.waitAsync();
    assert.ok(mutex.locked);
    assert.not.ok(mutex.tryLock());
    let acquired = false;
    const waiting = mutex.lockAsync().then((ok) => (acquired = ok));
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.not.ok(acquired);
    await gate.waitAsync();
    await held;
    assert.ok(await waiting);
    mutex.unlock();
  },
);

stress("acquireAsync waits for a permit a worker gives back", async () => {
  const semaphore = new Semaphore(1);
  const gate = new Barrier(2);
  const held = pool.run("holdPermit", { semaphore: semaphore.buffer, barrier: gate.buffer });
  await gate.waitAsync();
  assert.is(semaphore.value, 0);
  const waiting = semaphore.acquireAsync();
  await gate.waitAsync();
  await held;
  assert.ok(await waiting);
  assert.is(semaphore.value, 0);
});

stress("unlock() by a non-owner throws OwnershipError, in another worker", async () => {
  const mutex = new Mutex();
  mutex.lock();
  const error = await pool.run<{ name: string; message: string } | null>("steal", { mutex: mutex.buffer });
  assert.is(error?.name, "OwnershipError");
  assert.match(error!.message, `held by handle ${mutex.id}`);
  assert.ok(mutex.locked);
  mutex.unlock();
});

stress("a lock held elsewhere times out in a worker and on the main thread", async () => {
  const mutex = new Mutex();
  mutex.lock();
  assert.is(await pool.run("lockWithin", { mutex: mutex.buffer, timeoutMs: 20 }), false);
  mutex.unlock();
  const gate = new Barrier(2);
  const held = pool.run("holdLock", { mutex: mutex.buffer, barrier: gate.buffer });
  await gate.waitAsync();
  const other = Mutex.from(mutex.buffer);
  assert.is(other.lock(20), false);
  assert.is(await other.lockAsync(20), false);
  await gate.waitAsync();
  await held;
  assert.is(other.lock(1000), true);
  other.unlock();
});

const single = suite(`${RUNTIME}: sync primitives, one thread`);

single("unlock() of an unlocked mutex, and a second lock() by the owner, throw", () => {
  const mutex = new Mutex();
  assert.throws(() => mutex.unlock(), (e: Error) => e instanceof OwnershipError && e.message.includes("not locked"));
  mutex.lock();
  assert.throws(() => mutex.lock(), /not reentrant/);
  mutex.unlock();
});

single("Semaphore allows releasing beyond its count; BoundedSemaphore refuses", () => {
  const plain = new Semaphore(1);
  plain.release();
  plain.release();
  assert.is(plain.value, 3);
  const bounded = new BoundedSemaphore(1);
  assert.throws(
    () => bounded.release(),
    (e: Error) => e instanceof RangeError && e.message.includes("released more often than acquired"),
  );
  assert.ok(bounded.tryAcquire());
  assert.not.ok(bounded.tryAcquire());
  assert.is(bounded.acquire(10), false);
  bounded.release();
  assert.is(bounded.value, 1);
});

single("a barrier wait that times out breaks it for everyone until reset()", async () => {
  const barrier = new Barrier(2);
  assert.throws(() => barrier.wait(10), (e: Error) => e instanceof BrokenBarrierError);
  await barrier.waitAsync(10).then(() => assert.unreachable(), (e) => assert.instance(e, BrokenBarrierError));
  barrier.reset();
  const single = new Barrier(1);
  assert.is(single.wait(), 0);
  assert.is(await single.waitAsync(), 0);
  assert.is(single.generation, 2);
});

single("a primitive is created in a zeroed buffer it is given, and attached from a used one", () => {
  const buffer = new SharedArrayBuffer(Semaphore.BYTES);
  const semaphore = new Semaphore(2, buffer);
  assert.is(semaphore.value, 2);
  assert.is(new Semaphore(5, buffer).value, 2);
  assert.is(Semaphore.from(buffer).value, 2);
  assert.is(new Mutex(new SharedArrayBuffer(64)).id, 1);
});

single("invalid use gets a clear error", () => {
  const cases: [() => unknown, typeof Error, string][] = [
    [() => new Semaphore(0), RangeError, '"permits" must be a positive integer, received 0'],
    [() => new BoundedSemaphore(1.5), RangeError, "received 1.5"],
    [() => new Barrier(-1), RangeError, '"parties" must be a positive integer, received -1'],
    [
      () => new Mutex(new ArrayBuffer(16) as unknown as SharedArrayBuffer),
      TypeError,
      "must be a SharedArrayBuffer, received ArrayBuffer",
    ],
    [() => new Mutex(new SharedArrayBuffer(4)), RangeError, "at least 16 bytes, received 4"],
    [() => Mutex.from(new Semaphore(1).buffer), TypeError, "holds a Semaphore"],
    [() => Semaphore.from(new SharedArrayBuffer(64)), TypeError, "holds no truepar primitive"],
    [() => Mutex.from(new SharedArrayBuffer(2)), TypeError, "holds no truepar primitive"],
    [() => BoundedSemaphore.from(new Semaphore(1).buffer), TypeError, "holds a Semaphore"],
    [() => Barrier.from(new Mutex().buffer), TypeError, "holds a Mutex"],
    [() => new Mutex().lock(-1), RangeError, '"timeoutMs" must be a non-negative number, received -1'],
    [() => new Mutex().lock(Number.NaN), RangeError, "received NaN"],
    [() => new Semaphore(1).acquire("5" as unknown as number), TypeError, '"timeoutMs" must be a number, received "5"'],
  ];
  for (const [make, type, text] of cases) {
    assert.throws(make, (e: Error) => e instanceof type && e.message.includes(text), text);
  }
});

single(
  "a Semaphore or Barrier with invalid options leaves its buffer untagged, so a valid one can be made in it",
  () => {
    for (
      const [make, bad] of [
        [(buffer: SharedArrayBuffer, n: number) => new Semaphore(n, buffer), 0],
        [(buffer: SharedArrayBuffer, n: number) => new BoundedSemaphore(n, buffer), -2],
        [(buffer: SharedArrayBuffer, n: number) => new Barrier(n, buffer), 1.5],
      ] as const
    ) {
      const buffer = new SharedArrayBuffer(64);
      assert.throws(() => make(buffer, bad), RangeError);
      assert.is(new Int32Array(buffer)[0], 0, "the buffer was left tagged");
      make(buffer, 2);
      assert.not.throws(() => make(buffer, 0), "attaching reads the creator's count, not its own argument");
    }
  },
);

const experiment = suite(`${RUNTIME}: runSync()`);

experiment("shows each pitfall and each fix, in the truepar.sync/1 shape", async () => {
  const record = await runSync({ adapter, iterations: 100_000, deposits: 50, stayMs: 500 });
  assert.is(record.schema, SYNC_SCHEMA);
  assert.is(record.runtime.name, RUNTIME);
  const { plain, atomic, mutex } = record.lostUpdates;
  assert.is(atomic.observed, 200_000);
  assert.is(mutex.observed, 200_000);
  assert.ok(plain.observed <= 200_000 && plain.lost === plain.expected - plain.observed);
  assert.equal(record.eventLoopRace, { deposits: 50, expected: 50, observed: 1, lost: 49 });
  assert.equal(record.thief.naive, { balance: 7, error: null });
  assert.is(record.thief.safe.balance, 1000);
  assert.match(record.thief.safe.error ?? "", "OwnershipError");
  assert.equal(record.semaphore.plain, { maxInside: 3, refused: false, error: null });
  assert.is(record.semaphore.bounded.maxInside, 1);
  assert.ok(record.semaphore.bounded.refused);
});

stress.run();
single.run();
experiment.run();
