/**
 * The messages between a pool and its workers or child processes, and their
 * framing on a byte stream (children talk over stdin and stdout).
 *
 * @module
 */

/** An error as it crosses a thread or process boundary. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** A message from the pool to a worker. */
export type ToWorker =
  | { t: "init"; module: string; wake?: Wake }
  | { t: "run"; id: number; fn: string; arg: unknown }
  /** Several tasks in one message, run one after another; answered by one `batch-done`. */
  | { t: "batch"; tasks: [id: number, fn: string, arg: unknown][] }
  /** One task that calls `fn` on each of `args`; answered by `done` with one outcome per item. */
  | { t: "map"; id: number; fn: string; args: unknown[] };

/**
 * A worker thread's second way in, for a pool that spins (`spinMicros`):
 * tasks arrive on `port`, and the pool adds one to `counter[0]` after each, so
 * an idle worker can watch the counter and take the task at once.
 */
export interface Wake {
  /** One 32-bit counter in shared memory. */
  counter: Int32Array;
  /** The port the pool sends tasks on. */
  port: MessagePort;
  /** How long an idle worker watches the counter before it goes back to its event loop. */
  spinMicros: number;
}

/** How one task or item ended: `[1, value]` or `[0, error]`. */
export type Outcome = [ok: 1, value: unknown] | [ok: 0, error: SerializedError];

/** A message from a worker to the pool. */
export type FromWorker =
  | { t: "ready" }
  | { t: "done"; id: number; value: unknown }
  | { t: "fail"; id: number; error: SerializedError }
  | { t: "batch-done"; results: [id: number, ...outcome: Outcome][] }
  | { t: "init-fail"; error: SerializedError }
  | { t: "exit"; code: number };

/** Marks a protocol line on a child's stdout, so stray `console.log` output is told apart. */
const FRAME_MARK = "\x1e";

/**
 * Turns an error thrown anywhere into its serializable form, keeping name, message and stack.
 *
 * @param error What was thrown.
 * @returns The error's name, message and stack.
 */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  return { name: "Error", message: String(error) };
}

/**
 * Rebuilds an error sent by a worker, with its original name, message and stack.
 *
 * @param error The serialized error.
 * @returns An `Error` carrying the worker's name, message and stack.
 */
export function deserializeError(error: SerializedError): Error {
  const result = new Error(error.message);
  result.name = error.name;
  if (error.stack !== undefined) result.stack = error.stack;
  return result;
}

/**
 * Frames one message as a line for a byte stream.
 *
 * @param message A JSON-serializable message.
 * @returns The framed line, newline included.
 */
export function encodeFrame(message: unknown): string {
  return FRAME_MARK + JSON.stringify(message) + "\n";
}

/**
 * Splits a byte stream into framed messages; lines that are not frames
 * (a task's own `console.log`) are handed back as text.
 */
export class FrameDecoder {
  #decoder = new TextDecoder();
  #buffer = "";
  #onMessage: (message: unknown) => void;
  #onText: (line: string) => void;

  /**
   * @param onMessage Called with each decoded message.
   * @param onText Called with each line that is not a frame.
   */
  constructor(onMessage: (message: unknown) => void, onText: (line: string) => void) {
    this.#onMessage = onMessage;
    this.#onText = onText;
  }

  /**
   * Feeds the next chunk of the stream.
   *
   * @param chunk Bytes or text as read from the stream.
   */
  push(chunk: Uint8Array | string): void {
    this.#buffer += typeof chunk === "string"
      ? chunk
      : this.#decoder.decode(chunk, { stream: true });
    let end = this.#buffer.indexOf("\n");
    while (end !== -1) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 1);
      if (line.startsWith(FRAME_MARK)) this.#onMessage(JSON.parse(line.slice(1)));
      else this.#onText(line);
      end = this.#buffer.indexOf("\n");
    }
  }
}
