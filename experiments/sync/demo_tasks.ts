/**
 * The worker side of the `sync` experiment: each function runs in its own
 * worker and meets the others at a barrier, so they really overlap.
 *
 * @module
 */

import { Barrier } from "../../core/sync/barrier.ts";

/** A party that never comes (its task failed) breaks the barrier after this long, rather than leave the others waiting for ever. */
const MEET_TIMEOUT_MS = 10_000;
import { Mutex, OwnershipError } from "../../core/sync/mutex.ts";
import { NaiveLock } from "./naive_lock.ts";
import { BoundedSemaphore, Semaphore } from "../../core/sync/semaphore.ts";

/**
 * Raises `cells[index]` to `value` if it is lower, atomically: a running maximum.
 *
 * @param cells Shared cells.
 * @param index The cell holding the maximum.
 * @param value The candidate.
 */
export function raiseTo(cells: Int32Array, index: number, value: number): void {
  let current = Atomics.load(cells, index);
  while (value > current) {
    const seen = Atomics.compareExchange(cells, index, current, value);
    if (seen === current) return;
    current = seen;
  }
}

/** How `countUp` adds: a plain `++`, `Atomics.add`, or `++` under the mutex. */
export type CountMode = "plain" | "atomic" | "mutex";

/**
 * Adds 1 to a shared counter `iterations` times.
 *
 * @returns When its loop started and ended, ms on the clock every thread shares
 *   (`performance.timeOrigin` + `performance.now()`); the counter holds the result.
 */
export function countUp(
  { counter, barrier, mutex, mode, iterations, started, parties = 0 }: {
    counter: SharedArrayBuffer;
    barrier: SharedArrayBuffer;
    mutex: SharedArrayBuffer;
    mode: CountMode;
    iterations: number;
    /** One cell: how many have left the barrier. Where given, each spins until all `parties` have, so none starts its loop while another is still waking. */
    started?: SharedArrayBuffer;
    parties?: number;
  },
): [number, number] {
  const cells = new Int32Array(counter);
  const lock = Mutex.from(mutex);
  Barrier.from(barrier).wait(MEET_TIMEOUT_MS);
  if (started !== undefined) {
    // Waking from the barrier takes 10–100 µs, as long as a short loop: the last to arrive would be done before the others start.
    const left = new Int32Array(started);
    Atomics.add(left, 0, 1);
    const deadline = performance.now() + MEET_TIMEOUT_MS;
    while (Atomics.load(left, 0) < parties && performance.now() < deadline);
  }
  const start = performance.timeOrigin + performance.now();
  if (mode === "plain") {
    for (let i = 0; i < iterations; i++) cells[0]!++;
  } else if (mode === "atomic") {
    for (let i = 0; i < iterations; i++) Atomics.add(cells, 0, 1);
  } else {
    for (let i = 0; i < iterations; i++) {
      lock.lock();
      cells[0]!++;
      lock.unlock();
    }
  }
  return [start, performance.timeOrigin + performance.now()];
}

interface VaultShared {
  lock: SharedArrayBuffer;
  bank: SharedArrayBuffer;
  barrier: SharedArrayBuffer;
  safe: boolean;
}

function attachLock(shared: VaultShared): { lock(): void; unlock(): void } {
  if (!shared.safe) return new NaiveLock(shared.lock);
  const mutex = Mutex.from(shared.lock);
  return { lock: () => void mutex.lock(), unlock: () => mutex.unlock() };
}

/** The owner: holds the vault's lock while the thief tries, then lets go. */
export function guardVault(shared: VaultShared): void {
  const lock = attachLock(shared);
  const barrier = Barrier.from(shared.barrier);
  lock.lock();
  barrier.wait(MEET_TIMEOUT_MS); // the thief may try now
  barrier.wait(MEET_TIMEOUT_MS); // the thief is done
  try {
    lock.unlock();
  } catch (error) {
    // The naive lock was unlocked by the thief already: nothing to give back.
    if (!(error instanceof OwnershipError)) throw error;
  }
}

/**
 * The thief: unlocks a vault it never locked, then withdraws 993.
 *
 * @returns The error that stopped it, or `null` when the theft worked.
 */
export function robVault(shared: VaultShared & { amount: number }): string | null {
  const lock = attachLock(shared);
  const barrier = Barrier.from(shared.barrier);
  const bank = new Int32Array(shared.bank);
  barrier.wait(MEET_TIMEOUT_MS);
  let error: string | null = null;
  try {
    lock.unlock();
    lock.lock();
    bank[0] = bank[0]! - shared.amount;
    lock.unlock();
  } catch (caught) {
    error = `${(caught as Error).name}: ${(caught as Error).message}`;
  }
  barrier.wait(MEET_TIMEOUT_MS);
  return error;
}

/**
 * Enters a room guarded by a semaphore meant to admit one at a time, and
 * stays until everyone is inside or `stayMs` passes, recording the most
 * ever inside together.
 */
export function enterRoom(
  { semaphore, bounded, room, barrier, parties, stayMs }: {
    semaphore: SharedArrayBuffer;
    bounded: boolean;
    room: SharedArrayBuffer;
    barrier: SharedArrayBuffer;
    parties: number;
    stayMs: number;
  },
): void {
  const guard = bounded ? BoundedSemaphore.from(semaphore) : Semaphore.from(semaphore);
  const cells = new Int32Array(room); // [inside, most inside]
  Barrier.from(barrier).wait(MEET_TIMEOUT_MS);
  guard.acquire();
  raiseTo(cells, 1, Atomics.add(cells, 0, 1) + 1);
  Atomics.notify(cells, 0);
  const deadline = performance.now() + stayMs;
  for (let now = Atomics.load(cells, 0); now < parties && performance.now() < deadline; now = Atomics.load(cells, 0)) {
    Atomics.wait(cells, 0, now, deadline - performance.now());
  }
  Atomics.sub(cells, 0, 1);
  Atomics.notify(cells, 0);
  guard.release();
}
