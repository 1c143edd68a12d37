/**
 * The pool's latency mode (`spinMicros`): tasks go to a worker over a port of
 * their own with a counter in shared memory beside it, which an idle worker
 * watches instead of sleeping; and the pool's thread keeps its event loop
 * turning while answers are due. Waking a sleeping thread is most of a round
 * trip's cost; the price is that much cpu per idle spell on both sides.
 *
 * @module
 */

import type { ToWorker } from "../protocol.ts";

/** The pool's side of a worker's wake channel. */
export interface WakeChannel {
  port: MessagePort;
  counter: Int32Array;
}

/**
 * Opens a wake channel for one worker.
 *
 * @param spinMicros How long the worker watches the counter when idle.
 * @returns The pool's side, and what the worker's `init` message carries (its port is to be transferred).
 */
export function openWakeChannel(spinMicros: number): { channel: WakeChannel; init: { port: MessagePort; counter: Int32Array; spinMicros: number } } {
  const { port1, port2 } = new MessageChannel();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  return { channel: { port: port1, counter }, init: { port: port2, counter, spinMicros } };
}

/**
 * Posts a message on a wake channel, then counts it: a worker that sees the
 * count change finds the message waiting.
 *
 * @param channel The worker's channel.
 * @param message The message.
 * @param transfer Objects to transfer.
 */
export function postAwake(channel: WakeChannel, message: ToWorker, transfer: Transferable[]): void {
  channel.port.postMessage(message, transfer);
  Atomics.add(channel.counter, 0, 1);
}

/** Keeps this thread's event loop from sleeping for a while after each send, while answers are due. */
export class StayAwake {
  #until = 0;
  #turning = false;
  readonly #spinMicros: number;
  readonly #nextTurn?: (callback: () => void) => void;
  readonly #due: () => boolean;

  /**
   * @param spinMicros How long after a send to stay awake.
   * @param nextTurn The runtime's next-turn call; without one, the thread sleeps.
   * @param due Whether answers are still due.
   */
  constructor(spinMicros: number, nextTurn: ((callback: () => void) => void) | undefined, due: () => boolean) {
    this.#spinMicros = spinMicros;
    this.#nextTurn = nextTurn;
    this.#due = due;
  }

  /** A task was sent: stay awake for `spinMicros` from now. */
  sent(): void {
    this.#until = performance.now() + this.#spinMicros / 1000;
    const nextTurn = this.#nextTurn;
    if (this.#turning || nextTurn === undefined) return;
    this.#turning = true;
    const turn = () => {
      if (this.#due() && performance.now() < this.#until) nextTurn(turn);
      else this.#turning = false;
    };
    nextTurn(turn);
  }
}
