/**
 * THE DEMO, NOT FOR USE: a lock with no owner, as hand-written SharedArrayBuffer
 * locks often are and as Python's `Lock` is. Any thread can unlock it, even
 * one that never locked it: that is how the thief of the `sync` experiment
 * empties a vault it does not hold. Use {@linkcode Mutex} instead.
 *
 * @module
 */

import { attachCells } from "../../core/sync/_shared.ts";

const STATE = 1;
const CELLS = 2;

/** An owner-less spin-then-wait lock, kept to demonstrate what goes wrong. */
export class NaiveLock {
  #cells: Int32Array;

  /** @param buffer A naive lock's buffer to attach to, or a zeroed one; a new one by default. */
  constructor(buffer?: SharedArrayBuffer) {
    this.#cells = attachCells("NaiveLock", CELLS, buffer).view;
  }

  /** The shared buffer, to send to workers. */
  get buffer(): SharedArrayBuffer {
    return this.#cells.buffer as SharedArrayBuffer;
  }

  /** Locks, blocking while it is held. */
  lock(): void {
    while (Atomics.compareExchange(this.#cells, STATE, 0, 1) !== 0) Atomics.wait(this.#cells, STATE, 1);
  }

  /** Unlocks, whoever calls it: the flaw on display. */
  unlock(): void {
    Atomics.store(this.#cells, STATE, 0);
    Atomics.notify(this.#cells, STATE, 1);
  }
}
