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
 * in batches no larger than keeps the workers' shares even; short tasks
 * (shorter than the pool's own cost per task: the messages, not the tasks,
 * are then the work) in batches as large as splits the queue over the
 * messages the workers may take. And a pool may keep short tasks on fewer
 * workers than it has (`maxBusy`): workers that spin while idle, and the
 * pool's thread that spins for their answers, must not outnumber the cores.
 * Those workers then take one message at a time, so that what waits stays in
 * the queue, where another worker can still take it; unless the queue is
 * deep ({@linkcode DEEP_QUEUE}): then a second message keeps the worker busy
 * while the pool takes the first one's answers.
 *
 * @module
 */

/** Messages a worker may hold at once: one running, one waiting. */
export const MESSAGES_PER_WORKER = 2;
/** The most tasks one message carries. */
export const MAX_BATCH = 64;
/**
 * More queued than this, two full batches, and a worker that keeps short
 * tasks may hold a second message: one at a time, it idles while the pool
 * takes each batch's answers. (With one full batch as the bound, 100 tasks
 * went as two messages of 50 and ran slower than as one of 64 and one of 36.)
 */
export const DEEP_QUEUE = 2 * MAX_BATCH;
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

/** How to plan beyond the workers' state. */
export interface PlanOptions {
  /** The tasks are short: batches split the queue over the messages the workers may hold (up to {@linkcode MAX_BATCH}). */
  short?: boolean;
  /**
   * The most workers that may hold messages at once; an idle worker takes
   * none while that many hold some (an exclusive task still goes to it), and
   * while it is fewer than the ready workers, each holds one message at most.
   * Default: every worker.
   */
  maxBusy?: number;
}

/**
 * Messages each worker may hold under a plan: one when it keeps tasks on
 * fewer workers than are ready and the queue is not deep, else
 * {@linkcode MESSAGES_PER_WORKER}.
 *
 * @param ready Workers ready.
 * @param maxBusy The plan's `maxBusy`.
 * @param queued Tasks queued.
 * @returns The messages a worker may hold.
 */
export function messagesPerWorker(ready: number, maxBusy: number | undefined, queued: number): number {
  return maxBusy !== undefined && maxBusy < ready && queued <= DEEP_QUEUE ? 1 : MESSAGES_PER_WORKER;
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
 * @param options Short tasks, and the most workers to keep busy.
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
export function planDispatch(
  workers: readonly WorkerState[],
  queue: Iterable<TaskShape>,
  queued: number,
  options: PlanOptions = {},
): Send[] {
  const sends: Send[] = [];
  const state = workers.map((w) => ({ ...w }));
  const ready = state.filter((w) => w.ready).length;
  const maxBusy = Math.max(1, options.maxBusy ?? ready);
  const perWorker = messagesPerWorker(ready, maxBusy, queued);
  let busy = state.filter((w) => w.ready && w.inFlight > 0).length;
  // Batches only as large as keeps the workers' shares even: a few long tasks go one by one. Short tasks: as
  // large as puts the queue in the messages the workers may take now, for each message costs more than its tasks.
  const batchSize = Math.max(
    1,
    Math.min(
      MAX_BATCH,
      options.short
        ? Math.ceil(queued / openMessages(state, perWorker, maxBusy - busy))
        : Math.floor(queued / (ready * BATCHES_PER_SHARE)),
    ),
  );
  const tasks = queue[Symbol.iterator]();
  let head = tasks.next();
  for (let depth = 1; depth <= perWorker; depth++) {
    for (const [index, worker] of state.entries()) {
      if (head.done) return sends;
      if (!worker.ready || worker.exclusive || worker.inFlight >= depth) continue;
      // An idle worker stays idle while as many as may be busy are, unless an exclusive task needs a worker to itself.
      const idle = worker.inFlight === 0;
      if (idle && busy >= maxBusy && !head.value.exclusive) continue;
      if (head.value.exclusive) {
        if (worker.holding > 0) continue;
        if (idle) busy++;
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
      if (idle) busy++;
      sends.push({ worker: index, count });
      worker.inFlight++;
      worker.holding += count;
    }
  }
  return sends;
}

/** Messages the workers may take now: what each busy one has room for, and the idle ones that may become busy. */
function openMessages(workers: readonly WorkerState[], perWorker: number, idleMayStart: number): number {
  let open = 0;
  for (const worker of workers) {
    if (!worker.ready || worker.exclusive) continue;
    if (worker.inFlight > 0) open += Math.max(0, perWorker - worker.inFlight);
    else if (idleMayStart-- > 0) open += perWorker;
  }
  return Math.max(1, open);
}
