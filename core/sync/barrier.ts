/**
 * A reusable barrier on a SharedArrayBuffer: `parties` threads wait until all
 * have arrived, then all go on; a generation count makes it reusable.
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

const ARRIVED = 1;
const GENERATION = 2;
const PARTIES = 3;
const BROKEN = 4;
const CELLS = 5; // cell 0 is the tag

/** A barrier whose wait timed out: it stays broken for every party until `reset()`. */
export class BrokenBarrierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BrokenBarrierError";
  }
}

/**
 * A generation-counted, reusable barrier.
 *
 * @example
 * ```ts
 * import { Barrier } from "./barrier.ts";
 * const barrier = new Barrier(1);
 * console.log(barrier.wait(), barrier.wait()); // 0 0: one party, two generations
 * ```
 */
export class Barrier {
  /** Bytes a barrier needs in a buffer. */
  static readonly BYTES = CELLS * 4;
  #cells: Int32Array;

  /**
   * @param parties How many threads meet at it; at least 1. Ignored when attaching.
   * @param buffer A barrier's buffer to attach to, or a zeroed one to create it in; a new one by default.
   * @param options `attachOnly` refuses a buffer that holds no barrier yet.
   * @throws {RangeError} When `parties` is not a positive integer.
   */
  constructor(parties: number, buffer?: SharedArrayBuffer, options: AttachOptions = {}) {
    this.#cells = attachCells("Barrier", CELLS, buffer, options.attachOnly, (view) => {
      if (!Number.isInteger(parties) || parties < 1) {
        throw new RangeError(`Cannot create Barrier: "parties" must be a positive integer, received ${parties}`);
      }
      view[PARTIES] = parties;
    }).view;
  }

  /**
   * Attaches to a barrier's buffer, sent from another thread.
   *
   * @param buffer The `buffer` of a barrier.
   * @returns A handle on the same barrier.
   */
  static from(buffer: SharedArrayBuffer): Barrier {
    return new Barrier(0, buffer, { attachOnly: true });
  }

  /** The shared buffer, to send to workers. */
  get buffer(): SharedArrayBuffer {
    return this.#cells.buffer as SharedArrayBuffer;
  }

  /** How many generations have passed. */
  get generation(): number {
    return Atomics.load(this.#cells, GENERATION);
  }

  /**
   * Waits, blocking the thread, until every party has arrived.
   *
   * @param timeoutMs The longest wait; for ever by default.
   * @returns This party's arrival index, from 0 to parties − 1.
   * @throws {BrokenBarrierError} When the timeout passed, here or at another party.
   */
  wait(timeoutMs = Infinity): number {
    return block(this.#cells, this.#pass(timeoutMs));
  }

  /**
   * Waits without blocking the thread, on `Atomics.waitAsync`.
   *
   * @param timeoutMs The longest wait; for ever by default.
   * @returns This party's arrival index.
   * @throws {BrokenBarrierError} When the timeout passed, here or at another party.
   */
  waitAsync(timeoutMs = Infinity): Promise<number> {
    return park(this.#cells, this.#pass(timeoutMs));
  }

  /** Mends a broken barrier; only when no party is waiting. */
  reset(): void {
    Atomics.store(this.#cells, ARRIVED, 0);
    Atomics.store(this.#cells, BROKEN, 0);
  }

  /** Arrives; the last party to arrive opens the next generation, the others wait for it. */
  *#pass(timeoutMs: number): Waiting<number> {
    checkTimeout("wait at barrier", timeoutMs);
    const deadline = deadlineOf(timeoutMs);
    this.#checkBroken(Infinity);
    const generation = Atomics.load(this.#cells, GENERATION);
    const index = Atomics.add(this.#cells, ARRIVED, 1);
    if (index + 1 === Atomics.load(this.#cells, PARTIES)) {
      Atomics.store(this.#cells, ARRIVED, 0);
      Atomics.add(this.#cells, GENERATION, 1);
      Atomics.notify(this.#cells, GENERATION);
      return index;
    }
    while (Atomics.load(this.#cells, GENERATION) === generation) {
      this.#checkBroken(deadline);
      yield { index: GENERATION, value: generation, timeoutMs: remainingMs(deadline) };
    }
    return index;
  }

  #checkBroken(deadline: number): void {
    if (Atomics.load(this.#cells, BROKEN) === 0 && remainingMs(deadline) > 0) return;
    Atomics.store(this.#cells, BROKEN, 1);
    Atomics.notify(this.#cells, GENERATION);
    throw new BrokenBarrierError("Cannot pass barrier: it is broken (a wait timed out); reset() it");
  }
}
