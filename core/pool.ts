/**
 * One pool of workers or child processes over any runtime adapter: a task
 * queue, results in the order asked for, and faults contained to the task
 * that caused them.
 *
 * @module
 */

import type { Endpoint, RuntimeAdapter, WorkerKind } from "./adapter.ts";
import { describeExit, type ExitInfo, TaskTimeoutError, WorkerCrashedError } from "./errors.ts";
import { deserializeError, type FromWorker } from "./protocol.ts";

/** The module workers load when no other is named: truepar's workloads. */
export const DEFAULT_TASK_MODULE: URL = new URL("./tasks.ts", import.meta.url);

/** Options for {@linkcode createPool}. */
export interface PoolOptions {
  /** The runtime adapter that starts the workers. */
  adapter: RuntimeAdapter;
  /** Worker threads or child processes. Default `"worker"`. */
  kind?: WorkerKind;
  /** How many workers run at once. Default 2. */
  size?: number;
  /** The module whose exported functions the tasks call. Default: truepar's workloads. */
  module?: URL;
  /** A timeout for every task, in milliseconds, unless a task sets its own. */
  taskTimeoutMs?: number;
}

/** Options for one task. */
export interface RunTaskOptions {
  /** Aborting it rejects the task with `signal.reason` and replaces its worker. */
  signal?: AbortSignal;
  /** Past this many milliseconds the task rejects with `TaskTimeoutError` and its worker is replaced. */
  timeoutMs?: number;
  /** Parts of `arg` to transfer rather than copy, such as a MessagePort or a large ArrayBuffer (worker threads only). */
  transfer?: Transferable[];
}

interface Task {
  id: number;
  fn: string;
  arg: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  options: RunTaskOptions;
  slot?: Slot;
  settled?: boolean;
  timer?: ReturnType<typeof setTimeout>;
  onAbort?: () => void;
}

interface Slot {
  endpoint: Endpoint;
  ready: boolean;
  retired: boolean;
  task?: Task;
  started: Deferred<void>;
}

/**
 * Starts a pool and waits until every worker is ready.
 *
 * @param options The adapter, kind, size and task module.
 * @returns The ready pool.
 * @throws {RangeError} When `size` is not a positive integer.
 * @throws {Error} When a worker cannot start; the others are terminated.
 * @example
 * ```ts ignore
 * import { createPool } from "./pool.ts";
 * import { createAdapter } from "../runtimes/detect.ts";
 * const pool = await createPool({ adapter: await createAdapter(), size: 2 });
 * console.log(await pool.run("runWorkload", { workload: "cpu", params: { iterations: 1e6 } }));
 * await pool.close();
 * ```
 */
export async function createPool(options: PoolOptions): Promise<Pool> {
  const size = options.size ?? 2;
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(
      `Cannot create pool: "size" must be a positive integer, received ${String(size)}`,
    );
  }
  const specifier = await options.adapter.prepare(options.module ?? DEFAULT_TASK_MODULE);
  const pool = new Pool(options, size, specifier);
  await pool.ready();
  return pool;
}

/** A pool of workers or child processes; make one with {@linkcode createPool}. */
export class Pool {
  #adapter: RuntimeAdapter;
  #kind: WorkerKind;
  #specifier: string;
  #taskTimeoutMs?: number;
  #slots = new Set<Slot>();
  #queue: Task[] = [];
  #nextId = 0;
  #pending = 0;
  #closing = false;
  #startError?: Error;
  #drained?: Deferred<void>;
  #ending = new Set<Promise<void>>();

  /** @internal Use {@linkcode createPool}. */
  constructor(options: PoolOptions, size: number, specifier: string) {
    this.#adapter = options.adapter;
    this.#kind = options.kind ?? "worker";
    this.#specifier = specifier;
    this.#taskTimeoutMs = options.taskTimeoutMs;
    for (let i = 0; i < size; i++) this.#spawn();
  }

  /** Worker threads or child processes. */
  get kind(): WorkerKind {
    return this.#kind;
  }

  /** How many workers the pool keeps. */
  get size(): number {
    return this.#slots.size;
  }

  /** Process ids of the child processes (empty for worker threads). */
  get pids(): number[] {
    return [...this.#slots].flatMap((slot) => slot.endpoint.pid ?? []);
  }

  /** @internal Settles when every current worker is ready; rejects if one fails to start. */
  async ready(): Promise<void> {
    try {
      await Promise.all([...this.#slots].map((slot) => slot.started.promise));
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
  run<T = unknown>(fn: string, arg: unknown, options: RunTaskOptions = {}): Promise<T> {
    if (this.#closing) {
      return Promise.reject(new Error(`Cannot run task "${fn}": the pool is closed`));
    }
    if (this.#startError !== undefined) return Promise.reject(this.#startError);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (options.transfer?.length && this.#kind === "process") {
      return Promise.reject(new TypeError(`Cannot run task "${fn}": a transfer list needs worker threads, not child processes`));
    }
    const { promise, resolve, reject } = defer<T>();
    const task: Task = {
      id: this.#nextId++,
      fn,
      arg,
      resolve: resolve as (value: unknown) => void,
      reject,
      options,
    };
    if (signal !== undefined) {
      task.onAbort = () => this.#fail(task, signal.reason);
      signal.addEventListener("abort", task.onAbort, { once: true });
    }
    this.#pending++;
    this.#queue.push(task);
    this.#dispatch();
    return promise;
  }

  /**
   * Waits for every queued and running task, then ends every worker.
   * Afterwards nothing of the pool keeps the program alive.
   */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#pending > 0) {
      this.#drained = defer<void>();
      await this.#drained.promise;
    }
    await this.#endAll();
  }

  /** Ends every worker now; queued and running tasks reject. */
  async terminate(): Promise<void> {
    this.#closing = true;
    const error = new Error("Cannot finish task: the pool was terminated");
    for (const task of [...this.#queue]) this.#settle(task, error);
    for (const slot of this.#slots) if (slot.task) this.#settle(slot.task, error);
    await this.#endAll();
  }

  /** Closes the pool, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #spawn(): void {
    const slot = { ready: false, retired: false, started: defer<void>() } as Slot;
    slot.started.promise.catch(() => {});
    slot.endpoint = this.#adapter.spawn(this.#kind, {
      onMessage: (message) => this.#onMessage(slot, message),
      onExit: (exit) => this.#onExit(slot, exit),
    });
    this.#slots.add(slot);
    slot.endpoint.send({ t: "init", module: this.#specifier });
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    if (slot.retired) return;
    switch (message.t) {
      case "ready":
        slot.ready = true;
        slot.started.resolve();
        this.#dispatch();
        return;
      case "init-fail":
        this.#onExit(slot, { code: null, signal: null, error: deserializeError(message.error) });
        return;
      case "exit":
        this.#onExit(slot, { code: message.code, signal: null });
        return;
      case "done":
      case "fail": {
        const task = slot.task;
        if (task === undefined || task.id !== message.id) return;
        slot.task = undefined;
        if (message.t === "done") this.#settle(task, undefined, message.value);
        else this.#settle(task, deserializeError(message.error));
        this.#dispatch();
      }
    }
  }

  #onExit(slot: Slot, exit: ExitInfo): void {
    if (slot.retired) return;
    this.#retire(slot);
    const what = this.#kind === "worker" ? "worker" : "child process";
    if (!slot.ready) {
      // A worker that cannot start would fail again: stop instead of looping.
      const error = new Error(
        `Cannot start ${what}: it exited before it was ready, with ${describeExit(exit)}`,
        { cause: exit.error },
      );
      this.#startError = error;
      slot.started.reject(error);
      for (const task of [...this.#queue]) this.#settle(task, error);
      return;
    }
    if (slot.task) this.#settle(slot.task, new WorkerCrashedError(exit, what));
    this.#replace();
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (!slot.ready || slot.task !== undefined) continue;
      const task = this.#queue.shift()!;
      slot.task = task;
      task.slot = slot;
      const timeoutMs = task.options.timeoutMs ?? this.#taskTimeoutMs;
      if (timeoutMs !== undefined) {
        task.timer = setTimeout(() => this.#fail(task, new TaskTimeoutError(timeoutMs)), timeoutMs);
      }
      slot.endpoint.send({ t: "run", id: task.id, fn: task.fn, arg: task.arg }, task.options.transfer);
    }
  }

  /** Rejects a task from outside (timeout, abort); a running one costs its worker. */
  #fail(task: Task, error: unknown): void {
    const slot = task.slot;
    this.#settle(task, error);
    if (slot !== undefined && slot.task === task) {
      slot.task = undefined;
      this.#retire(slot);
      this.#replace();
    }
  }

  #settle(task: Task, error: unknown, value?: unknown): void {
    if (task.settled) return;
    task.settled = true;
    const index = this.#queue.indexOf(task);
    if (index !== -1) this.#queue.splice(index, 1);
    if (task.timer !== undefined) clearTimeout(task.timer);
    if (task.onAbort !== undefined) task.options.signal?.removeEventListener("abort", task.onAbort);
    task.timer = undefined;
    task.onAbort = undefined;
    if (error === undefined) task.resolve(value);
    else task.reject(error);
    this.#pending--;
    if (this.#pending === 0) this.#drained?.resolve();
  }

  #retire(slot: Slot): void {
    slot.retired = true;
    this.#slots.delete(slot);
    const ending = slot.endpoint.terminate().catch(() => {});
    this.#ending.add(ending);
    ending.then(() => this.#ending.delete(ending));
  }

  #replace(): void {
    if (this.#closing && this.#pending === 0) return;
    this.#spawn();
  }

  async #endAll(): Promise<void> {
    const slots = [...this.#slots];
    this.#slots.clear();
    for (const slot of slots) slot.retired = true;
    await Promise.all([...slots.map((slot) => slot.endpoint.terminate()), ...this.#ending]);
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** `Promise.withResolvers`, which Node 20 lacks. */
function defer<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
