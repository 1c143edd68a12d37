/**
 * The messages between a pool and its workers or child processes, and what
 * a task threw as it crosses to the pool (the bytes on a child's stdin and
 * stdout are framed by the adapters, in runtimes/_frames.ts).
 *
 * @module
 */

/**
 * What a task threw, as it crosses a thread or process boundary: an error
 * with its class, stack, cause and own properties, or a thrown value that
 * is not an error, kept as it is (`thrown`).
 */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The built-in class to rebuild it with (`TypeError`, `AggregateError`…); a custom class comes back as its nearest built-in ancestor, with its own `name`. */
  kind?: BuiltinErrorName;
  /** Its `cause`, serialized the same way. */
  cause?: SerializedError;
  /** An `AggregateError`'s errors. */
  errors?: SerializedError[];
  /** Its own enumerable properties (`code`, `errno`, custom fields), those that could be cloned. */
  props?: Record<string, unknown>;
  /** A thrown value that is not an Error: delivered as this value itself. */
  thrown?: { value: unknown };
}

/** The built-in error classes an error is rebuilt with. */
export type BuiltinErrorName =
  | "Error"
  | "TypeError"
  | "RangeError"
  | "SyntaxError"
  | "ReferenceError"
  | "EvalError"
  | "URIError"
  | "AggregateError";

const BUILTIN_ERRORS: Record<BuiltinErrorName, ErrorConstructor | AggregateErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
};

/** How deep causes are followed: a cycle or a very long chain ends here. */
const MAX_CAUSE_DEPTH = 16;

/**
 * The words of a worker thread's journal, in shared memory, written by the
 * worker alone: the task it runs + 1 (0: none) and the map item it is at (-1:
 * not a map chunk), for the pool to read after the worker has died; 1 while
 * the thread is in a task's synchronous code (a runtime that cannot stop a
 * busy thread says so then); and the time its recent tasks took, ns a task
 * (0: none timed yet), and how many times it has written that, which the
 * pool reads as it plans.
 */
export const JOURNAL = { running: 0, item: 1, busy: 2, taskNs: 3, timed: 4, words: 5 } as const;

/** A message from the pool to a worker. */
export type ToWorker =
  /**
   * `heapLimit`: bytes of heap past which the worker says so (`heap`) after a message.
   * `spans`: every answer carries the span of its call (`Span`).
   * `journal` (worker threads): the 32-bit words of {@linkcode JOURNAL} the worker keeps up to date.
   */
  | { t: "init"; module: string; wake?: Wake; heapLimit?: number; spans?: true; journal?: SharedArrayBuffer }
  /** With `abortable`, the function is called with `{ signal }` after its argument, and an `abort` message aborts it. */
  | { t: "run"; id: number; fn: string; arg: unknown; abortable?: true }
  /** Aborts the signal of a running abortable task; handled at once, not after the task. */
  | { t: "abort"; id: number }
  /** Messages wait on the shared-memory channel (`Wake.shared`): take them. */
  | { t: "poll" }
  /** Takes the place of a message that could not be sent after its marker was written to the channel: nothing to run. */
  | { t: "void" }
  /**
   * Several tasks in one message, run one after another; answered by one
   * `batch-done`. Flat, a list per field: task `i` is `ids[i]`, calling `fn`
   * (or `fn[i]`, where the tasks call different functions) with `args[i]`;
   * a few arrays clone faster than one small array per task. `giveBack`:
   * the pool took the tasks for short; if the first two run long, the
   * worker answers them and gives back the others unbegun (`returned`).
   */
  | { t: "batch"; ids: number[]; fn: string | string[]; args: unknown[]; giveBack?: true }
  /** One task that calls `fn` on each of `args`; answered by `done` with one outcome per item. */
  | { t: "map"; id: number; fn: string; args: unknown[] };

/**
 * A worker thread's shared-memory channel: tasks of plain data come through
 * it, and the pool adds one to `counter[0]` after each message it sends
 * (through the channel or by port), so an idle worker in the latency mode can
 * watch the counter and take the task at once.
 */
export interface Wake {
  /** One 32-bit counter in shared memory. */
  counter: Int32Array;
  /** How long an idle worker watches the counter before it goes back to its event loop; 0: it does not. */
  spinMicros: number;
  /** The shared-memory channel (`core/pool/channel.ts`) that carries plain-data tasks and answers; `counter` is its first word. */
  shared: SharedArrayBuffer;
}

/** How one task or item ended: `[1, value]` or `[0, error]`. */
export type Outcome = [ok: 1, value: unknown] | [ok: 0, error: SerializedError];

/**
 * When a call ran, in ms since the epoch on a clock every thread and process
 * of the machine shares (`performance.timeOrigin + performance.now()`), and,
 * where its thread can read its own clocks, the ms it spent on a CPU and
 * waiting runnable for one meanwhile.
 */
export type Span = [startMs: number, endMs: number, cpuMs?: number, waitMs?: number];

/** A message from a worker to the pool. */
export type FromWorker =
  | { t: "ready" }
  /** `span`: with `init.spans`, when the call ran (a map chunk: the whole chunk). */
  | { t: "done"; id: number; value: unknown; span?: Span }
  | { t: "fail"; id: number; error: SerializedError; span?: Span }
  /**
   * Answers to tasks of a `batch`, flat as the batch is: task `ids[i]` ended
   * with `ok[i]` (1: returned `values[i]`; 0: threw, `values[i]` its
   * serialized error), and with `init.spans`, ran during `spans[i]`.
   */
  | { t: "batch-done"; ids: number[]; ok: (0 | 1)[]; values: unknown[]; spans?: Span[] }
  /** Tasks of a `giveBack` batch given back unbegun, in order: the first two ran long, and these may run elsewhere. */
  | { t: "returned"; ids: number[] }
  /**
   * A child process starts task `id` (at map item `item`): said when a message begins, with the answers held before
   * it; `exact` when said again while the task runs (before it waits, or as the child ends by its own hand), so the
   * pool knows it is the one running, not only that the message has begun.
   */
  | { t: "start"; id: number; item?: number; exact?: true }
  /** A map chunk's items `from` on, done before the chunk ends: sent before the worker waits, or as it ends by its own hand. */
  | { t: "items"; id: number; from: number; outcomes: Outcome[] }
  | { t: "init-fail"; error: SerializedError }
  /** Answers wait on the shared-memory channel: take them. */
  | { t: "poll" }
  /** Its heap passed the `heapLimit` of its `init`, at `used` bytes: sent once, after an answer. */
  | { t: "heap"; used: number }
  | { t: "exit"; code: number };

/**
 * Turns whatever a task threw into plain data that crosses any boundary:
 * name, message, stack, built-in class, cause (recursively), an
 * AggregateError's errors, and the own enumerable properties that can be
 * cloned. A thrown value that is not an Error is kept as it is when it can
 * be cloned, and described when it cannot.
 *
 * @param error What was thrown.
 * @returns Its serializable form.
 * @example
 * ```ts
 * import { deserializeError, serializeError } from "./protocol.ts";
 * const error = Object.assign(new RangeError("bad range", { cause: new Error("inner") }), { code: "E_RANGE" });
 * const copy = deserializeError(structuredClone(serializeError(error))) as RangeError & { code: string };
 * if (!(copy instanceof RangeError && copy.code === "E_RANGE" && (copy.cause as Error).message === "inner")) throw new Error("the example's check failed");
 * ```
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return cloneable(error)
      ? { name: "Error", message: describeThrown(error), thrown: { value: error } }
      : { name: "Error", message: `A task threw a value that cannot be sent: ${describeThrown(error)}` };
  }
  const result: SerializedError = {
    name: error.name,
    message: error.message,
    stack: error.stack,
    kind: builtinOf(error),
  };
  if (error instanceof AggregateError && depth < MAX_CAUSE_DEPTH) {
    result.errors = [...error.errors].map((each) => serializeError(each, depth + 1));
  }
  if ("cause" in error && error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    result.cause = serializeError(error.cause, depth + 1);
  }
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== "cause" && cloneable(value)) props[key] = value;
  }
  if (Object.keys(props).length > 0) result.props = props;
  return result;
}

/**
 * Rebuilds what a task threw: an error of its built-in class, with its name,
 * message, the worker's stack, its cause and its own properties; or the
 * thrown value itself when it was not an Error.
 *
 * @param error The serialized form.
 * @returns What to reject the task with.
 */
export function deserializeError(error: SerializedError): unknown {
  if (error.thrown !== undefined) return error.thrown.value;
  const Builtin = BUILTIN_ERRORS[error.kind ?? "Error"] ?? Error;
  const options = error.cause === undefined ? undefined : { cause: deserializeError(error.cause) };
  const result = Builtin === AggregateError
    ? new AggregateError((error.errors ?? []).map(deserializeError), error.message, options)
    : new (Builtin as ErrorConstructor)(error.message, options);
  if (result.name !== error.name) result.name = error.name;
  if (error.stack !== undefined) result.stack = error.stack;
  if (error.props !== undefined) Object.assign(result, error.props);
  return result;
}

function builtinOf(error: Error): BuiltinErrorName {
  for (let proto = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name = proto.constructor?.name as BuiltinErrorName;
    if (BUILTIN_ERRORS[name]?.prototype === proto) return name;
  }
  return "Error";
}

function cloneable(value: unknown): boolean {
  if (typeof value === "function" || typeof value === "symbol") return false;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function describeThrown(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
