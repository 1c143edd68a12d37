/**
 * Which queued tasks go to which worker: a pure function of the workers'
 * state and the head of the queue, so the pool's policy is tested apart from
 * any thread.
 *
 * The policy: breadth first, every idle worker gets a message before any
 * gets a second, up to {@linkcode MESSAGES_PER_WORKER} messages each, so no
 * worker idles for a round trip between tasks. A task with a timeout or a
 * signal (exclusive) goes alone to a worker holding nothing, so its clock and
 * its abort concern it only. A map chunk travels alone. Other tasks travel
 * in batches no larger than keeps the workers' shares even.
 *
 * @module
 */

/** Messages a worker may hold at once: one running, one waiting. */
export const MESSAGES_PER_WORKER = 2;
/** The most tasks one message carries. */
export const MAX_BATCH = 64;
/** A batch is at most this fraction of a worker's share of the queue, so the last batches end together. */
export const BATCHES_PER_SHARE = 8;

/** What the planner reads of a worker. */
export interface WorkerState {
  ready: boolean;
  /** It holds an exclusive task. */
  exclusive: boolean;
  /** Messages sent to it and not answered. */
  inFlight: number;
  /** Tasks sent to it and not settled. */
  holding: number;
}

/** What the planner reads of a queued task. */
export interface TaskShape {
  /** It has a timeout or a signal: it must run alone. */
  exclusive: boolean;
  /** A map chunk: one message of its own. */
  chunk: boolean;
}

/** One message to send: the next `count` tasks of the queue, to worker `worker`. */
export interface Send {
  worker: number;
  count: number;
}

/**
 * Plans one round of dispatch.
 *
 * @param workers Each worker's state, in the pool's order.
 * @param queue The queued tasks in order; read only as far as the plan needs.
 * @param queued How many tasks are queued (the batch size follows from it).
 * @returns The messages to send, in order; each takes the next tasks off the queue.
 * @example
 * ```ts
 * import { planDispatch } from "./plan.ts";
 * const idle = { ready: true, exclusive: false, inFlight: 0, holding: 0 };
 * const tasks = Array.from({ length: 4 }, () => ({ exclusive: false, chunk: false }));
 * // Two idle workers, four short tasks: one message each, then one more each.
 * if (!(planDispatch([idle, idle], tasks, 4).length === 4)) throw new Error("the example's check failed");
 * ```
 */
export function planDispatch(workers: readonly WorkerState[], queue: Iterable<TaskShape>, queued: number): Send[] {
  const sends: Send[] = [];
  const state = workers.map((w) => ({ ...w }));
  const ready = state.filter((w) => w.ready).length;
  // Batches only as large as keeps the workers' shares even: a few long tasks go one by one.
  const batchSize = Math.max(1, Math.min(MAX_BATCH, Math.floor(queued / (ready * BATCHES_PER_SHARE))));
  const tasks = queue[Symbol.iterator]();
  let head = tasks.next();
  for (let depth = 1; depth <= MESSAGES_PER_WORKER; depth++) {
    for (const [index, worker] of state.entries()) {
      if (head.done) return sends;
      if (!worker.ready || worker.exclusive || worker.inFlight >= depth) continue;
      if (head.value.exclusive) {
        if (worker.holding > 0) continue;
        sends.push({ worker: index, count: 1 });
        worker.exclusive = true;
        worker.inFlight++;
        worker.holding++;
        head = tasks.next();
        continue;
      }
      const size = head.value.chunk ? 1 : batchSize;
      let count = 1;
      head = tasks.next();
      while (count < size && !head.done && !head.value.chunk && !head.value.exclusive) {
        count++;
        head = tasks.next();
      }
      sends.push({ worker: index, count });
      worker.inFlight++;
      worker.holding += count;
    }
  }
  return sends;
}
