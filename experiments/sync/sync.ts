/**
 * The `sync` experiment: where shared memory goes wrong — lost updates, a
 * lock any worker can release, an over-released semaphore — and the safe
 * primitives that fix it, on the runtime at hand.
 *
 * @module
 */

import type { HostInfo, RuntimeAdapter, RuntimeInfo } from "../../core/adapter.ts";
import { createPool } from "../../core/pool/pool.ts";
import { Barrier } from "../../core/sync/barrier.ts";
import type { CountMode } from "./demo_tasks.ts";
import { Mutex } from "../../core/sync/mutex.ts";
import { NaiveLock } from "./naive_lock.ts";
import { BoundedSemaphore, Semaphore } from "../../core/sync/semaphore.ts";
import { checkCount } from "../../core/_checks.ts";

/** The schema name of a sync record. */
export const SYNC_SCHEMA = "truepar.sync/1";

const DEMO_MODULE = new URL("./demo_tasks.ts", import.meta.url);
/** A task with a timeout goes alone to an idle worker: the parties of a demonstration must run at once, each in its own. */
const ALONE = { timeoutMs: 60_000 };
const VAULT = 1000;
const THEFT = 993;

/** Options for {@linkcode runSync}. */
export interface SyncOptions {
  adapter: RuntimeAdapter;
  /** Workers that race on the counter. Default 2. */
  workers?: number;
  /** Additions per worker. Default 1,000,000. */
  iterations?: number;
  /** Concurrent read-await-write updates on one event loop. Default 1000. */
  deposits?: number;
  /** How long a worker in the semaphore's room waits for the others. Default 100 ms. */
  stayMs?: number;
  /** Called as each of the seven demonstrations starts, with its name. */
  onStep?: (name: string) => void;
}

/** The demonstrations, in the order they run: what `onStep` reports. */
export const SYNC_STEPS: readonly string[] = [
  "plain ++",
  "Atomics.add",
  "Mutex",
  "naive lock",
  "Mutex with owner",
  "Semaphore",
  "BoundedSemaphore",
  "event loop",
];

/** What was expected and what was seen. */
export interface Tally {
  expected: number;
  observed: number;
  lost: number;
}

/** A count by several workers: the tally, and how long all their loops ran at once. */
export interface CountTally extends Tally {
  /** How long every worker's loop was running at the same time, ms: 0 where one ran only after another had ended. */
  overlapMs: number;
  /** Counts made: the plain `++` is counted again, up to 3 times, while it lost nothing (the loops did not overlap, or overlapped briefly). */
  attempts: number;
}

/** The record of the sync experiment (`truepar.sync/1`). */
export interface SyncRecord {
  schema: typeof SYNC_SCHEMA;
  runtime: RuntimeInfo;
  host: HostInfo;
  startedAt: string;
  lostUpdates: { workers: number; iterations: number } & Record<CountMode, Tally & Partial<CountTally>>;
  eventLoopRace: Tally & { deposits: number };
  thief: {
    vault: number;
    amount: number;
    naive: { balance: number; error: string | null };
    safe: { balance: number; error: string | null };
  };
  semaphore: {
    parties: number;
    extraReleases: number;
    plain: { maxInside: number; refused: boolean; error: string | null };
    bounded: { maxInside: number; refused: boolean; error: string | null };
  };
}

/**
 * Runs the four demonstrations in worker threads of the adapter's runtime.
 *
 * @param options The adapter and the sizes.
 * @returns The `truepar.sync/1` record.
 * @throws {RangeError} For sizes that are not positive integers.
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { runSync } from "./sync.ts";
 * import { createAdapter } from "../../runtimes/detect.ts";
 * const record = await runSync({ adapter: await createAdapter(), iterations: 10_000 });
 * assert.equal(record.thief.naive.balance, 7); // the naive lock let the thief in
 * assert.equal(record.thief.safe.balance, 1000); // the Mutex did not
 * ```
 */
export async function runSync(options: SyncOptions): Promise<SyncRecord> {
  const { adapter } = options;
  const workers = checkPositive("workers", options.workers ?? 2);
  const iterations = checkPositive("iterations", options.iterations ?? 1_000_000);
  const deposits = checkPositive("deposits", options.deposits ?? 1000);
  const stayMs = checkPositive("stayMs", options.stayMs ?? 100);
  const startedAt = new Date().toISOString();
  let step = 0;
  const next = () => options.onStep?.(SYNC_STEPS[step++]!);
  const pool = await createPool({ adapter, kind: "worker", size: Math.max(workers, 3), module: DEMO_MODULE });
  try {
    const count = async (mode: CountMode, attempts = 1): Promise<CountTally> => {
      if (attempts === 1) next();
      const counter = new SharedArrayBuffer(4);
      const shared = {
        counter,
        barrier: new Barrier(workers).buffer,
        mutex: new Mutex().buffer,
        mode,
        iterations,
        started: new SharedArrayBuffer(4),
        parties: workers,
      };
      const spans = await Promise.all(
        Array.from({ length: workers }, () => pool.run<[number, number]>("countUp", shared, ALONE)),
      );
      const overlapMs = Math.max(
        0,
        Math.min(...spans.map(([, end]) => end)) - Math.max(...spans.map(([start]) => start)),
      );
      // A race needs the loops to run at once: on a busy machine a worker may not be running at all while another counts.
      const counted = tally(workers * iterations, new Int32Array(counter)[0]!);
      // The race shows only where the loops ran at once, and then not every time: counted again, up to 3 times, while it lost nothing.
      if (mode === "plain" && counted.lost === 0 && attempts < 3) return await count(mode, attempts + 1);
      return { ...counted, overlapMs, attempts };
    };
    const lostUpdates = {
      workers,
      iterations,
      plain: await count("plain"),
      atomic: await count("atomic"),
      mutex: await count("mutex"),
    };

    const rob = async (safe: boolean) => {
      next();
      const bank = new Int32Array(new SharedArrayBuffer(4));
      bank[0] = VAULT;
      const shared = {
        lock: (safe ? new Mutex() : new NaiveLock()).buffer,
        bank: bank.buffer,
        barrier: new Barrier(2).buffer,
        safe,
      };
      const [, error] = await Promise.all([
        pool.run("guardVault", shared, ALONE),
        pool.run<string | null>("robVault", { ...shared, amount: THEFT }, ALONE),
      ]);
      return { balance: bank[0]!, error };
    };
    const thief = { vault: VAULT, amount: THEFT, naive: await rob(false), safe: await rob(true) };

    const room = async (bounded: boolean) => {
      next();
      const semaphore = bounded ? new BoundedSemaphore(1) : new Semaphore(1);
      let error: string | null = null;
      try {
        semaphore.release();
        semaphore.release();
      } catch (caught) {
        error = (caught as Error).message;
      }
      const cells = new Int32Array(new SharedArrayBuffer(8));
      const shared = {
        semaphore: semaphore.buffer,
        bounded,
        room: cells.buffer,
        barrier: new Barrier(3).buffer,
        parties: 3,
        stayMs,
      };
      await Promise.all([0, 1, 2].map(() => pool.run("enterRoom", shared, ALONE)));
      return { maxInside: cells[1]!, refused: error !== null, error };
    };
    const semaphore = { parties: 3, extraReleases: 2, plain: await room(false), bounded: await room(true) };

    next();
    const eventLoopRace = { deposits, ...(await raceOnEventLoop(deposits)) };
    await pool.close();
    return {
      schema: SYNC_SCHEMA,
      runtime: adapter.runtime,
      host: adapter.hostInfo(),
      startedAt,
      lostUpdates,
      eventLoopRace,
      thief,
      semaphore,
    };
  } catch (error) {
    // The other parties may be waiting at a barrier for the one that failed: end them rather than wait.
    await pool.terminate();
    throw error;
  }
}

/**
 * Read, await, write on one event loop: no threads, and updates are still lost.
 *
 * @param deposits How many concurrent deposits of 1.
 * @returns The expected and the observed balance.
 */
export async function raceOnEventLoop(deposits: number): Promise<Tally> {
  let balance = 0;
  const deposit = async () => {
    const read = balance;
    await new Promise((resolve) => setTimeout(resolve, 0)); // a database call, say
    balance = read + 1;
  };
  await Promise.all(Array.from({ length: deposits }, deposit));
  return tally(deposits, balance);
}

function tally(expected: number, observed: number): Tally {
  return { expected, observed, lost: expected - observed };
}

function checkPositive(name: string, value: number): number {
  return checkCount("Cannot run sync", name, value);
}
