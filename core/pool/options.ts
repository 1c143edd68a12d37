/**
 * The pool's options, and the checks that refuse bad ones before anything
 * starts: one line naming the option and what was received.
 *
 * @module
 */

import { type ResourceLimits, type RuntimeAdapter, startsKind, type WorkerKind } from "../adapter.ts";
import { checkCount, describeValue } from "../_checks.ts";

/** Options for `createPool`. */
export interface PoolOptions {
  /** The runtime adapter that starts the workers. */
  adapter: RuntimeAdapter;
  /** Worker threads or child processes. Default `"worker"`. */
  kind?: WorkerKind;
  /** How many workers run at once. Default 2. */
  size?: number;
  /** The module whose exported functions the tasks call: yours, such as `new URL("./tasks.ts", import.meta.url)`. */
  module: URL;
  /** A timeout for every task, in milliseconds, unless a task sets its own. */
  taskTimeoutMs?: number;
  /**
   * Latency mode, for worker threads (child processes ignore it): tasks and
   * answers of plain data travel through shared memory; for this many
   * microseconds an idle worker watches it for its next task, and this
   * thread, after it sends a task, keeps its event loop turning rather than
   * asleep, looking for answers; a task and its answer then find their
   * thread awake (waking a sleeping thread is most of a round trip's cost).
   * The price is that much cpu per idle spell on both sides, and a worker's
   * event loop waits while it watches. Default 0: threads sleep when idle.
   */
  spinMicros?: number;
  /**
   * Backpressure: with this many tasks waiting for a worker, `run()` rejects
   * at once with `QueueFullError` rather than queue more; `pool.room()`
   * settles when there is room. `map()` queues its chunks regardless.
   * Default: no limit.
   */
  maxQueue?: number;
  /**
   * A worker idle this long exits; the pool starts workers again, up to
   * `size`, when tasks come. Default: workers stay.
   */
  idleTimeoutMs?: number;
  /**
   * Cancellation the task can see: a task run with a `signal` is called with
   * `{ signal }` after its argument, and aborting it aborts that signal in the
   * worker. The task's promise rejects at once with the reason either way;
   * the worker is kept if the task ends within this many ms, and replaced if
   * not. Default: no grace, the worker is replaced at once (a synchronous
   * task cannot see a signal before it returns).
   */
  abortGraceMs?: number;
  /**
   * Recycling: a worker whose JavaScript heap has passed this many MB after
   * a message takes no more tasks; a new one is started in its place, and it
   * ends once the tasks it holds settle. For tasks that leak, or that leave
   * a heap behind. Default: workers are kept whatever their heap.
   */
  recycleHeapMb?: number;
  /**
   * Limits on each worker's engine, as `node:worker_threads` takes them: a
   * worker past one ends with an error, its task fails with
   * `WorkerCrashedError`, and another takes its place. Only those the
   * adapter lists (`adapter.resourceLimits`): Node's workers take all four,
   * Node's and Deno's child processes `maxOldGenerationSizeMb`; the pool
   * refuses any other rather than run without it.
   */
  resourceLimits?: ResourceLimits;
  /**
   * Record where and when each task ran: the worker, its start and end on a
   * clock every thread and process shares, and where the worker's thread can
   * read its own clocks, its time on a CPU and waiting for one; read them with
   * `pool.takeSpans()`. What a time budget is made of. Costs two clock reads
   * and two reads of the thread's clock per task. Default false.
   */
  spans?: boolean;
}

/**
 * Checks a pool's options.
 *
 * @param options The options given to `createPool`.
 * @returns The pool's size.
 * @throws {RangeError} A number out of range.
 * @throws {TypeError} A value of the wrong kind, a kind of worker the runtime has not, or a resource limit its workers cannot take.
 */
export function checkPoolOptions(options: PoolOptions): number {
  const size = checkCount("Cannot create pool", "size", options.size ?? 2);
  if (!(options.module instanceof URL)) {
    throw new TypeError(
      `Cannot create pool: "module" must be a URL, such as new URL("./tasks.ts", import.meta.url), received ${
        describeValue(options.module)
      }`,
    );
  }
  const spin = options.spinMicros;
  if (spin !== undefined && !(Number.isFinite(spin) && spin >= 0)) {
    throw new RangeError(
      `Cannot create pool: "spinMicros" must be a number of microseconds, 0 or more, received ${describeValue(spin)}`,
    );
  }
  if (options.spans !== undefined && typeof options.spans !== "boolean") {
    throw new TypeError(`Cannot create pool: "spans" must be true or false, received ${describeValue(options.spans)}`);
  }
  if (options.maxQueue !== undefined) checkCount("Cannot create pool", "maxQueue", options.maxQueue);
  if (options.idleTimeoutMs !== undefined) checkCount("Cannot create pool", "idleTimeoutMs", options.idleTimeoutMs);
  if (options.abortGraceMs !== undefined) checkCount("Cannot create pool", "abortGraceMs", options.abortGraceMs, 0);
  const recycle = options.recycleHeapMb;
  if (recycle !== undefined && !(typeof recycle === "number" && recycle > 0 && Number.isFinite(recycle))) {
    throw new RangeError(
      `Cannot create pool: "recycleHeapMb" must be a number of MB above 0, received ${describeValue(recycle)}`,
    );
  }
  const kind = options.kind ?? "worker";
  if (!startsKind(options.adapter, kind)) {
    const { name, version } = options.adapter.runtime;
    throw new TypeError(`Cannot create pool: ${name} ${version} has no ${KIND_NAMES[kind]} (kind "${kind}")`);
  }
  checkResourceLimits(options.adapter, kind, options.resourceLimits);
  return size;
}

/** What each kind of worker is called in a message. */
const KIND_NAMES: Record<WorkerKind, string> = { worker: "worker threads", process: "child processes" };

const LIMIT_NAMES: readonly (keyof ResourceLimits)[] = [
  "maxOldGenerationSizeMb",
  "maxYoungGenerationSizeMb",
  "codeRangeSizeMb",
  "stackSizeMb",
];

/** Refuses resource limits that are not numbers above 0, or that this runtime's workers of this kind cannot take. */
function checkResourceLimits(adapter: RuntimeAdapter, kind: WorkerKind, limits: ResourceLimits | undefined): void {
  if (limits === undefined) return;
  if (typeof limits !== "object" || limits === null) {
    throw new TypeError(
      `Cannot create pool: "resourceLimits" must be an object such as { maxOldGenerationSizeMb: 256 }, received ${
        describeValue(limits)
      }`,
    );
  }
  const taken = adapter.resourceLimits?.[kind] ?? [];
  const workers = `${adapter.runtime.name} ${adapter.runtime.version}'s ${KIND_NAMES[kind]}`;
  for (const [name, value] of Object.entries(limits)) {
    if (!LIMIT_NAMES.includes(name as keyof ResourceLimits)) {
      throw new TypeError(
        `Cannot create pool: "resourceLimits" has no limit "${name}" (there are ${LIMIT_NAMES.join(", ")})`,
      );
    }
    if (!(typeof value === "number" && value > 0 && Number.isFinite(value))) {
      throw new RangeError(
        `Cannot create pool: "resourceLimits.${name}" must be a number of MB above 0, received ${describeValue(value)}`,
      );
    }
    if (!taken.includes(name as keyof ResourceLimits)) {
      throw new TypeError(
        `Cannot create pool: ${workers} cannot be held to "${name}" (they take ${
          taken.length === 0 ? "no resource limits" : taken.join(", ")
        })`,
      );
    }
  }
}
