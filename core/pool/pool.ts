/**
 * One pool of workers or child processes over any runtime adapter: a task
 * queue, results in the order asked for, and faults contained to the task
 * that caused them.
 *
 * @module
 */

import type { Endpoint, ResourceLimits, RuntimeAdapter, WorkerKind } from "../adapter.ts";
import { defer, type Deferred } from "../_deferred.ts";
import {
  describeExit,
  type ExitInfo,
  MapError,
  QueueFullError,
  TaskTimeoutError,
  WorkerCrashedError,
} from "./errors.ts";
import { openWakeChannel, postAwake, StayAwake, type WakeChannel } from "./latency.ts";
import { MESSAGES_PER_WORKER, messagesPerWorker, planDispatch } from "./plan.ts";
import { PriorityQueue } from "./queue.ts";
import { percentile } from "../measure/stats.ts";
import {
  deserializeError,
  type FromWorker,
  JOURNAL,
  type Outcome,
  type SerializedError,
  type Span,
  type ToWorker,
} from "./protocol.ts";
import { checkCount, describeValue } from "../_checks.ts";
import { checkPoolOptions, type PoolOptions } from "./options.ts";

export { MapError, QueueFullError } from "./errors.ts";
export type { PoolOptions } from "./options.ts";

/** What a pool is doing, and how long its tasks have taken. */
export interface PoolStats {
  /** Workers (or child processes) the pool holds. */
  workers: number;
  /** Of those, the ones holding a task. */
  busy: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks sent to a worker and not settled. */
  running: number;
  /** Tasks resolved. */
  done: number;
  /** Tasks rejected. */
  failed: number;
  /** Workers replaced for passing `recycleHeapMb`. */
  recycled: number;
  /**
   * Worker threads the pool ended (a task's timeout or abort) that the
   * runtime could not stop: they run on, a core busy, until their task
   * returns (Deno's threads busy in JavaScript). `kind: "process"` ends them.
   */
  unstoppable: number;
  /** From `run()` to the task settling, ms: one task in four, the last 1,000 of those; `null` before the first. */
  latencyMs: Percentiles | null;
  /** From the task reaching its worker to settling, ms, of the same tasks. */
  runMs: Percentiles | null;
}

/** Where and when one task (or one `map()` chunk) ran, with `spans: true`. */
export interface TaskSpan {
  /** The worker it ran on: a number of the pool's own, never reused, so a replacement is a worker of its own. */
  worker: number;
  /** When its call began and ended, ms since the epoch (`performance.timeOrigin + performance.now()` in its thread, which every thread and process shares). */
  startMs: number;
  endMs: number;
  /** Its thread's time on a CPU meanwhile, ms; absent where the worker cannot read its thread's clocks. */
  cpuMs?: number;
  /** Its thread's time waiting runnable for a CPU meanwhile, ms; absent as `cpuMs` is. */
  waitMs?: number;
}

/** Percentiles of a set of durations. */
export interface Percentiles {
  /** The median. */
  p50: number;
  /** The 90th percentile. */
  p90: number;
  /** The 99th percentile. */
  p99: number;
  /** The largest. */
  max: number;
}

/** Options for one task. */
export interface RunTaskOptions {
  /** Aborting it rejects the task with `signal.reason` and replaces its worker. */
  signal?: AbortSignal;
  /** Past this many milliseconds the task rejects with `TaskTimeoutError` and its worker is replaced. */
  timeoutMs?: number;
  /** Parts of `arg` to transfer rather than copy, such as a MessagePort or a large ArrayBuffer (worker threads only). */
  transfer?: Transferable[];
  /** Queued tasks of higher priority go first; equal ones in the order they came. Default 0. */
  priority?: number;
}

/** Options for {@linkcode Pool.map}. */
export interface MapOptions {
  /** Items per message to a worker; by default about sixteen chunks per worker, at most 256 items each. */
  chunkSize?: number;
  /** Aborting it rejects the unfinished chunks with `signal.reason`. */
  signal?: AbortSignal;
}

interface Task {
  id: number;
  fn: string;
  arg: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  options: RunTaskOptions;
  /** A map chunk: `arg` holds the items. */
  chunk: boolean;
  /** It has a timeout or a signal, so it runs alone. */
  exclusive: boolean;
  priority: number;
  /** When it was asked for, and when it reached a worker (`performance.now()`); -1 for a task not timed. */
  queuedAt: number;
  sentAt?: number;
  slot?: Slot;
  /** The message it went in, with the tasks sent with it. */
  message?: Sent;
  settled?: boolean;
  timer?: ReturnType<typeof setTimeout>;
  onAbort?: () => void;
  /** A map chunk: its items' outcomes received so far (a worker sends some before the chunk ends). */
  partial?: PromiseSettledResult<unknown>[];
}

/** One message to a worker: its tasks in the order the worker runs them, and how many are still unanswered. */
interface Sent {
  tasks: Task[];
  unanswered: number;
}

/**
 * A worker's life, one state at a time, changed only by `#move`:
 * `starting` → `ready` → `draining` (recycled: past its heap limit, it takes
 * no more tasks and its replacement has started) → `retired` (ended, or
 * ending); any state may go to `retired`.
 */
type SlotState = "starting" | "ready" | "draining" | "retired";

/** The states each state may move to. */
const MOVES: Readonly<Record<SlotState, readonly SlotState[]>> = {
  starting: ["ready", "retired"],
  ready: ["draining", "retired"],
  draining: ["retired"],
  retired: [],
};

interface Slot {
  endpoint: Endpoint;
  state: SlotState;
  /** Its number in the pool's spans. */
  worker: number;
  /** Worker threads: the words of {@linkcode JOURNAL}, kept up to date by the worker itself. */
  journal?: Int32Array;
  /** Its journal's count of times per task written when it last gave a batch back: earlier times do not count. */
  timedBefore: number;
  /** Child processes: the task the child last said it started (a message's first, or exactly the one running). */
  said?: { id: number; item?: number; exact: boolean };
  /** With `spinMicros`: the port tasks go on, and the counter a spinning worker watches. */
  wake?: WakeChannel;
  /** Tasks sent to this worker and not settled, by id. */
  tasks: Map<number, Task>;
  /** Messages sent and not answered. */
  inFlight: number;
  /** It holds a task with a timeout or a signal, which must be alone. */
  exclusive: boolean;
  /** Settles as it leaves `starting`: ready, or failed to start. */
  started: Deferred<void>;
  /** With `idleTimeoutMs`: ends the worker once it has been idle that long. */
  idleTimer?: ReturnType<typeof setTimeout>;
  /** With `abortGraceMs`: replaces the worker if its aborted task does not end in time. */
  graceTimer?: ReturnType<typeof setTimeout>;
}

/** What a worker reported as an error, as an Error even where the module threw something else. */
function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/** Several tasks as one `batch` message: a list per field, one name where they all call the same function. */
function batchMessage(tasks: readonly Task[], giveBack: boolean): ToWorker {
  const ids = new Array<number>(tasks.length);
  const args = new Array<unknown>(tasks.length);
  const fn = tasks[0]!.fn;
  let same = true;
  for (let i = 0; i < tasks.length; i++) {
    ids[i] = tasks[i]!.id;
    args[i] = tasks[i]!.arg;
    if (tasks[i]!.fn !== fn) same = false;
  }
  const batch = { t: "batch", ids, fn: same ? fn : tasks.map((task) => task.fn), args } as const;
  return giveBack ? { ...batch, giveBack: true } : batch;
}

/** A task's resolve and reject until its promise is made, a moment later. */
function settleLater(): void {}

/** A task's options when it is given none: one object for them all, read and never written. */
const NO_OPTIONS: RunTaskOptions = Object.freeze({});

/** Replacements in a row that may fail to start before the pool gives up and rejects every task. */
const MAX_FAILED_STARTS = 3;

/**
 * A task shorter than this, ns, as its worker times its calls, is short: one
 * worker runs such tasks, with its own cost per task beside them (reading the
 * message, answering), as fast as the pool's thread hands them out (about
 * 1 µs a task on 2 cores), so a second worker cannot add throughput, only
 * take a core. Tasks of 1 µs ran slower on one worker than on two here.
 */
const SHORT_TASK_NS = 500;

/**
 * How long a task may wait in the queue behind a busy worker while short
 * tasks are kept on fewer workers and another idles, ms: then the queue is
 * spread over every worker (a task taken for short may be long).
 */
const SPREAD_AFTER_MS = 1;

/**
 * Starts a pool and waits until every worker is ready.
 *
 * @param options The adapter, kind, size and task module.
 * @returns The ready pool.
 * @throws {RangeError} When `size` is not a positive integer.
 * @throws {Error} When a worker cannot start; the others are terminated.
 * @example
 * ```ts
 * import { createPool } from "./pool.ts";
 * import { WORKLOAD_TASKS } from "../workloads/mod.ts";
 * import { createAdapter } from "../../runtimes/detect.ts";
 * // Your own module's functions, or, as here, the one that runs truepar's workloads.
 * const pool = await createPool({ adapter: await createAdapter(), size: 2, module: WORKLOAD_TASKS });
 * if (await pool.run("runWorkload", { workload: "cpu", params: { iterations: 1e6 } }) !== "247342095") throw new Error("the example's check failed");
 * await pool.close();
 * ```
 */
export async function createPool(options: PoolOptions): Promise<Pool> {
  const size = checkPoolOptions(options);
  const specifier = await options.adapter.prepare(options.module);
  const pool = new Pool(options, size, specifier);
  await pool.start();
  return pool;
}

/** A pool of workers or child processes; make one with {@linkcode createPool}. */
export class Pool {
  #adapter: RuntimeAdapter;
  #kind: WorkerKind;
  #specifier: string;
  #taskTimeoutMs?: number;
  #spinMicros: number;
  #awake: StayAwake;
  #slots = new Set<Slot>();
  #queue = new PriorityQueue<Task>();
  #maxQueue?: number;
  #idleTimeoutMs?: number;
  #abortGraceMs?: number;
  #roomWaiters: Deferred<void>[] = [];
  #done = 0;
  #failed = 0;
  #recycled = 0;
  #unstoppable = 0;
  #heapLimit?: number;
  #resourceLimits?: ResourceLimits;
  /** The last tasks' latencies and run times, ms, a ring. */
  #latencies: number[] = [];
  #runTimes: number[] = [];
  #ring = 0;
  #nextId = 0;
  #nextWorker = 0;
  /** With `spans`: the spans of the tasks answered since the last `takeSpans()`. */
  #spans?: TaskSpan[];
  /** The worker whose answer came last. */
  #lastAnswered?: Slot;
  /** The pool's thread is turning its loop, watching the workers' channels for answers. */
  #watching = false;
  #pending = 0;
  #closing = false;
  #startError?: Error;
  /** The workers it keeps (`size` is those it has now). */
  #target: number;
  #drained?: Deferred<void>;
  #closed?: Promise<void>;
  /** Every worker of the first start was ready: a later failure to start is retried. */
  #started = false;
  /** Replacements that failed to start since the last one that did. */
  #failedStarts = 0;
  #ending = new Set<Promise<void>>();
  /** Logical cores, in the latency mode (its spinning threads must not outnumber them); otherwise unbounded. */
  readonly #cores: number;
  /** Spreads the queue over every worker once tasks have waited behind a busy one {@linkcode SPREAD_AFTER_MS}. */
  #spreadTimer?: ReturnType<typeof setTimeout>;

  /** @internal Use {@linkcode createPool}. */
  constructor(options: PoolOptions, size: number, specifier: string) {
    this.#adapter = options.adapter;
    this.#kind = options.kind ?? "worker";
    this.#specifier = specifier;
    this.#taskTimeoutMs = options.taskTimeoutMs;
    this.#spinMicros = options.spinMicros ?? 0;
    this.#cores = this.#spinMicros > 0 ? options.adapter.hostInfo().cores : Infinity;
    this.#target = size;
    this.#awake = new StayAwake(this.#spinMicros, options.adapter.nextTurn, () => this.#pending > 0, {
      watch: (on) => {
        this.#watching = on;
        for (const slot of this.#slots) slot.wake?.shared.watch(on);
      },
      poll: () => {
        for (const slot of this.#slots) this.#poll(slot);
      },
      waiting: () => {
        for (const slot of this.#slots) if (slot.wake?.shared.waiting()) return true;
        return false;
      },
      nothingQueued: () => this.#queue.length === 0,
      coreFree: () => this.#busyWorkers() < this.#cores,
    });
    this.#maxQueue = options.maxQueue;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#abortGraceMs = options.abortGraceMs;
    this.#heapLimit = options.recycleHeapMb === undefined ? undefined : Math.round(options.recycleHeapMb * 1024 * 1024);
    this.#resourceLimits = options.resourceLimits;
    if (options.spans) this.#spans = [];
  }

  /** Worker threads or child processes. */
  get kind(): WorkerKind {
    return this.#kind;
  }

  /**
   * The workers it has now: the size it was made with, one more for a moment
   * while a recycled worker ends its tasks beside its replacement, fewer
   * while workers idle past `idleTimeoutMs` are gone.
   */
  get size(): number {
    return this.#slots.size;
  }

  /** Process ids of the child processes (empty for worker threads). */
  get pids(): number[] {
    return [...this.#slots].flatMap((slot) => slot.endpoint.pid ?? []);
  }

  /** @internal Starts every worker and settles when each is ready; on any failure, ends those that started. */
  async start(): Promise<void> {
    try {
      for (let i = 0; i < this.#target; i++) this.#spawn();
      await Promise.all([...this.#slots].map((slot) => slot.started.promise));
      this.#started = true;
    } catch (error) {
      await this.terminate();
      throw error;
    }
  }

  /**
   * Runs one task: calls the task module's export `fn` with `arg` in a worker.
   *
   * @param fn The name of an exported function of the task module.
   * @param arg Its argument, structured-cloned to a worker or JSON-encoded to a child.
   * @param options A signal and a timeout for this task.
   * @returns What the function returned.
   * @throws {Error} What the task threw, with the worker's name, message and stack.
   * @throws {WorkerCrashedError} When the worker died during the task.
   * @throws {TaskTimeoutError} When the task ran past its timeout.
   */
  run<T = unknown>(fn: string, arg: unknown, options: RunTaskOptions = NO_OPTIONS): Promise<T> {
    return this.#submit<T>(fn, arg, options, false);
  }

  /**
   * Calls the task module's export `fn` on every item, in chunks: one message
   * per chunk rather than per item, for many small tasks (Python's
   * `Executor.map(…, chunksize=…)`).
   *
   * @param fn The name of an exported function of the task module.
   * @param items Its arguments, one call per item.
   * @param options The chunk size and a signal.
   * @returns The results, in the order of the items.
   * @throws {MapError} When any item failed; it holds every item's outcome.
   * @throws {RangeError} When `chunkSize` is not a positive integer.
   * @example
   * ```ts
   * import { createPool } from "./pool.ts";
   * import { WORKLOAD_TASKS } from "../workloads/mod.ts";
   * import { createAdapter } from "../../runtimes/detect.ts";
   * await using pool = await createPool({ adapter: await createAdapter(), module: WORKLOAD_TASKS });
   * const sums = await pool.map("runWorkload", [1, 2, 3].map((n) => ({ workload: "cpu", params: { iterations: n * 1000 } })));
   * if (sums.length !== 3) throw new Error("the example's check failed");
   * ```
   */
  async map<T = unknown>(fn: string, items: Iterable<unknown>, options: MapOptions = {}): Promise<T[]> {
    const args = [...items];
    // Sixteen chunks per worker keep the tail short: no worker idles long while another ends its last chunk.
    const chunkSize = checkCount(
      "Cannot map",
      "chunkSize",
      options.chunkSize ?? Math.max(1, Math.min(256, Math.ceil(args.length / (this.#target * 16)))),
    );
    const chunks: Promise<PromiseSettledResult<T>[]>[] = [];
    for (let start = 0; start < args.length; start += chunkSize) {
      chunks.push(
        this.#submit<PromiseSettledResult<T>[]>(
          fn,
          args.slice(start, start + chunkSize),
          { signal: options.signal },
          true,
        ),
      );
    }
    const settled = await Promise.allSettled(chunks);
    // The values in one pass over the items, in their order; a list of every outcome only when one failed.
    const values: T[] = [];
    let failed = false;
    for (const chunk of settled) {
      if (chunk.status === "rejected") {
        failed = true;
        break;
      }
      for (const outcome of chunk.value) {
        if (outcome.status === "rejected") failed = true;
        else values.push(outcome.value);
      }
    }
    if (!failed) return values;
    const results: PromiseSettledResult<T>[] = [];
    settled.forEach((chunk, index) => {
      if (chunk.status === "fulfilled") {
        results.push(...chunk.value);
      } else {
        const size = Math.min(chunkSize, args.length - index * chunkSize);
        for (let i = 0; i < size; i++) results.push({ status: "rejected", reason: chunk.reason });
      }
    });
    throw new MapError(results);
  }

  #submit<T>(fn: string, arg: unknown, options: RunTaskOptions, chunk: boolean): Promise<T> {
    if (this.#closing) {
      return Promise.reject(new Error(`Cannot run task "${fn}": the pool is closed`));
    }
    if (this.#startError !== undefined) return Promise.reject(this.#startError);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const priority = options.priority ?? 0;
    if (typeof priority !== "number" || !Number.isFinite(priority)) {
      return Promise.reject(
        new TypeError(
          `Cannot run task "${fn}": "priority" must be a finite number, received ${describeValue(priority)}`,
        ),
      );
    }
    if (!chunk && this.#maxQueue !== undefined && this.#queued() >= this.#maxQueue) {
      return Promise.reject(new QueueFullError(fn, this.#maxQueue));
    }
    if (options.transfer?.length && this.#kind === "process") {
      return Promise.reject(
        new TypeError(`Cannot run task "${fn}": a transfer list needs worker threads, not child processes`),
      );
    }
    const task: Task = {
      id: this.#nextId++,
      fn,
      arg,
      resolve: settleLater,
      reject: settleLater,
      options,
      chunk,
      exclusive: signal !== undefined || options.timeoutMs !== undefined || this.#taskTimeoutMs !== undefined,
      priority,
      // One task in four is timed: the clock costs as much as a no-op task's bookkeeping.
      queuedAt: (this.#nextId & 3) === 0 ? performance.now() : -1,
      // Every field from the start: one shape for every task, which the code that reads tasks is compiled for.
      sentAt: undefined,
      slot: undefined,
      message: undefined,
      settled: undefined,
      timer: undefined,
      onAbort: undefined,
      partial: undefined,
    };
    const promise = new Promise<T>((resolve, reject) => {
      task.resolve = resolve as (value: unknown) => void;
      task.reject = reject;
    });
    if (signal !== undefined) {
      task.onAbort = () => this.#fail(task, signal.reason, true);
      signal.addEventListener("abort", task.onAbort, { once: true });
    }
    this.#pending++;
    // Latency mode, nothing queued, a worker idle: the task goes straight to it, with no queue and no plan in between.
    const idle = this.#spinMicros > 0 && this.#queue.length === 0 && !task.exclusive && !chunk
      ? this.#idleSlot()
      : undefined;
    if (idle !== undefined) {
      clearTimeout(idle.idleTimer);
      idle.idleTimer = undefined;
      this.#send(idle, [task]);
      return promise;
    }
    this.#queue.push(task);
    this.#dispatch();
    return promise;
  }

  /**
   * What the pool is doing: its workers, busy ones, queued and running tasks,
   * tasks done and failed, and the latency and run-time percentiles of the
   * last 1,000 tasks.
   *
   * @returns A snapshot.
   */
  stats(): PoolStats {
    const running = this.#running();
    let busy = 0;
    for (const slot of this.#slots) if (slot.tasks.size > 0) busy++;
    return {
      workers: this.#slots.size,
      busy,
      queued: this.#pending - running,
      running,
      done: this.#done,
      failed: this.#failed,
      recycled: this.#recycled,
      unstoppable: this.#unstoppable,
      latencyMs: percentiles(this.#latencies),
      runMs: percentiles(this.#runTimes),
    };
  }

  /**
   * The spans of the tasks answered since the last call (with `spans: true`):
   * which worker ran each, and when.
   *
   * @returns The spans, in the order the answers came; empty without `spans`.
   */
  takeSpans(): TaskSpan[] {
    if (this.#spans === undefined) return [];
    const spans = this.#spans;
    this.#spans = [];
    return spans;
  }

  /**
   * Settles when the queue has room for a task under `maxQueue` (at once
   * without a limit): the way to await room rather than be refused.
   *
   * @returns When `run()` would queue a task.
   */
  room(): Promise<void> {
    if (this.#maxQueue === undefined || this.#queued() < this.#maxQueue || this.#closing) return Promise.resolve();
    const waiter = defer<void>();
    this.#roomWaiters.push(waiter);
    return waiter.promise;
  }

  #running(): number {
    let running = 0;
    for (const slot of this.#slots) running += slot.tasks.size;
    return running;
  }

  #queued(): number {
    return this.#pending - this.#running();
  }

  /** Wakes those awaiting room, as far as there is room; all of them once the pool closes. */
  #makeRoom(): void {
    if (this.#roomWaiters.length === 0) return;
    if (this.#closing) {
      for (const waiter of this.#roomWaiters.splice(0)) waiter.resolve();
      return;
    }
    let room = this.#maxQueue! - this.#queued();
    while (room-- > 0 && this.#roomWaiters.length > 0) this.#roomWaiters.shift()!.resolve();
  }

  /**
   * Waits for every queued and running task, then ends every worker.
   * Afterwards nothing of the pool keeps the program alive.
   */
  close(): Promise<void> {
    this.#closed ??= this.#drainAndEnd();
    return this.#closed;
  }

  async #drainAndEnd(): Promise<void> {
    this.#closing = true;
    this.#makeRoom();
    if (this.#pending > 0) {
      this.#drained ??= defer<void>();
      await this.#drained.promise;
    }
    await this.#endAll();
  }

  /** Ends every worker now; queued and running tasks reject. */
  async terminate(): Promise<void> {
    this.#closing = true;
    this.#makeRoom();
    const error = new Error("Cannot finish task: the pool was terminated");
    for (const task of this.#queue.drain()) this.#settle(task, error);
    for (const slot of this.#slots) for (const task of slot.tasks.values()) this.#settle(task, error);
    await this.#endAll();
  }

  /** Closes the pool, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #spawn(): void {
    const slot = {
      worker: this.#nextWorker++,
      state: "starting",
      tasks: new Map(),
      inFlight: 0,
      exclusive: false,
      started: defer<void>(),
      timedBefore: 0,
    } as Slot;
    slot.started.promise.catch(() => {});
    slot.endpoint = this.#adapter.spawn(this.#kind, {
      onMessage: (message) => this.#onMessage(slot, message),
      onExit: (exit) => this.#onExit(slot, exit),
    }, this.#resourceLimits === undefined ? undefined : { resourceLimits: this.#resourceLimits });
    this.#slots.add(slot);
    const heapLimit = this.#heapLimit;
    const spans = this.#spans === undefined ? undefined : true;
    if (this.#kind !== "worker") {
      slot.endpoint.send({ t: "init", module: this.#specifier, heapLimit, spans });
      return;
    }
    // A thread says in shared memory which task it runs, so the pool knows it even if the thread dies mid-task.
    const journal = new SharedArrayBuffer(JOURNAL.words * 4);
    slot.journal = new Int32Array(journal);
    // Plain data goes through shared memory (in the latency mode and out of it): no structured clone either way.
    const { channel, init } = openWakeChannel(this.#spinMicros, slot.endpoint);
    slot.wake = channel;
    channel.shared.watch(this.#watching);
    slot.endpoint.send({ t: "init", module: this.#specifier, wake: init, heapLimit, spans, journal });
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    if (slot.state === "retired") return;
    switch (message.t) {
      case "ready":
        if (slot.state !== "starting") return;
        this.#move(slot, "ready");
        this.#dispatch();
        return;
      case "init-fail":
        this.#onExit(slot, { code: null, signal: null, error: asError(deserializeError(message.error)) });
        return;
      case "exit":
        this.#onExit(slot, { code: message.code, signal: null });
        return;
      case "poll":
        this.#poll(slot);
        return;
      case "heap":
        if (slot.state !== "ready") return;
        // Its replacement starts now; it ends when what it holds has settled.
        this.#move(slot, "draining");
        this.#replace();
        this.#endIfDrained(slot);
        return;
      case "done":
      case "fail": {
        this.#lastAnswered = slot;
        if (message.span !== undefined) this.#recordSpan(slot, message.span);
        const task = slot.tasks.get(message.id);
        if (task !== undefined) {
          this.#answered(slot, task);
          if (message.t === "fail") this.#settle(task, deserializeError(message.error));
          else if (task.chunk) {
            const outcomes = settledOutcomes(message.value as Outcome[]);
            this.#resolve(task, task.partial === undefined ? outcomes : [...task.partial, ...outcomes]);
          } else this.#resolve(task, message.value);
        }
        this.#endIfDrained(slot);
        this.#dispatch();
        return;
      }
      case "batch-done": {
        this.#lastAnswered = slot;
        const { ids, ok, values, spans } = message;
        for (let i = 0; i < ids.length; i++) {
          if (spans !== undefined) this.#recordSpan(slot, spans[i]!);
          const task = slot.tasks.get(ids[i]!);
          if (task === undefined) continue;
          this.#answered(slot, task);
          if (ok[i] === 1) this.#resolve(task, values[i]);
          else this.#settle(task, deserializeError(values[i] as SerializedError));
        }
        this.#endIfDrained(slot);
        this.#dispatch();
        return;
      }
      case "returned": {
        // Taken for short, and the first two ran long: the rest go back to the head of the queue, and what this worker
        // timed before no longer says tasks are short.
        this.#lastAnswered = slot;
        const again: Task[] = [];
        for (const id of message.ids) {
          const task = slot.tasks.get(id);
          if (task === undefined) continue;
          this.#answered(slot, task);
          task.slot = undefined;
          task.message = undefined;
          again.push(task);
        }
        slot.timedBefore = slot.journal?.[JOURNAL.timed] ?? 0;
        this.#queue.unshift(again);
        this.#endIfDrained(slot);
        this.#dispatch();
        return;
      }
      case "items": {
        const task = slot.tasks.get(message.id);
        if (task !== undefined) (task.partial ??= []).push(...settledOutcomes(message.outcomes));
        return;
      }
      case "start":
        slot.said = {
          id: message.id,
          ...(message.item !== undefined && { item: message.item }),
          exact: message.exact === true,
        };
    }
  }

  /** A task the worker answered: it leaves the worker, and its message, once every task of it is answered. */
  #answered(slot: Slot, task: Task): void {
    slot.tasks.delete(task.id);
    if (task.message !== undefined && --task.message.unanswered === 0) {
      slot.inFlight--;
      slot.exclusive = false;
      clearTimeout(slot.graceTimer);
    }
  }

  #recordSpan(slot: Slot, [startMs, endMs, cpuMs, waitMs]: Span): void {
    this.#spans?.push(
      cpuMs === undefined
        ? { worker: slot.worker, startMs, endMs }
        : { worker: slot.worker, startMs, endMs, cpuMs, waitMs },
    );
  }

  /** Takes the answers waiting on a worker's shared-memory channel. */
  #poll(slot: Slot): void {
    const shared = slot.wake?.shared;
    if (shared === undefined) return;
    for (let message = shared.read(); message !== undefined && slot.state !== "retired"; message = shared.read()) {
      this.#onMessage(slot, message as FromWorker);
    }
  }

  #onExit(slot: Slot, exit: ExitInfo): void {
    if (slot.state === "retired") return;
    // What it answered before it went still counts.
    this.#poll(slot);
    // An answer it had sent may have ended it already (a recycled worker's last).
    if ((slot.state as SlotState) === "retired") return;
    const was = this.#move(slot, "retired");
    const what = this.#kind === "worker" ? "worker" : "child process";
    if (was === "starting") {
      const error = new Error(
        `Cannot start ${what}: it exited before it was ready, with ${describeExit(exit)}`,
        { cause: exit.error },
      );
      // A replacement may fail once by chance (the machine out of memory for a moment): try again, a few times.
      if (this.#started && ++this.#failedStarts < MAX_FAILED_STARTS) {
        slot.started.reject(error);
        this.#replace();
        return;
      }
      // A worker that keeps failing to start would fail again: stop instead of looping.
      this.#startError = error;
      slot.started.reject(error);
      for (const task of this.#queue.drain()) this.#settle(task, error);
      return;
    }
    this.#recover(slot, exit, what);
    // A recycled worker's replacement is already there.
    if (was !== "draining") this.#replace();
    // What it had not started goes to the other workers, or waits for the replacement.
    this.#dispatch();
  }

  /**
   * A worker died holding tasks: the one it was running fails; answers it
   * had sent stand; tasks it had not started go back to the head of the
   * queue, in the order they came, for another worker. A thread's journal
   * says which task ran; a child said which task it started when it began a
   * message, and exactly before it waited or as it ended by its own hand.
   * Where the pool cannot tell which of a message's tasks ran (a child killed
   * from outside in the middle of several), they fail rather than run twice.
   */
  #recover(slot: Slot, exit: ExitInfo, what: string): void {
    const held = [...slot.tasks.values()].sort((a, b) => a.id - b.id);
    slot.tasks.clear();
    const running = this.#runningOn(slot);
    const again: Task[] = [];
    const crashed = (detail?: string) => new WorkerCrashedError(exit, what, detail);
    for (const message of new Set(held.map((task) => task.message!))) {
      const unanswered = message.tasks.filter((task) => held.includes(task));
      const at = running === undefined ? -1 : message.tasks.findIndex((task) => task.id === running.id);
      if (at === -1) {
        // Not the message that ran: not started, unless a later one had (then these were answered, and the answers lost).
        const later = running !== undefined &&
          held.some((task) => task.id === running.id && task.message !== message && task.id > message.tasks[0]!.id);
        for (const task of unanswered) later ? this.#settle(task, crashed(LOST)) : again.push(task);
        continue;
      }
      const runningTask = message.tasks[at]!;
      const exact = running!.exact || unanswered.filter((task) => task.id >= runningTask.id).length === 1;
      for (const task of unanswered) {
        if (task.id < runningTask.id) this.#settle(task, crashed(LOST));
        else if (task === runningTask) this.#crashChunkOrTask(task, running!, exact, crashed, again);
        else if (exact) again.push(task);
        else this.#settle(task, crashed(UNKNOWN));
      }
    }
    for (const task of again) {
      task.slot = undefined;
      task.message = undefined;
      clearTimeout(task.timer);
      task.timer = undefined;
    }
    this.#queue.unshift(again);
  }

  /** The task a dead worker was running, as its journal or its last word says; `undefined` when it ran none. */
  #runningOn(slot: Slot): { id: number; item?: number; exact: boolean } | undefined {
    if (slot.journal !== undefined) {
      const id = Atomics.load(slot.journal, JOURNAL.running) - 1;
      const item = Atomics.load(slot.journal, JOURNAL.item);
      return id < 0 ? undefined : { id, ...(item >= 0 && { item }), exact: true };
    }
    return slot.said;
  }

  /**
   * The task that was running fails; a map chunk keeps the items it had
   * answered, fails the one that ran (and, where the child could not say
   * which, the rest), and runs the items after it again as a chunk of their own.
   */
  #crashChunkOrTask(
    task: Task,
    running: { item?: number },
    exact: boolean,
    crashed: (detail?: string) => WorkerCrashedError,
    again: Task[],
  ): void {
    if (!task.chunk) {
      this.#settle(task, crashed(exact ? undefined : UNKNOWN));
      return;
    }
    const items = task.arg as unknown[];
    const done = task.partial ?? [];
    const item = running.item ?? done.length;
    const failed = (detail?: string): PromiseSettledResult<unknown> => ({
      status: "rejected",
      reason: crashed(detail),
    });
    const settled = [
      ...done,
      ...Array.from({ length: Math.max(0, item - done.length) }, () => failed(LOST)),
      failed(exact ? undefined : UNKNOWN),
    ];
    if (!exact || item + 1 >= items.length) {
      this.#resolve(task, [
        ...settled,
        ...Array.from({ length: items.length - settled.length }, () => failed(UNKNOWN)),
      ]);
      return;
    }
    // The rest of the chunk runs again, first in the queue; the chunk settles with all its items.
    const { promise, resolve, reject } = defer<PromiseSettledResult<unknown>[]>();
    const rest: Task = {
      ...task,
      id: this.#nextId++,
      arg: items.slice(item + 1),
      resolve: resolve as (value: unknown) => void,
      reject,
      partial: undefined,
      settled: false,
      slot: undefined,
      message: undefined,
      timer: undefined,
      onAbort: undefined,
      queuedAt: -1,
    };
    this.#pending++;
    promise.then((after) => this.#resolve(task, [...settled, ...after]), (error: unknown) => this.#settle(task, error));
    again.push(rest);
  }

  /** A recycled worker that holds no more tasks ends. */
  #endIfDrained(slot: Slot): void {
    if (slot.state === "draining" && slot.tasks.size === 0 && slot.inFlight === 0) this.#move(slot, "retired");
  }

  /**
   * A ready worker holding nothing: the one that answered last if it is (it
   * is the likeliest to be watching still), else the first, unless short
   * tasks keep as many workers busy as may be.
   */
  #idleSlot(): Slot | undefined {
    const last = this.#lastAnswered;
    if (last !== undefined && last.state === "ready" && last.inFlight === 0 && !last.exclusive) return last;
    const maxBusy = this.#maxBusy();
    if (maxBusy !== Infinity && this.#busyWorkers() >= maxBusy) return undefined;
    for (const slot of this.#slots) if (slot.state === "ready" && slot.inFlight === 0 && !slot.exclusive) return slot;
    return undefined;
  }

  /** Ready workers holding messages. */
  #busyWorkers(): number {
    let busy = 0;
    for (const slot of this.#slots) if (slot.state === "ready" && slot.inFlight > 0) busy++;
    return busy;
  }

  /**
   * Whether tasks are short, by the time per task the worker that answered
   * last has timed (worker threads: children time nothing), the one doing
   * the latest work: a worker kept idle times nothing new. What a worker
   * timed before it last gave a batch back does not count. Tasks taken for
   * short that run long cost little: a batch of them gives back all but the
   * first; a worker keeping short tasks takes one message at a time; and a
   * task kept waiting in the queue is spread after {@linkcode SPREAD_AFTER_MS}.
   */
  #shortTasks(): boolean {
    const journal = this.#lastAnswered?.journal;
    if (journal === undefined || journal[JOURNAL.timed] === this.#lastAnswered!.timedBefore) return false;
    return journal[JOURNAL.taskNs]! < SHORT_TASK_NS;
  }

  /**
   * The most workers that may hold messages at once: in the latency mode,
   * with short tasks, one core fewer than there are (this thread spins for
   * their answers, and each spins while idle: more spinning threads than
   * cores take turns, each wait a scheduler's slice); otherwise every worker.
   */
  #maxBusy(short = this.#shortTasks()): number {
    return this.#cores === Infinity || !short ? Infinity : Math.max(1, this.#cores - 1);
  }

  /** Hands queued tasks to workers, as {@linkcode planDispatch} plans. */
  #dispatch(): void {
    this.#dispatchQueued();
    this.#makeRoom();
  }

  #dispatchQueued(): void {
    if (this.#queue.peek() === undefined) this.#watchIdle();
    else this.#dispatchSome();
  }

  /** @param spread Every idle worker may take tasks, short or not. */
  #dispatchSome(spread = false): void {
    // Workers that exited idle come back as tasks do, up to the pool's size.
    if (this.#idleTimeoutMs !== undefined && this.#startError === undefined) {
      let live = 0;
      for (const slot of this.#slots) if (slot.state !== "draining") live++;
      for (; live < this.#target; live++) this.#spawn();
    }
    // Every worker holds as many messages as it may, or the idle ones may take none: nothing to plan until one
    // answers (most submits, under load).
    const short = this.#shortTasks();
    const maxBusy = spread ? Infinity : this.#maxBusy(short);
    let ready = 0;
    let busy = 0;
    let room = false;
    let idle = false;
    for (const slot of this.#slots) {
      if (slot.state !== "ready") continue;
      ready++;
      if (slot.inFlight > 0) busy++;
      if (slot.exclusive) continue;
      if (slot.inFlight === 0) idle = true;
      else if (slot.inFlight < MESSAGES_PER_WORKER) room = true;
    }
    const perWorker = messagesPerWorker(ready, maxBusy === Infinity ? undefined : maxBusy, this.#queue.length);
    const open = (room && perWorker > 1) || (idle && (busy < maxBusy || this.#queue.peek()!.exclusive));
    if (open) this.#plan(short, maxBusy);
    // Tasks wait behind a busy worker while another idles: not for long, in case they are not short after all.
    const head = this.#queue.peek();
    if (idle && maxBusy !== Infinity && head !== undefined && this.#spreadTimer === undefined) {
      this.#spreadTimer = setTimeout(() => {
        this.#spreadTimer = undefined;
        // The same task at the head all along: the busy worker is slow to answer. Otherwise, look again from now.
        if (this.#queue.peek() !== undefined) this.#dispatchSome(this.#queue.peek() === head);
      }, SPREAD_AFTER_MS);
    }
  }

  /** Sends queued tasks as {@linkcode planDispatch} plans. */
  #plan(short: boolean, maxBusy: number): void {
    const slots = [...this.#slots];
    const workers = slots.map((slot) => ({
      ready: slot.state === "ready",
      exclusive: slot.exclusive,
      inFlight: slot.inFlight,
      holding: slot.tasks.size,
    }));
    const options = { short, maxBusy: maxBusy === Infinity ? undefined : maxBusy };
    for (const { worker, count } of planDispatch(workers, this.#queue, this.#queue.length, options)) {
      const slot = slots[worker]!;
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      const tasks = Array.from({ length: count }, () => this.#queue.shift()!);
      if (tasks[0]!.exclusive) slot.exclusive = true;
      this.#send(slot, tasks, short);
    }
  }

  /** @param short The tasks were taken for short: a batch of them may be given back (`giveBack`). */
  #send(slot: Slot, tasks: Task[], short = false): void {
    slot.inFlight++;
    const transfer: Transferable[] = [];
    let now = -1;
    const sent: Sent = { tasks, unanswered: tasks.length };
    for (const task of tasks) {
      task.slot = slot;
      task.message = sent;
      if (task.queuedAt >= 0) task.sentAt = now >= 0 ? now : (now = performance.now());
      slot.tasks.set(task.id, task);
      if (task.options.transfer) transfer.push(...task.options.transfer);
      const timeoutMs = task.options.timeoutMs ?? this.#taskTimeoutMs;
      if (timeoutMs !== undefined) {
        task.timer = setTimeout(() => this.#fail(task, new TaskTimeoutError(timeoutMs)), timeoutMs);
      }
    }
    const [task] = tasks;
    const message: ToWorker = tasks.length > 1
      ? batchMessage(tasks, short)
      : task!.chunk
      ? { t: "map", id: task!.id, fn: task!.fn, args: task!.arg as unknown[] }
      : task!.options.signal !== undefined && this.#abortGraceMs !== undefined
      ? { t: "run", id: task!.id, fn: task!.fn, arg: task!.arg, abortable: true }
      : { t: "run", id: task!.id, fn: task!.fn, arg: task!.arg };
    try {
      if (slot.wake === undefined) {
        slot.endpoint.send(message, transfer);
      } else {
        postAwake(slot.wake, message, transfer);
        this.#awake.sent();
      }
    } catch (error) {
      // Nothing was sent (a function to a worker, a BigInt to a child): take the tasks back.
      slot.inFlight--;
      slot.exclusive = false;
      for (const task of tasks) {
        slot.tasks.delete(task.id);
        task.slot = undefined;
        task.message = undefined;
        clearTimeout(task.timer);
        task.timer = undefined;
      }
      // One task fails alone; a batch is sent again task by task, so only the one that cannot be sent fails.
      if (tasks.length === 1) this.#settle(task!, error);
      else for (const each of tasks) this.#send(slot, [each]);
    }
  }

  /** Rejects a task from outside (timeout, abort); a running one costs its worker. */
  #fail(task: Task, error: unknown, aborted = false): void {
    const slot = task.slot;
    const running = slot !== undefined && slot.tasks.has(task.id);
    // A thread busy in the task's own code that this runtime cannot stop: counted, and the first time, said.
    const unstoppable = running && slot.journal !== undefined && this.#adapter.stopsBusyThreads === false &&
      (!aborted || this.#abortGraceMs === undefined) && Atomics.load(slot.journal, JOURNAL.busy) === 1;
    if (unstoppable && this.#unstoppable++ === 0 && error instanceof TaskTimeoutError) {
      const { name, version } = this.#adapter.runtime;
      error.message +=
        `; ${name} ${version} cannot stop its worker thread, busy in the task: it runs on, a core busy, until the task returns (stats().unstoppable counts such threads); a pool of kind "process" ends such a task for real`;
    }
    this.#settle(task, error);
    if (running && aborted && this.#abortGraceMs !== undefined) {
      // The task sees its signal abort; its worker stays if it ends in time. Its answer, when it comes, frees the worker.
      slot!.endpoint.send({ t: "abort", id: task.id });
      slot!.graceTimer = setTimeout(() => {
        if (slot!.state !== "retired" && slot!.tasks.has(task.id)) this.#discard(slot!);
      }, this.#abortGraceMs);
      return;
    }
    // The worker is busy with it (and with it alone) and cannot be interrupted: replace it.
    if (running) this.#discard(slot!);
  }

  /** Rejects a task with what it threw, or what went wrong: any value, `undefined` included. */
  #settle(task: Task, error: unknown): void {
    this.#finish(task, false, error);
  }

  #resolve(task: Task, value: unknown): void {
    this.#finish(task, true, value);
  }

  #finish(task: Task, ok: boolean, result: unknown): void {
    if (task.settled) return;
    task.settled = true;
    if (task.timer !== undefined) clearTimeout(task.timer);
    if (task.onAbort !== undefined) task.options.signal?.removeEventListener("abort", task.onAbort);
    task.timer = undefined;
    task.onAbort = undefined;
    if (task.queuedAt >= 0) {
      const now = performance.now();
      this.#latencies[this.#ring] = now - task.queuedAt;
      this.#runTimes[this.#ring] = task.sentAt === undefined ? 0 : now - task.sentAt;
      this.#ring = (this.#ring + 1) % STATS_KEPT;
    }
    if (ok) this.#done++;
    else this.#failed++;
    if (ok) task.resolve(result);
    else task.reject(result);
    this.#pending--;
    if (this.#pending === 0) this.#drained?.resolve();
    this.#makeRoom();
  }

  /** With `idleTimeoutMs`: every ready worker holding nothing starts its countdown, if it has none. */
  #watchIdle(): void {
    const idleMs = this.#idleTimeoutMs;
    if (idleMs === undefined || this.#closing) return;
    for (const slot of this.#slots) {
      if (slot.state !== "ready" || slot.tasks.size > 0 || slot.idleTimer !== undefined) continue;
      slot.idleTimer = setTimeout(() => {
        slot.idleTimer = undefined;
        if (slot.state === "ready" && slot.tasks.size === 0 && !this.#closing) this.#move(slot, "retired");
      }, idleMs);
    }
  }

  /**
   * The one place a worker's state changes, and what each change does:
   * ready resolves its start; draining counts a recycle; retired stops its
   * timers, leaves the pool and ends the worker.
   *
   * @returns The state it left.
   */
  #move(slot: Slot, to: SlotState): SlotState {
    const from = slot.state;
    if (!MOVES[from].includes(to)) throw new Error(`A worker cannot go from ${from} to ${to}`);
    slot.state = to;
    switch (to) {
      case "ready":
        this.#failedStarts = 0;
        slot.started.resolve();
        break;
      case "draining":
        this.#recycled++;
        break;
      case "retired": {
        clearTimeout(slot.idleTimer);
        clearTimeout(slot.graceTimer);
        this.#slots.delete(slot);
        const ending = slot.endpoint.terminate().catch(() => {});
        this.#ending.add(ending);
        ending.then(() => this.#ending.delete(ending));
      }
    }
    return from;
  }

  /** Ends a worker stuck in a task it cannot finish; another takes its place, unless one already has (a recycled worker's). */
  #discard(slot: Slot): void {
    slot.tasks.clear();
    if (this.#move(slot, "retired") !== "draining") this.#replace();
  }

  #replace(): void {
    if (this.#closing && this.#pending === 0) return;
    this.#spawn();
  }

  async #endAll(): Promise<void> {
    clearTimeout(this.#spreadTimer);
    this.#spreadTimer = undefined;
    for (const slot of [...this.#slots]) this.#move(slot, "retired");
    await Promise.all(this.#ending);
  }
}

/** What a task's WorkerCrashedError says when its worker died after it ran, before its answer came. */
const LOST = "after it ran, before its answer reached the pool";
/** ... and when the pool cannot tell whether it ran (a child killed from outside in the middle of a message). */
const UNKNOWN = "during this task or another sent with it: killed from outside, it could not say which";

/** A chunk's outcomes as `Promise.allSettled` gives them. */
function settledOutcomes(outcomes: readonly Outcome[]): PromiseSettledResult<unknown>[] {
  return outcomes.map(([ok, value]) =>
    ok ? { status: "fulfilled", value } : { status: "rejected", reason: deserializeError(value as SerializedError) }
  );
}

/** Tasks whose times `stats()` keeps. */
const STATS_KEPT = 1000;

function percentiles(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  return {
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: Math.max(...values),
  };
}
