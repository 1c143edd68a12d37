/**
 * One round of bench/pool.ts, for one pool or for the limits no pool can
 * pass: the scenarios, their constants, and the pools they are run on. Each
 * pool's rounds run in a process of their own (bench/_pool_round.ts), so no
 * pool's figures carry what another left behind in a process: its heap, its
 * compiled code, its threads.
 *
 * @module
 */

import os from "node:os";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { RuntimeAdapter } from "../core/adapter.ts";
import { createPool } from "../core/pool/pool.ts";
import { median } from "../core/measure/stats.ts";
import { COMPETITORS } from "./_flags.ts";

export const TASKS = new URL("./_pool_tasks.mjs", import.meta.url);
export const WORKERS = 2;
export const NOOP_TASKS = 100_000;
/**
 * No-op tasks a few at a time: groups of this many awaited together, as a
 * program awaits the calls of one request (Knitting publishes 100 calls in
 * flight), `NOOP_GROUPS` groups timed after `NOOP_GROUPS_WARM_UP` untimed.
 * They run before the 100,000 no-ops: the collector's work on those, on its
 * own threads, took a core from the pool's threads for ~150 ms after them
 * here (read from /proc/self/task: the pool's thread and its worker waited
 * 25–43 ms to run during 300 groups).
 */
export const NOOP_GROUP = 100;
export const NOOP_GROUPS = 200;
export const NOOP_GROUPS_WARM_UP = 100;
export const SMALL_TASKS = 10_000;
export const SMALL_TASK_US = 50;
/**
 * Round trips one at a time: this many, or as many as end within the time
 * limit; the first half warms up, as in the bare ping-pong (a pool just made
 * took 15,000–20,000 trips to settle at its steady round trip here, on every
 * runtime: its code is compiled as it runs).
 */
export const ROUND_TRIPS = 60_000;
export const WARM_UP = 1 / 2;
export const ROUND_TRIP_MAX_MS = 2000;
/**
 * The echo: a 1 MiB payload, copied to the worker and back, this many tasks
 * with this many in flight, or as many as end within the time limit; first,
 * untimed, the warm-up's many the same way (the path a megabyte takes is
 * compiled as it runs, as the round trip's is: cold, truepar's first 200 echoes
 * on a pool just made ran 0.5–0.7x as fast as the next 200 on Deno and Bun
 * here, 0.7–1.0x on Node).
 */
export const ECHO_BYTES = 1 << 20;
export const ECHO_TASKS = 200;
export const ECHO_WARM_UP = 200;
export const ECHO_IN_FLIGHT = 8;
export const ECHO_MAX_MS = 2000;
/** Under load: small tasks arriving at this share of the workers' capacity, each millisecond's due at once, for this long. */
export const LOAD_SHARE = 0.5;
export const LOAD_MS = 500;
/** The bare ping-pong: round trips per sample. */
export const PING_PONGS = 60_000;
/** The copy limit: one thread copying the echo's payload into a buffer of its own, this many times a sample. */
export const COPIES = 400;

/** The idle spell's settling, once a pool has answered everything: its spin window passes. */
export const IDLE_SETTLE_MS = 100;
/** truepar's latency mode: idle workers and this thread stay awake this long. */
export const SPIN_MICROS = 50;

/** What a round is asked to do: its one argument, as JSON. */
export type RoundSpec =
  /** Whether a pool runs here at all: 1,000 no-op tasks in flight, within 10 s. */
  | { kind: "probe"; pool: string }
  /** Every scenario on one pool, made fresh; the idle spell when `idleMs` is given. */
  | { kind: "pool"; pool: string; smallIterations: number; loadRate: number; idleMs?: number }
  /** The limits, no pool: the no-messaging run, the copies, the promises, the bare ping-pongs. */
  | { kind: "limits"; smallIterations: number };

/** What a round measured: samples by `pool|scenario`, and the round trips and latencies behind the p99s. */
export interface RoundOutcome {
  samples: Record<string, number>;
  /** Each round trip, µs, by the pool (or bare ping-pong) that made it. */
  roundTrips: Record<string, number[]>;
  loadLatencies: number[];
  /** The limits' round: both workers' shares of the small tasks with no messaging, ms. */
  noMessagingMs?: number;
}

/** The little a pool must do for these scenarios. */
interface BenchPool {
  run(name: string, arg: unknown): Promise<unknown>;
  map?(name: string, args: unknown[]): Promise<unknown[]>;
  /** Runs a task whose argument's buffer is moved to the worker, not copied (where the pool can). */
  moving?(name: string, arg: Uint8Array): Promise<unknown>;
  close(): Promise<void>;
}

type PoolMaker = () => Promise<BenchPool>;

/**
 * Runs one round in this process.
 *
 * @param adapter This runtime's adapter.
 * @param spec What to run.
 * @returns What it measured.
 */
export async function runRound(adapter: RuntimeAdapter, spec: RoundSpec): Promise<RoundOutcome> {
  const outcome: RoundOutcome = { samples: {}, roundTrips: {}, loadLatencies: [] };
  if (spec.kind === "probe") await probe(await maker(adapter, spec.pool));
  else if (spec.kind === "pool") await poolRound(adapter, spec, await maker(adapter, spec.pool), outcome);
  else await limits(adapter, spec.smallIterations, outcome);
  return outcome;
}

/** A probe of the scenarios' shape: many tasks in flight at once, not just one. */
async function probe(make: PoolMaker): Promise<void> {
  const pool = await make();
  const answers = await withTimeout(
    Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run("noop", i))),
    10_000,
    "1,000 no-op tasks in flight did not finish within 10 s",
  );
  await withTimeout(pool.close(), 5000, "it did not close within 5 s");
  if (!answers.every((answer, i) => answer === i)) throw new Error("no-op tasks did not return their arguments");
}

/** The maker of a pool by its name: truepar's two, or another's. */
async function maker(adapter: RuntimeAdapter, name: string): Promise<PoolMaker> {
  if (name === "truepar" || name === "truepar-spin") {
    const spinMicros = name === "truepar" ? 0 : SPIN_MICROS;
    return async () => {
      const pool = await createPool({ adapter, size: WORKERS, module: TASKS, spinMicros });
      return {
        run: (fn, arg) => pool.run(fn, arg),
        moving: (fn, arg) => pool.run(fn, arg, { transfer: [arg.buffer as ArrayBuffer] }),
        map: (fn, args) => pool.map(fn, args),
        close: () => pool.close(),
      };
    };
  }
  if (!(COMPETITORS as readonly string[]).includes(name)) throw new RangeError(`no pool is named ${name}`);
  return await loadCompetitor(name as (typeof COMPETITORS)[number]);
}

/** The echo's payload: 1 MiB, each byte its index's low 8 bits. */
const PAYLOAD = new Uint8Array(ECHO_BYTES).map((_, i) => i & 255);

/** Every scenario on one pool, made fresh; and the cold burst on another. */
async function poolRound(
  adapter: RuntimeAdapter,
  { pool: name, smallIterations, loadRate, idleMs }: Extract<RoundSpec, { kind: "pool" }>,
  make: PoolMaker,
  outcome: RoundOutcome,
): Promise<void> {
  const keep = (key: string, value: number) => void (outcome.samples[key] = value);
  const pool = await make();
  try {
    // Warm-up, untimed: every pool's workers get to optimize both tasks first.
    await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.run("noop", i)));
    await Promise.all(Array.from({ length: 4000 }, () => pool.run("work", smallIterations)));
    // A few at a time first, before the 100,000 no-ops leave the collector work that competes for the cores.
    let start = 0;
    for (let group = -NOOP_GROUPS_WARM_UP; group < NOOP_GROUPS; group++) {
      if (group === 0) start = performance.now();
      await Promise.all(Array.from({ length: NOOP_GROUP }, (_, i) => pool.run("noop", i)));
    }
    keep(`${name}|noop-group`, (NOOP_GROUP * NOOP_GROUPS) / ((performance.now() - start) / 1000));
    const cpuBefore = await readCpu(adapter, "start");
    start = performance.now();
    await Promise.all(Array.from({ length: NOOP_TASKS }, (_, i) => pool.run("noop", i)));
    keep(`${name}|noop`, NOOP_TASKS / ((performance.now() - start) / 1000));
    // The pool's own cost per task: every thread's CPU time (this one's, the workers'), not the wall clock.
    keep(`${name}|noop-cpu`, ((await readCpu(adapter, "end")) - cpuBefore) * 1000 / NOOP_TASKS);
    if (pool.map) {
      // The same no-op calls as items of one map(): many calls to a message, one promise for them all.
      const items = Array.from({ length: NOOP_TASKS }, (_, i) => i);
      start = performance.now();
      await pool.map("noop", items);
      keep(`${name}|noop-map`, NOOP_TASKS / ((performance.now() - start) / 1000));
    }

    start = performance.now();
    await Promise.all(Array.from({ length: SMALL_TASKS }, () => pool.run("work", smallIterations)));
    keep(`${name}|small-cpu`, performance.now() - start);

    if (pool.map) {
      start = performance.now();
      await pool.map("work", Array.from({ length: SMALL_TASKS }, () => smallIterations));
      keep(`${name}|small-cpu-map`, performance.now() - start);
    }

    const trips: number[] = [];
    const until = performance.now() + ROUND_TRIP_MAX_MS;
    for (let i = 0; i < ROUND_TRIPS && performance.now() < until; i++) {
      const sent = performance.now();
      await pool.run("noop", i);
      trips.push((performance.now() - sent) * 1000);
    }
    // The first half warms both sides up (the caller's loop too), as the bare ping-pong's does.
    trips.splice(0, Math.floor(trips.length * WARM_UP));
    outcome.roundTrips[name] = trips;
    keep(`${name}|round-trip`, median(trips));

    await echoes(pool, false, ECHO_WARM_UP);
    start = performance.now();
    const echoed = await echoes(pool);
    keep(`${name}|echo-1mb`, (echoed * ECHO_BYTES) / ((performance.now() - start) / 1000) / 1e9);
    if (pool.moving) {
      await echoes(pool, true, ECHO_WARM_UP);
      start = performance.now();
      const moved = await echoes(pool, true);
      keep(`${name}|echo-1mb-transfer`, (moved * ECHO_BYTES) / ((performance.now() - start) / 1000) / 1e9);
    }

    const latencies = await underLoad(pool, smallIterations, loadRate);
    outcome.loadLatencies = latencies;
    keep(`${name}|under-load`, median(latencies));

    // Idle, where asked (once, in the last round): cores burned per worker while nothing is asked of it.
    if (idleMs !== undefined) keep(`${name}|idle`, await idleCores(adapter, idleMs));
  } finally {
    await withTimeout(pool.close(), 5000, "its pool did not close within 5 s");
  }
  // The lazy-spawn problem: 2 × cores tasks on a pool just made.
  const start = performance.now();
  const cold = await make();
  await Promise.all(Array.from({ length: 2 * os.cpus().length }, () => cold.run("work", smallIterations * 100)));
  keep(`${name}|cold-burst`, performance.now() - start);
  await withTimeout(cold.close(), 5000, "its pool did not close within 5 s");
}

/** The limits, no pool: each worker's share with no messaging, the copies, the promises, the bare ping-pongs. */
async function limits(adapter: RuntimeAdapter, smallIterations: number, outcome: RoundOutcome): Promise<void> {
  outcome.noMessagingMs = await noMessaging(adapter, smallIterations);
  outcome.samples["bare-copy|copy-1mb"] = copyRate(false);
  outcome.samples["bare-copy-fresh|copy-1mb"] = copyRate(true);
  outcome.samples["bare-promises|noop"] = await promiseRate();
  for (const how of ["wait", "spin", "spin-await"] as const) {
    const trips = await pingPong(adapter, how);
    outcome.roundTrips[`bare-atomics-${how}`] = trips;
    outcome.samples[`bare-atomics-${how}|round-trip`] = median(trips);
  }
}

async function loadCompetitor(name: (typeof COMPETITORS)[number]): Promise<PoolMaker> {
  const filename = TASKS.href;
  switch (name) {
    case "piscina": {
      const { Piscina } = await import("piscina");
      return () => {
        const pool = new Piscina({ filename, minThreads: WORKERS, maxThreads: WORKERS, idleTimeout: 60_000 });
        return Promise.resolve({
          run: (fn: string, arg: unknown) => pool.run(arg, { name: fn }),
          close: () => pool.destroy(),
        });
      };
    }
    case "tinypool": {
      const { Tinypool } = await import("tinypool");
      return () => {
        const pool = new Tinypool({ filename, minThreads: WORKERS, maxThreads: WORKERS, idleTimeout: 60_000 });
        return Promise.resolve({
          run: (fn: string, arg: unknown) => pool.run(arg, { name: fn }),
          close: () => pool.destroy(),
        });
      };
    }
    case "poolifier": {
      // Its worker file wraps the same tasks in poolifier's ThreadWorker; its defaults, as its own cross-pool benchmark uses them.
      const { FixedThreadPool } = await import("poolifier");
      const worker = fileURLToPath(new URL("./_poolifier_worker.mjs", import.meta.url));
      return () => {
        const pool = new FixedThreadPool(WORKERS, worker);
        return Promise.resolve({
          run: (fn: string, arg: unknown) => pool.execute(arg, fn),
          close: () => pool.destroy(),
        });
      };
    }
    case "workerpool": {
      const { default: workerpool } = await import("workerpool");
      const worker = fileURLToPath(new URL("./_workerpool_worker.mjs", import.meta.url));
      return () => {
        const pool = workerpool.pool(worker, { minWorkers: WORKERS, maxWorkers: WORKERS, workerType: "thread" });
        return Promise.resolve({
          run: (fn: string, arg: unknown) => Promise.resolve(pool.exec(fn, [arg])),
          close: () => pool.terminate().then(() => {}),
        });
      };
    }
  }
}

/**
 * Echoes the PAYLOAD `tasks` times, `ECHO_IN_FLIGHT` at a time, or as
 * many times as end within `ECHO_MAX_MS` (a pool that copies slowly would
 * hold the bench for minutes); checks what came back; returns how many.
 * `moving`: each lane sends its own copy of the PAYLOAD in the task's
 * `transfer` list, so it moves to the worker; the answer (a copy) is what
 * the lane moves next time.
 */
async function echoes(pool: BenchPool, moving = false, tasks = ECHO_TASKS): Promise<number> {
  let next = 0;
  let done = 0;
  const until = performance.now() + ECHO_MAX_MS;
  const lane = async () => {
    let bytes: Uint8Array = moving ? PAYLOAD.slice() : PAYLOAD;
    while (next++ < tasks && performance.now() < until) {
      const back = await (moving ? pool.moving!("echo", bytes) : pool.run("echo", bytes)) as Uint8Array;
      if (back.byteLength !== ECHO_BYTES || back[ECHO_BYTES - 1] !== PAYLOAD[ECHO_BYTES - 1]) {
        throw new Error("the echo came back changed");
      }
      if (moving && bytes.byteLength !== 0) throw new Error("a buffer in transfer was copied, not moved");
      if (moving) bytes = back;
      done++;
    }
  };
  await Promise.all(Array.from({ length: ECHO_IN_FLIGHT }, lane));
  return done;
}

/**
 * Small tasks arriving at `loadRate` per ms: every millisecond or so the
 * tasks due by then are sent. Returns each task's latency, µs, from when it
 * was due (so a late send counts against the pool, not for it) to its answer.
 */
async function underLoad(pool: BenchPool, smallIterations: number, loadRate: number): Promise<number[]> {
  const latencies: number[] = [];
  const answers: Promise<void>[] = [];
  const total = Math.round(loadRate * LOAD_MS);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) * loadRate) + 1);
    for (; sent < due; sent++) {
      const dueAt = start + sent / loadRate;
      answers.push(
        pool.run("work", smallIterations).then(() => void latencies.push((performance.now() - dueAt) * 1000)),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(answers);
  return latencies;
}

/** The small tasks with no messaging: each worker of a truepar pool runs its share in one loop, all at once; ms. */
async function noMessaging(adapter: RuntimeAdapter, smallIterations: number): Promise<number> {
  const pool = await createPool({ adapter, size: WORKERS, module: TASKS });
  try {
    const share = { iterations: smallIterations, count: SMALL_TASKS / WORKERS };
    // Once to warm the loop up, then timed.
    await Promise.all(Array.from({ length: WORKERS }, () => pool.run("workAlone", { ...share, count: 200 })));
    const start = performance.now();
    await Promise.all(Array.from({ length: WORKERS }, () => pool.run("workAlone", share)));
    return performance.now() - start;
  } finally {
    await pool.close();
  }
}

/**
 * The ceiling: this thread and one worker hand a value back and forth through
 * a SharedArrayBuffer, `PING_PONGS` times, blocking in `Atomics.wait` or
 * spinning on `Atomics.load`; no pool in between. The worker is a truepar
 * pool's, running `pong` as its one task. `spin-await`: spinning, and this
 * side makes a promise for each answer, settles it and awaits it, the least
 * an API that returns a promise adds to a round trip. Returns each round
 * trip, µs.
 */
async function pingPong(adapter: RuntimeAdapter, how: "wait" | "spin" | "spin-await"): Promise<number[]> {
  const spin = how !== "wait";
  const pool = await createPool({ adapter, size: 1, module: TASKS });
  try {
    const shared = new SharedArrayBuffer(12);
    const cell = new Int32Array(shared);
    const served = pool.run<number>("pong", { shared, rounds: PING_PONGS, spin });
    if (Atomics.wait(cell, 2, 0, 10_000) === "timed-out") {
      throw new Error("the ping-pong worker did not start within 10 s");
    }
    const trips: number[] = new Array(PING_PONGS);
    for (let round = 0; round < PING_PONGS; round++) {
      const ping = 2 * round + 1;
      const sent = performance.now();
      Atomics.store(cell, 0, ping);
      if (how === "spin-await") {
        let answer!: (value: number) => void;
        const answered = new Promise<number>((resolve) => (answer = resolve));
        while (Atomics.load(cell, 0) !== ping + 1);
        answer(cell[1]!);
        await answered;
      } else if (spin) {
        while (Atomics.load(cell, 0) !== ping + 1);
      } else {
        Atomics.notify(cell, 0);
        while (Atomics.load(cell, 0) !== ping + 1) Atomics.wait(cell, 0, ping);
      }
      trips[round] = (performance.now() - sent) * 1000;
    }
    if (await served !== PING_PONGS || cell[1] !== PING_PONGS) throw new Error("the ping-pong lost a hand-off");
    // The first half warms both sides up.
    return trips.slice(Math.floor(PING_PONGS * WARM_UP));
  } finally {
    await pool.close();
  }
}

/** This process's CPU time, ms: every thread's, workers' included (and children's, where the adapter reads them). */
async function readCpu(adapter: RuntimeAdapter, edge: "start" | "end"): Promise<number> {
  if (adapter.readCpu !== undefined) return (await adapter.readCpu(edge)).ms;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Cores a pool's workers burn while idle: the process's CPU time over
 * `idleMs` with nothing asked of the pool, once any spin window has passed,
 * per worker (this thread, waiting on a timer, burns next to nothing).
 */
async function idleCores(adapter: RuntimeAdapter, idleMs: number): Promise<number> {
  await sleep(IDLE_SETTLE_MS);
  const before = await readCpu(adapter, "start");
  const start = performance.now();
  await sleep(idleMs);
  const cpuMs = (await readCpu(adapter, "end")) - before;
  return cpuMs / (performance.now() - start) / WORKERS;
}

/**
 * The copy limit: GB/s of one thread copying the PAYLOAD, `COPIES` times,
 * into one buffer of its own (the bytes stay in the caches), or, `fresh`,
 * into a new buffer each time (`slice()`: what a receiver that owns what it
 * receives must do at least once).
 */
function copyRate(fresh: boolean): number {
  const into = new Uint8Array(ECHO_BYTES);
  let last = into;
  const copy = () => fresh ? (last = PAYLOAD.slice()) : into.set(PAYLOAD);
  for (let i = 0; i < 20; i++) copy();
  const start = performance.now();
  for (let i = 0; i < COPIES; i++) copy();
  const seconds = (performance.now() - start) / 1000;
  if (last[ECHO_BYTES - 1] !== PAYLOAD[ECHO_BYTES - 1]) throw new Error("the copy came out changed");
  return (COPIES * ECHO_BYTES) / seconds / 1e9;
}

/**
 * The limit of one promise per task: `NOOP_TASKS` promises made (each its
 * resolve kept, the least a `run()` that returns a promise does), awaited
 * together with `Promise.all` and settled a turn later, as the no-op
 * scenario does, with no pool and no worker. No pool whose `run()` returns a
 * promise can pass it. Warmed up as every pool is, by the same many untimed
 * first: the first burst in a round ran at about half the rate of the next
 * two on Node here (1.5–1.7M/s against 2.5–3.3M/s, in bench:pool on 2 cores).
 */
async function promiseRate(): Promise<number> {
  await promiseBurst();
  return await promiseBurst();
}

/** One burst of {@linkcode promiseRate}: promises per second. */
async function promiseBurst(): Promise<number> {
  const settle = new Array<(value: number) => void>(NOOP_TASKS);
  const promises = new Array<Promise<number>>(NOOP_TASKS);
  const start = performance.now();
  for (let i = 0; i < NOOP_TASKS; i++) promises[i] = new Promise((resolve) => (settle[i] = resolve));
  const all = Promise.all(promises);
  await sleep(0);
  for (let i = 0; i < NOOP_TASKS; i++) settle[i]!(i);
  await all;
  return NOOP_TASKS / ((performance.now() - start) / 1000);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]).finally(() => clearTimeout(timer));
}
