/**
 * A worker thread's shared-memory channel and the pool's latency mode
 * (`spinMicros`). Tasks go to a worker through a channel of their own (plain
 * data) or its port (anything else, its place in the order marked on the
 * channel), with a counter in shared memory beside them. In the latency
 * mode, an idle worker watches the counter instead of sleeping, and the
 * pool's thread keeps its event loop turning, looking at the channels'
 * answers, while answers are due: waking a sleeping thread is most of a
 * round trip's cost; the price is that much cpu per idle spell on both sides.
 *
 * @module
 */

import type { Endpoint } from "../adapter.ts";
import type { ToWorker, Wake } from "./protocol.ts";
import { SharedChannel, withCopiesMoved } from "./channel.ts";

/** A worker's own port: its endpoint's `send`. */
type WorkerPort = Pick<Endpoint, "send">;

/** The pool's side of a worker's wake channel. */
export interface WakeChannel {
  shared: SharedChannel;
  /** The worker's own port: what cannot go through shared memory, and the ring for a worker not watching. */
  port: WorkerPort;
  /** Rings for the worker (made once: a send makes nothing it need not). */
  ring: () => void;
}

/**
 * Opens a wake channel for one worker.
 *
 * @param spinMicros How long the worker watches the counter when idle; 0: it sleeps at once.
 * @param port The worker's own port.
 * @returns The pool's side, and what the worker's `init` message carries.
 */
export function openWakeChannel(spinMicros: number, port: WorkerPort): { channel: WakeChannel; init: Wake } {
  const shared = new SharedChannel("pool");
  return {
    channel: { shared, port, ring: () => port.send({ t: "poll" }) },
    init: { counter: shared.counter, spinMicros, shared: shared.buffer },
  };
}

/**
 * Sends a message on a wake channel: plain data through shared memory (the
 * worker rung for if it is not watching); anything else on the worker's own
 * port, its place in the order held by a marker on the ring (a worker's own
 * port, not a MessageChannel of its own: Deno's carry buffers 20x slower),
 * with copies of its large buffers moved rather than cloned twice
 * ({@linkcode withCopiesMoved}). Either way it is counted, so a watching
 * worker sees it come.
 *
 * @param channel The worker's channel.
 * @param message The message.
 * @param transfer Objects to transfer.
 * @throws {DOMException} When the message cannot be cloned (a function in it): the marker's place is taken by a message that runs nothing.
 */
export function postAwake(channel: WakeChannel, message: ToWorker, transfer: Transferable[]): void {
  if (transfer.length === 0) {
    if (channel.shared.send(message, channel.ring)) return;
    const moved = withCopiesMoved(message);
    if (moved !== undefined) ({ message, transfer } = moved);
  }
  channel.shared.mark();
  try {
    channel.port.send(message, transfer);
  } catch (error) {
    channel.port.send({ t: "void" });
    throw error;
  } finally {
    Atomics.add(channel.shared.counter, 0, 1);
  }
}

/** Settled once: a watch is queued as its reaction. */
const RESOLVED = Promise.resolve();

/** The pool's hands on its workers' shared-memory channels. */
export interface ChannelHooks {
  /** Tells every worker whether this thread is watching for answers. */
  watch(on: boolean): void;
  /** Takes every answer waiting. */
  poll(): void;
  /** Whether an answer is waiting on any channel: a cheap look, made in a loop. */
  waiting(): boolean;
  /** Whether no task waits in the queue for a worker. */
  nothingQueued(): boolean;
  /** Whether fewer workers are busy than there are cores: a core is free for this thread. */
  coreFree(): boolean;
}

/**
 * Keeps this thread's event loop from sleeping for a while after each send,
 * while answers are due, and looks for answers on every turn. And right
 * after a send, once the code that sent has run to its end (a microtask), it
 * watches the channels for the answer in a loop, so a quick answer is taken
 * with no turn of the event loop in between; that watch holds the thread, so
 * all of them together hold it at most `spinMicros` between two turns of the
 * event loop (timers and I/O wait no longer than that for them), and none
 * is made while tasks are queued behind as many busy workers as there are
 * cores (their answers come as the workers free up, and a watching thread
 * would take a core from them).
 */
export class StayAwake {
  #until = 0;
  /** A task was sent since the event loop last turned: the window runs on from that turn. */
  #sentSinceTurn = false;
  #turning = false;
  /** A watch for the answer is queued as a microtask. */
  #watchQueued = false;
  /** Until when watches may hold the thread before the event loop must turn again. */
  #budgetUntil = 0;
  /** The window was begun again by a watch since the event loop last turned (once a turn). */
  #renewed = false;
  readonly #spinMicros: number;
  readonly #nextTurn?: (callback: () => void) => void;
  readonly #due: () => boolean;
  readonly #channels: ChannelHooks;

  /**
   * @param spinMicros How long after a send to stay awake.
   * @param nextTurn The runtime's next-turn call; without one, the thread sleeps.
   * @param due Whether answers are still due.
   * @param channels What to do with the shared-memory channels as the thread starts turning, turns, and stops.
   */
  constructor(
    spinMicros: number,
    nextTurn: ((callback: () => void) => void) | undefined,
    due: () => boolean,
    channels: ChannelHooks,
  ) {
    this.#spinMicros = spinMicros;
    this.#nextTurn = nextTurn;
    this.#due = due;
    this.#channels = channels;
  }

  /**
   * A task was sent: stay awake for `spinMicros` from now (from the next
   * turn of the event loop, which reads the clock once for every send since:
   * a send in a tight loop of round trips reads none).
   */
  sent(): void {
    // No latency mode: the pool's thread sleeps between messages, and a worker rings for its answers.
    if (this.#spinMicros === 0) return;
    this.#sentSinceTurn = true;
    const nextTurn = this.#nextTurn;
    if (nextTurn === undefined) return;
    if (!this.#watchQueued && (this.#channels.nothingQueued() || this.#channels.coreFree())) {
      this.#watchQueued = true;
      // A settled promise's reaction, not queueMicrotask: Node wraps each of those in an async resource (3x the cost here).
      RESOLVED.then(this.#watch);
    }
    if (this.#turning) return;
    this.#turning = true;
    const now = performance.now();
    this.#until = now + this.#spinMicros / 1000;
    this.#budgetUntil = this.#until;
    this.#sentSinceTurn = false;
    const { watch, poll } = this.#channels;
    watch(true);
    const turn = () => {
      // The event loop has turned: timers and I/O have had their go, and the watches may hold the thread again.
      const now = performance.now();
      this.#budgetUntil = now + this.#spinMicros / 1000;
      if (this.#sentSinceTurn) this.#until = this.#budgetUntil;
      this.#sentSinceTurn = false;
      this.#renewed = false;
      poll();
      if (this.#due() && now < this.#until) {
        nextTurn(turn);
        return;
      }
      this.#turning = false;
      // Stopped watching first, then one more look: an answer written meanwhile is either rung for or seen now.
      watch(false);
      poll();
    };
    nextTurn(turn);
  }

  /**
   * Watches the channels until an answer lands, the stay-awake window ends,
   * or the budget between two turns is spent. A window spent before the
   * watch began, by code that sent and ran on (a burst of calls longer than
   * the window), begins again from the watch, once between two turns, if a
   * core is free of busy workers.
   */
  readonly #watch = (): void => {
    this.#watchQueued = false;
    const { waiting, poll } = this.#channels;
    let end = Math.min(this.#until, this.#budgetUntil);
    for (let looks = 0; this.#due(); looks++) {
      if (waiting()) {
        // Settling the answers queues their callers' code: it runs next, and what it sends queues the next watch.
        poll();
        return;
      }
      // The clock costs more than a look: read it every 64 looks.
      if ((looks & 63) !== 63) continue;
      const now = performance.now();
      if (now < end) continue;
      if (!this.#sentSinceTurn || this.#renewed || !this.#channels.coreFree()) return;
      this.#renewed = true;
      end = this.#until = this.#budgetUntil = now + this.#spinMicros / 1000;
    }
  };
}
