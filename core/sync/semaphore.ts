/**
 * Counting semaphores on a SharedArrayBuffer: `Semaphore`, which, like
 * Python's, can be released more often than acquired, and
 * `BoundedSemaphore`, which refuses that.
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
  type PrimitiveKind,
  remainingMs,
  type Waiting,
} from "./_shared.ts";

const COUNT = 1;
const BOUND = 2;
const CELLS = 3; // cell 0 is the tag

/**
 * A counting semaphore. `release()` always adds a permit, even beyond the
 * initial count: that is the pitfall `BoundedSemaphore` closes.
 *
 * @example
 * ```ts
 * import { Semaphore } from "./semaphore.ts";
 * const semaphore = new Semaphore(1);
 * semaphore.acquire();
 * semaphore.release();
 * semaphore.release(); // allowed: now 2 can enter
 * console.log(semaphore.value); // 2
 * ```
 */
export class Semaphore {
  /** Bytes a semaphore needs in a buffer. */
  static readonly BYTES = CELLS * 4;
  protected readonly cells: Int32Array;

  /**
   * @param permits How many may hold it at once; at least 1. Ignored when attaching.
   * @param buffer A semaphore's buffer to attach to, or a zeroed one to create it in; a new one by default.
   * @param options `attachOnly` refuses a buffer that holds no semaphore yet.
   * @throws {RangeError} When `permits` is not a positive integer.
   * @throws {TypeError | RangeError} When the buffer is not shared, too small, or another primitive's.
   */
  constructor(permits: number, buffer?: SharedArrayBuffer, options: AttachOptions = {}) {
    const kind = this.kind();
    this.cells = attachCells(kind, CELLS, buffer, options.attachOnly, (view) => {
      if (!Number.isInteger(permits) || permits < 1) {
        throw new RangeError(`Cannot create ${kind}: "permits" must be a positive integer, received ${permits}`);
      }
      view[COUNT] = permits;
      view[BOUND] = permits;
    }).view;
  }

  /**
   * Attaches to a semaphore's buffer, sent from another thread.
   *
   * @param buffer The `buffer` of a semaphore.
   * @returns A handle on the same semaphore.
   */
  static from(buffer: SharedArrayBuffer): Semaphore {
    return new Semaphore(0, buffer, { attachOnly: true });
  }

  /** The shared buffer, to send to workers. */
  get buffer(): SharedArrayBuffer {
    return this.cells.buffer as SharedArrayBuffer;
  }

  /** Permits free now. */
  get value(): number {
    return Atomics.load(this.cells, COUNT);
  }

  /**
   * Takes a permit, blocking the thread while there is none.
   *
   * @param timeoutMs The longest wait; for ever by default.
   * @returns `true` once taken, `false` when the timeout passed first.
   */
  acquire(timeoutMs = Infinity): boolean {
    checkTimeout(`acquire ${this.kind()}`, timeoutMs);
    return this.tryAcquire() || block(this.cells, this.#waitForPermit(timeoutMs));
  }

  /**
   * Takes a permit without blocking the thread, on `Atomics.waitAsync`.
   *
   * @param timeoutMs The longest wait; for ever by default.
   * @returns `true` once taken, `false` when the timeout passed first.
   */
  async acquireAsync(timeoutMs = Infinity): Promise<boolean> {
    checkTimeout(`acquire ${this.kind()}`, timeoutMs);
    return this.tryAcquire() || await park(this.cells, this.#waitForPermit(timeoutMs));
  }

  *#waitForPermit(timeoutMs: number): Waiting<boolean> {
    const deadline = deadlineOf(timeoutMs);
    while (!this.tryAcquire()) {
      const remaining = remainingMs(deadline);
      if (remaining === 0) return false;
      yield { index: COUNT, value: 0, timeoutMs: remaining };
    }
    return true;
  }

  /**
   * Takes a permit if one is free.
   *
   * @returns Whether it took one.
   */
  tryAcquire(): boolean {
    let count = Atomics.load(this.cells, COUNT);
    while (count > 0) {
      const seen = Atomics.compareExchange(this.cells, COUNT, count, count - 1);
      if (seen === count) return true;
      count = seen;
    }
    return false;
  }

  /** Returns a permit and wakes one waiter. */
  release(): void {
    Atomics.add(this.cells, COUNT, 1);
    Atomics.notify(this.cells, COUNT, 1);
  }

  /** @internal The name in messages and the buffer's tag. */
  protected kind(): PrimitiveKind {
    return "Semaphore";
  }
}

/**
 * A semaphore that refuses to be released beyond its initial count, as
 * Python's `BoundedSemaphore` raises `ValueError`.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from "./semaphore.ts";
 * const semaphore = new BoundedSemaphore(1);
 * try { semaphore.release(); } catch (error) { console.log((error as Error).message); }
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /**
   * Attaches to a bounded semaphore's buffer, sent from another thread.
   *
   * @param buffer The `buffer` of a bounded semaphore.
   * @returns A handle on the same semaphore.
   */
  static override from(buffer: SharedArrayBuffer): BoundedSemaphore {
    return new BoundedSemaphore(0, buffer, { attachOnly: true });
  }

  /**
   * Returns a permit and wakes one waiter.
   *
   * @throws {RangeError} When every permit is already free: released more often than acquired.
   */
  override release(): void {
    const bound = Atomics.load(this.cells, BOUND);
    let count = Atomics.load(this.cells, COUNT);
    for (;;) {
      if (count >= bound) {
        throw new RangeError(
          `Cannot release BoundedSemaphore: all ${bound} permits are free already (released more often than acquired)`,
        );
      }
      const seen = Atomics.compareExchange(this.cells, COUNT, count, count + 1);
      if (seen === count) break;
      count = seen;
    }
    Atomics.notify(this.cells, COUNT, 1);
  }

  /** @internal */
  protected override kind(): PrimitiveKind {
    return "BoundedSemaphore";
  }
}
