/**
 * The errors a pool rejects a task with, so callers can tell a task that threw
 * from a worker that died or ran out of time.
 *
 * @module
 */

/** Where a worker or child process ended: its exit code or the signal that killed it. */
export interface ExitInfo {
  /** The exit code, or `null` when a signal ended it or the runtime gives none. */
  code: number | null;
  /** The signal name, such as `"SIGKILL"`, or `null`. */
  signal: string | null;
  /** The uncaught error that ended a worker, where the runtime reports one. */
  error?: Error;
}

/**
 * A worker or child process ended while it ran a task.
 *
 * @example
 * ```ts
 * const error = new WorkerCrashedError({ code: 7, signal: null });
 * if (!(error.message.includes("exit code 7"))) throw new Error("the example's check failed");
 * ```
 */
export class WorkerCrashedError extends Error {
  /** How the worker ended. */
  readonly exit: ExitInfo;

  /**
   * @param exit How the worker ended.
   * @param what Which kind of worker ended, for the message.
   * @param when When, against the task: during it by default.
   */
  constructor(exit: ExitInfo, what = "worker", when = "during the task") {
    super(`Cannot finish task: the ${what} exited ${when} with ${describeExit(exit)}`, {
      cause: exit.error,
    });
    this.name = "WorkerCrashedError";
    this.exit = exit;
  }
}

/**
 * A task ran past its timeout; the pool terminated its worker.
 *
 * @example
 * ```ts
 * const error = new TaskTimeoutError(50);
 * if (!(error.timeoutMs === 50)) throw new Error("the example's check failed");
 * ```
 */
export class TaskTimeoutError extends Error {
  /** The timeout the task exceeded, in milliseconds. */
  readonly timeoutMs: number;

  /** @param timeoutMs The timeout the task exceeded, in milliseconds. */
  constructor(timeoutMs: number) {
    super(`Cannot finish task: it ran past its timeout of ${timeoutMs} ms`);
    this.name = "TaskTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Describes how a worker ended, in words.
 *
 * @param exit How it ended.
 * @returns For example `exit code 1`, `signal SIGKILL` or `an uncaught error: boom`.
 */
export function describeExit(exit: ExitInfo): string {
  if (exit.signal !== null) return `signal ${exit.signal}${exit.error === undefined ? "" : ` (${exit.error.message})`}`;
  if (exit.error !== undefined && exit.code === null) {
    return `an uncaught error: ${exit.error.message}`;
  }
  if (exit.code !== null) return `exit code ${exit.code}`;
  return "no exit code";
}

/** Some items of a {@linkcode Pool.map} failed; every item's outcome is kept, in order. */
export class MapError<T = unknown> extends AggregateError {
  /** Each item's outcome, as `Promise.allSettled` gives them. */
  readonly results: PromiseSettledResult<T>[];

  /** @param results Each item's outcome. */
  constructor(results: PromiseSettledResult<T>[]) {
    const failed = results.flatMap((
      r,
      index,
    ) => (r.status === "rejected" ? [{ index, error: r.reason as unknown }] : []));
    super(
      failed.map((f) => f.error),
      `Cannot map: ${failed.length} of ${results.length} items failed, the first at index ${failed[0]?.index}: ${
        (failed[0]?.error as Error)?.message
      }`,
    );
    this.name = "MapError";
    this.results = results;
  }
}

/** A task refused because the pool's queue already holds `maxQueue` tasks: await `pool.room()`, or raise `maxQueue`. */
export class QueueFullError extends Error {
  /** The limit the queue was at. */
  readonly maxQueue: number;

  /** @param fn The task's function. @param maxQueue The limit. */
  constructor(fn: string, maxQueue: number) {
    super(
      `Cannot run task "${fn}": the queue holds ${maxQueue} tasks already (maxQueue); await pool.room(), or raise maxQueue`,
    );
    this.name = "QueueFullError";
    this.maxQueue = maxQueue;
  }
}
