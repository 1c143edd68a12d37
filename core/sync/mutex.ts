/**
 * A mutex on a SharedArrayBuffer that knows its owner: only the handle that
 * locked it can unlock it (Python's `Lock` has no owner, so any thread can).
 *
 * @module
 */

import {
  attachCells,
  type AttachOptions,
  block,
  checkTimeout,
  deadlineOf,
  park,
  remainingMs,
  type Waiting,
} from "./_shared.ts";

const STATE = 1; // 0 unlocked, 1 locked, 2 locked with waiters (Drepper, "Futexes Are Tricky")
const OWNER = 2; // the id of the handle holding it, 0 when unlocked
const NEXT_ID = 3; // hands out handle ids
const CELLS = 4; // cell 0 is the tag

/** An unlock by a handle that does not hold the lock. */
export class OwnershipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OwnershipError";
  }
}

/**
 * A futex-style mutex with an owner. Send `mutex.buffer` to a worker and
 * attach there with `Mutex.from(buffer)`: each handle is a distinct owner.
 *
 * @example
 * ```ts
 * import { Mutex } from "./mutex.ts";
 * const mutex = new Mutex();
 * mutex.lock();
 * const thief = Mutex.from(mutex.buffer);
 * try { thief.unlock(); } catch (error) { console.log((error as Error).name); } // OwnershipError
 * mutex.unlock();
 * ```
 */
export class Mutex {
  /** Bytes a mutex needs in a buffer. */
  static readonly BYTES = CELLS * 4;
  #cells: Int32Array;
  #id: number;

  /**
   * @param buffer A mutex's buffer to attach to, or a zeroed one to create it in; a new one by default.
   * @param options `attachOnly` refuses a buffer that holds no mutex yet.
   * @throws {TypeError | RangeError} When the buffer is not shared, too small, or another primitive's.
   */
  constructor(buffer?: SharedArrayBuffer, options: AttachOptions = {}) {
    this.#cells = attachCells("Mutex", CELLS, buffer, options.attachOnly).view;
    this.#id = Atomics.add(this.#cells, NEXT_ID, 1) + 1;
  }

  /**
   * Attaches to a mutex's buffer, as a new owner.
   *
   * @param buffer The `buffer` of a mutex, sent from another thread.
   * @returns A handle on the same mutex.
   */
  static from(buffer: SharedArrayBuffer): Mutex {
    return new Mutex(buffer, { attachOnly: true });
  }

  /** The shared buffer, to send to workers. */
  get buffer(): SharedArrayBuffer {
    return this.#cells.buffer as SharedArrayBuffer;
  }

  /** This handle's owner id. */
  get id(): number {
    return this.#id;
  }

  /** Whether some handle holds the lock. */
  get locked(): boolean {
    return Atomics.load(this.#cells, STATE) !== 0;
  }

  /**
   * Locks, blocking the thread while another handle holds it.
   *
   * @param timeoutMs The longest wait; for ever by default.
   * @returns `true` once locked, `false` when the timeout passed first.
   * @throws {Error} When this handle holds it already (it is not reentrant).
   */
  lock(timeoutMs = Infinity): boolean {
    checkTimeout("lock mutex", timeoutMs);
    return this.tryLock() || block(this.#cells, this.#contend(timeoutMs));
  }

  /**
   * Locks without blocking the thread (for a main thread), on `Atomics.waitAsync`.
   *
   * @param timeoutMs The longest wait; for ever by default.
   * @returns `true` once locked, `false` when the timeout passed first.
   */
  async lockAsync(timeoutMs = Infinity): Promise<boolean> {
    checkTimeout("lock mutex", timeoutMs);
    return this.tryLock() || await park(this.#cells, this.#contend(timeoutMs));
  }

  /** The slow path: mark the lock contended and wait until it is handed over. */
  *#contend(timeoutMs: number): Waiting<boolean> {
    if (Atomics.load(this.#cells, OWNER) === this.#id) {
      throw new Error(`Cannot lock mutex: this handle (${this.#id}) holds it already, and it is not reentrant`);
    }
    const deadline = deadlineOf(timeoutMs);
    while (Atomics.exchange(this.#cells, STATE, 2) !== 0) {
      const remaining = remainingMs(deadline);
      if (remaining === 0) return false;
      yield { index: STATE, value: 2, timeoutMs: remaining };
    }
    Atomics.store(this.#cells, OWNER, this.#id);
    return true;
  }

  /**
   * Locks if nobody holds it.
   *
   * @returns Whether it locked.
   */
  tryLock(): boolean {
    if (Atomics.compareExchange(this.#cells, STATE, 0, 1) !== 0) return false;
    Atomics.store(this.#cells, OWNER, this.#id);
    return true;
  }

  /**
   * Unlocks, waking one waiter.
   *
   * @throws {OwnershipError} When this handle does not hold the lock.
   */
  unlock(): void {
    const owner = Atomics.load(this.#cells, OWNER);
    if (owner !== this.#id) {
      throw new OwnershipError(
        owner === 0
          ? "Cannot unlock mutex: it is not locked"
          : `Cannot unlock mutex: it is held by handle ${owner}, not by this handle (${this.#id})`,
      );
    }
    Atomics.store(this.#cells, OWNER, 0);
    if (Atomics.sub(this.#cells, STATE, 1) !== 1) {
      Atomics.store(this.#cells, STATE, 0);
      Atomics.notify(this.#cells, STATE, 1);
    }
  }
}
