/**
 * What the primitives share: attaching to a buffer with checks, timeouts and
 * deadlines, and waiting without blocking where the runtime allows it.
 *
 * @module
 */

/** Tags in each primitive's first cell, so a buffer is not attached as the wrong kind. */
export const TAGS = {
  Mutex: 0x4d555458,
  NaiveLock: 0x4e4c434b,
  Semaphore: 0x53454d41,
  BoundedSemaphore: 0x42534d41,
  Barrier: 0x42415252,
} as const;

/** Options for attaching a primitive to a buffer. */
export interface AttachOptions {
  /** Refuse a buffer that holds no primitive yet, instead of creating one in it. */
  attachOnly?: boolean;
}

/** A primitive's kind. */
export type PrimitiveKind = keyof typeof TAGS;

/**
 * Creates or attaches the Int32 cells of a primitive.
 *
 * @param kind The primitive, for messages and the tag.
 * @param cells How many Int32 cells it needs, the tag in cell 0 included.
 * @param buffer A buffer of this kind to attach to, or a zeroed one to create it in; a new one when absent.
 * @param attachOnly Refuse a buffer that holds no primitive yet (for `from()`).
 * @param init Checks the creator's options and fills the other cells, before the tag is published: a thread
 *   that attaches meanwhile waits for the tag, and one that throws leaves the buffer as it was.
 * @returns The cells, and whether this call created the primitive.
 * @throws {TypeError} When the buffer is not a SharedArrayBuffer, or holds another kind.
 * @throws {RangeError} When the buffer is too small.
 */
export function attachCells(
  kind: PrimitiveKind,
  cells: number,
  buffer?: unknown,
  attachOnly = false,
  init?: (view: Int32Array) => void,
): { view: Int32Array; fresh: boolean } {
  if (buffer === undefined) buffer = new SharedArrayBuffer(cells * 4);
  if (!(buffer instanceof SharedArrayBuffer)) {
    const name = (buffer as object | null)?.constructor?.name ?? String(buffer);
    throw new TypeError(`Cannot attach ${kind}: the buffer must be a SharedArrayBuffer, received ${name}`);
  }
  const tag = buffer.byteLength >= 4 ? awaitTag(new Int32Array(buffer, 0, 1), kind) : 0;
  if (tag !== TAGS[kind] && (tag !== 0 || attachOnly)) {
    const other = Object.entries(TAGS).find(([, value]) => value === tag)?.[0];
    throw new TypeError(
      `Cannot attach ${kind}: the buffer holds ${other === undefined ? "no truepar primitive" : `a ${other}`}`,
    );
  }
  if (buffer.byteLength < cells * 4) {
    throw new RangeError(
      `Cannot attach ${kind}: the buffer must hold at least ${cells * 4} bytes, received ${buffer.byteLength}`,
    );
  }
  const view = new Int32Array(buffer, 0, cells);
  // Whoever marks a zeroed buffer first creates the primitive in it; the tag goes up once its cells are written.
  if (tag === 0 && Atomics.compareExchange(view, 0, 0, CREATING) === 0) {
    try {
      init?.(view);
    } catch (error) {
      Atomics.store(view, 0, 0);
      Atomics.notify(view, 0);
      throw error;
    }
    Atomics.store(view, 0, TAGS[kind]);
    Atomics.notify(view, 0);
    return { view, fresh: true };
  }
  if (tag === 0) return attachCells(kind, cells, buffer, attachOnly, init);
  return { view, fresh: false };
}

/** The first cell while another thread is writing a new primitive's cells. */
const CREATING = -1;
/** A creator takes microseconds; one that takes this long has died mid-way. */
const CREATING_LIMIT_MS = 1000;

/** The tag, once no other thread is still creating the primitive. */
function awaitTag(cell: Int32Array, kind: PrimitiveKind): number {
  let tag = Atomics.load(cell, 0);
  if (tag !== CREATING) return tag;
  const deadline = performance.now() + CREATING_LIMIT_MS;
  while ((tag = Atomics.load(cell, 0)) === CREATING) {
    if (performance.now() > deadline) {
      throw new Error(`Cannot attach ${kind}: another thread began creating it and never finished`);
    }
  }
  return tag;
}

/**
 * Checks a timeout, without reading the clock (the fast paths must stay fast).
 *
 * @param action What is being done, for the message, such as `lock mutex`.
 * @param timeoutMs Milliseconds, or `Infinity` to wait for ever.
 * @throws {TypeError} When the timeout is not a number.
 * @throws {RangeError} When it is negative or NaN.
 */
export function checkTimeout(action: string, timeoutMs: unknown): void {
  if (timeoutMs === Infinity) return;
  if (typeof timeoutMs !== "number") {
    throw new TypeError(
      `Cannot ${action}: "timeoutMs" must be a number, received ${
        typeof timeoutMs === "string" ? JSON.stringify(timeoutMs) : String(timeoutMs)
      }`,
    );
  }
  if (!(timeoutMs >= 0)) {
    throw new RangeError(`Cannot ${action}: "timeoutMs" must be a non-negative number, received ${timeoutMs}`);
  }
}

/**
 * Turns a checked timeout into a deadline.
 *
 * @param timeoutMs Milliseconds, or `Infinity`.
 * @returns The deadline on the `performance.now()` clock.
 */
export function deadlineOf(timeoutMs: number): number {
  return timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
}

/**
 * The time left before a deadline, as `Atomics.wait` takes it.
 *
 * @param deadline From {@linkcode deadlineOf}.
 * @returns Milliseconds left (0 when past), or `Infinity`.
 */
export function remainingMs(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

/** A wait that a primitive's algorithm asks for: on `cells[index]` while it holds `value`. */
export interface Wait {
  index: number;
  value: number;
  timeoutMs: number;
}

/** An algorithm that may have to wait, written once and run blocking or not. */
export type Waiting<T> = Generator<Wait, T, void>;

/**
 * Runs an algorithm, blocking the thread with `Atomics.wait` where it waits.
 *
 * @param cells The primitive's cells.
 * @param steps The algorithm.
 * @returns What the algorithm returns.
 */
export function block<T>(cells: Int32Array, steps: Waiting<T>): T {
  for (let step = steps.next();; step = steps.next()) {
    if (step.done) return step.value;
    Atomics.wait(cells, step.value.index, step.value.value, step.value.timeoutMs);
  }
}

/**
 * Runs an algorithm without blocking the thread, awaiting where it waits.
 *
 * @param cells The primitive's cells.
 * @param steps The algorithm.
 * @returns What the algorithm returns.
 */
export async function park<T>(cells: Int32Array, steps: Waiting<T>): Promise<T> {
  for (let step = steps.next();; step = steps.next()) {
    if (step.done) return step.value;
    await waitAsync(cells, step.value.index, step.value.value, step.value.timeoutMs);
  }
}

/**
 * Waits, without blocking the thread, until `view[index]` is no longer
 * `value`, it is notified, or `timeoutMs` passes. Uses `Atomics.waitAsync`
 * where the runtime has it, and polls each millisecond where it does not.
 *
 * @param view The cells.
 * @param index The cell to watch.
 * @param value The value to wait past.
 * @param timeoutMs The longest wait.
 */
export async function waitAsync(view: Int32Array, index: number, value: number, timeoutMs: number): Promise<void> {
  // Deno and Bun do not keep a process alive for a pending waitAsync: a timer does.
  const keepAlive = setTimeout(() => {}, Math.min(timeoutMs, 2 ** 31 - 1));
  try {
    const waitAsync = (Atomics as { waitAsync?: typeof Atomics.waitAsync }).waitAsync;
    if (typeof waitAsync === "function") {
      const result = waitAsync(view, index, value, timeoutMs);
      if (result.async) await result.value;
    } else if (Atomics.load(view, index) === value) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 1)));
    }
  } finally {
    clearTimeout(keepAlive);
  }
}
