/**
 * The latency mode's shared-memory channel between the pool and one worker
 * thread: two rings in one SharedArrayBuffer, one each way, that carry the
 * protocol's task and answer messages when they hold plain data (JSON-able
 * values, with whole `ArrayBuffer`s and typed arrays carried beside as bytes).
 * Anything else goes by `postMessage`, as it always did. A side that is
 * watching the ring (a spinning worker, a pool turning its event loop) takes a
 * message as soon as it lands; one that is not is rung for (`{ t: "poll" }`
 * by message), which is the cost the channel saves everywhere else.
 *
 * @module
 */

import { jsonScalar } from "../_json.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

/** Bytes of each ring: a power of two. Messages larger than half of it go by `postMessage`. */
export const RING_BYTES = 4 * 1024 * 1024;

/** The control words, as 32-bit integers at the start of the buffer. */
const COUNTER = 0;
const RINGS = [{ head: 1, tail: 2 }, { head: 3, tail: 4 }] as const;
/** Set while the worker will look at its ring before it sleeps; set while the pool turns its loop. */
const WORKER_WATCHING = 5;
const POOL_WATCHING = 6;

const CONTROL_BYTES = 64;
const HEADER_BYTES = 8;

/**
 * What a record holds: padding to the ring's end, a JSON message, a JSON
 * message with buffers beside it, or scalars in words (a task or an answer
 * with one scalar, a batch of them: no JSON at all).
 */
const PAD = 0;
const JSON_MESSAGE = 1;
const BINARY_MESSAGE = 2;
const SCALAR_MESSAGE = 3;

/** Typed arrays the channel carries as bytes, by code; 0 is an `ArrayBuffer` itself. */
const VIEWS = [
  undefined,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;
type View = InstanceType<NonNullable<(typeof VIEWS)[number]>>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Which side of the channel this is: the pool writes ring 0 and reads ring 1; the worker the other way round. */
export type Side = "pool" | "worker";

/** One side of a shared channel. */
export class SharedChannel {
  /** The buffer, to send to the worker in its `init`. */
  readonly buffer: SharedArrayBuffer;
  /** The wake counter an idle worker watches. */
  readonly counter: Int32Array;
  readonly #bytes: Uint8Array;
  /** The buffer as 32-bit words: the control words at its start, and the records' headers. */
  readonly #words: Int32Array;
  /** The buffer as numbers and as UTF-16 code units too: a scalar record's value and strings. */
  readonly #views: ScalarViews;
  readonly #out: { head: number; tail: number; base: number };
  readonly #in: { head: number; tail: number; base: number };
  readonly #peerWatching: number;
  readonly #watching: number;

  /**
   * @param side Which side this is.
   * @param buffer The channel's buffer: made by the pool's side, received by the worker's.
   */
  constructor(side: Side, buffer: SharedArrayBuffer = new SharedArrayBuffer(CONTROL_BYTES + 2 * RING_BYTES)) {
    this.buffer = buffer;
    this.counter = new Int32Array(buffer, COUNTER * 4, 1);
    this.#bytes = new Uint8Array(buffer);
    this.#words = new Int32Array(buffer);
    this.#views = { words: this.#words, numbers: new Float64Array(buffer), chars: new Uint16Array(buffer) };
    const [toWorker, fromWorker] = RINGS;
    const ring = (words: { head: number; tail: number }, index: number) => ({
      ...words,
      base: CONTROL_BYTES + index * RING_BYTES,
    });
    this.#out = side === "pool" ? ring(toWorker, 0) : ring(fromWorker, 1);
    this.#in = side === "pool" ? ring(fromWorker, 1) : ring(toWorker, 0);
    this.#watching = side === "pool" ? POOL_WATCHING : WORKER_WATCHING;
    this.#peerWatching = side === "pool" ? WORKER_WATCHING : POOL_WATCHING;
  }

  /**
   * Writes a message if it is plain data and fits; counts it on the wake counter.
   *
   * @returns `"sent"` when the other side is watching, `"ring"` when it must be rung for, `false` when the message must go by `postMessage`.
   */
  write(message: ToWorker | FromWorker): "sent" | "ring" | false {
    const record = encodeScalars(message) ?? encode(message);
    if (record === undefined || !this.#put(record)) return false;
    Atomics.add(this.counter, 0, 1);
    // Written before this read (both sequentially consistent): a side that stops watching after it looks at the ring once more.
    return Atomics.load(this.#words, this.#peerWatching) === 1 ? "sent" : "ring";
  }

  /**
   * Sends a message through the ring if it can, ringing for the other side
   * when that side is not watching.
   *
   * @param message The message.
   * @param ring Rings for the other side (a one-word message).
   * @returns Whether it went; `false` when it must go by `postMessage`.
   */
  send(message: ToWorker | FromWorker, ring: () => void): boolean {
    const written = this.write(message);
    if (written === "ring") ring();
    return written !== false;
  }

  /** Whether a message is waiting, without taking it. */
  waiting(): boolean {
    return Atomics.load(this.#words, this.#in.head) !== Atomics.load(this.#words, this.#in.tail);
  }

  /** Takes the next message, if one is waiting. */
  read(): ToWorker | FromWorker | undefined {
    const ring = this.#in;
    for (;;) {
      const head = Atomics.load(this.#words, ring.head);
      if (head === Atomics.load(this.#words, ring.tail)) return undefined;
      const at = ring.base + (head & (RING_BYTES - 1));
      const length = this.#words[at / 4]!;
      const kind = this.#words[at / 4 + 1]!;
      const next = (head + size(length)) | 0;
      if (kind === PAD) {
        Atomics.store(this.#words, ring.head, (head + length) | 0);
        continue;
      }
      const message = kind === SCALAR_MESSAGE
        ? decodeScalars(this.#views, at + HEADER_BYTES)
        : decode(kind, this.#bytes, this.#words, at + HEADER_BYTES, length);
      Atomics.store(this.#words, ring.head, next);
      return message;
    }
  }

  /** Says whether this side will look at the ring before it sleeps; on `false`, look once more after. */
  watch(on: boolean): void {
    Atomics.store(this.#words, this.#watching, on ? 1 : 0);
  }

  #put(record: Record): boolean {
    const ring = this.#out;
    const length = record.length;
    const needed = size(length);
    if (needed > RING_BYTES / 2) return false;
    const head = Atomics.load(this.#words, ring.head);
    let tail = Atomics.load(this.#words, ring.tail);
    const free = RING_BYTES - ((tail - head) | 0);
    const offset = tail & (RING_BYTES - 1);
    const toEnd = RING_BYTES - offset;
    // A record is never split: past the end of the ring, a pad, and the record from the start.
    const padding = needed > toEnd ? toEnd : 0;
    if (padding + needed > free) return false;
    if (padding > 0) {
      this.#words[(ring.base + offset) / 4] = padding;
      this.#words[(ring.base + offset) / 4 + 1] = PAD;
      tail = (tail + padding) | 0;
    }
    const at = ring.base + (tail & (RING_BYTES - 1));
    this.#words[at / 4] = length;
    this.#words[at / 4 + 1] = record.kind;
    record.write(this.#bytes, at + HEADER_BYTES, this.#views);
    Atomics.store(this.#words, ring.tail, (tail + needed) | 0);
    return true;
  }
}

/** A record's bytes on the ring: its header and its payload, to a multiple of 8. */
function size(length: number): number {
  return (HEADER_BYTES + length + 7) & ~7;
}

/** How the bytes of a record are laid out, and written. */
interface Record {
  kind: number;
  length: number;
  write(bytes: Uint8Array, at: number, views: ScalarViews): void;
}

/** The views a scalar record is written and read through. */
interface ScalarViews {
  readonly words: Int32Array;
  readonly numbers: Float64Array;
  readonly chars: Uint16Array;
}

/**
 * A record of scalars: a task or an answer whose one value is a scalar, or a
 * batch of tasks that all call one function with scalar arguments, or the
 * answers to one that all returned scalars, as words: [what, count, name
 * length, string length], then 16 bytes a task (its id, its value's type,
 * and the value: a 32-bit integer as a word, any other number as its 64
 * bits, a string as where its code units start and how many), then the
 * function's name's and the strings' UTF-16 code units. No JSON at all: code
 * units as they are, so every string arrives as it was sent, lone surrogates
 * too; numbers as they are, -0 and NaN too: what structured clone gives.
 */
const HEAD = 16;
const ENTRY = 16;
/** What a record of scalars holds: `run`, `done`, `batch`, `batch-done`. */
const WHAT = ["run", "done", "batch", "batch-done"] as const;
const SCALAR_TYPES = [undefined, null, false, true] as const;
const NUMBER = 4;
const STRING = 5;
/**
 * A number that is a 32-bit integer (not -0) goes as one: read from a
 * Float64Array it would come back as a double, and a task's loop compiled
 * for integers would see one it was not (a 1 ms loop ran 1.4x slower so).
 */
const INTEGER = 6;
/** Longer strings go as JSON: reading code units one at a time stops paying. */
const SCALAR_MAX_CHARS = 256;

/** The message as a record of scalars, or `undefined` when it is not one (see above). */
function encodeScalars(message: ToWorker | FromWorker): Record | undefined {
  let name = "";
  let ids: readonly number[];
  let values: readonly unknown[];
  switch (message.t) {
    case "run":
      if (message.abortable !== undefined) return undefined;
      [name, ids, values] = [message.fn, [message.id], [message.arg]];
      break;
    case "done":
      if (message.span !== undefined) return undefined;
      [ids, values] = [[message.id], [message.value]];
      break;
    case "batch":
      if (typeof message.fn !== "string") return undefined;
      [name, ids, values] = [message.fn, message.ids, message.args];
      break;
    case "batch-done":
      if (message.spans !== undefined || message.ok.some((ok) => ok !== 1)) return undefined;
      [ids, values] = [message.ids, message.values];
      break;
    default:
      return undefined;
  }
  if (name.length > SCALAR_MAX_CHARS) return undefined;
  const what = WHAT.indexOf(message.t);
  const count = ids.length;
  const types = new Array<number>(count);
  let chars = name.length;
  for (let i = 0; i < count; i++) {
    const type = scalarType(values[i]);
    if (type < 0 || (ids[i]! | 0) !== ids[i]) return undefined;
    if (type === STRING) {
      const length = (values[i] as string).length;
      if (length > SCALAR_MAX_CHARS) return undefined;
      chars += length;
    }
    types[i] = type;
  }
  return {
    kind: SCALAR_MESSAGE,
    length: HEAD + ENTRY * count + 2 * chars,
    write(_, at, { words, numbers, chars: units }) {
      const word = at / 4;
      words[word] = what;
      words[word + 1] = count;
      words[word + 2] = name.length;
      words[word + 3] = chars - name.length;
      const base = (at + HEAD + ENTRY * count) / 2;
      for (let i = 0; i < name.length; i++) units[base + i] = name.charCodeAt(i);
      let unit = name.length;
      for (let i = 0; i < count; i++) {
        const entry = (at + HEAD + ENTRY * i) / 4;
        const type = types[i]!;
        words[entry] = ids[i]!;
        words[entry + 1] = type;
        if (type === NUMBER) numbers[entry / 2 + 1] = values[i] as number;
        else if (type === INTEGER) words[entry + 2] = values[i] as number;
        else if (type === STRING) {
          const string = values[i] as string;
          words[entry + 2] = unit;
          words[entry + 3] = string.length;
          for (let c = 0; c < string.length; c++) units[base + unit++] = string.charCodeAt(c);
        }
      }
    },
  };
}

/** A scalar's type code; -1 for anything else. */
function scalarType(value: unknown): number {
  switch (typeof value) {
    case "number":
      return (value | 0) === value && !Object.is(value, -0) ? INTEGER : NUMBER;
    case "string":
      return STRING;
    case "boolean":
      return value ? 3 : 2;
    case "undefined":
      return 0;
    default:
      return value === null ? 1 : -1;
  }
}

function decodeScalars({ words, numbers, chars }: ScalarViews, at: number): ToWorker | FromWorker {
  const word = at / 4;
  const what = WHAT[words[word]!]!;
  const count = words[word + 1]!;
  const nameLength = words[word + 2]!;
  const base = (at + HEAD + ENTRY * count) / 2;
  const ids = new Array<number>(count);
  const values = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    const entry = (at + HEAD + ENTRY * i) / 4;
    const type = words[entry + 1]!;
    ids[i] = words[entry]!;
    values[i] = type === INTEGER
      ? words[entry + 2]
      : type === NUMBER
      ? numbers[entry / 2 + 1]
      : type === STRING
      ? readChars(chars, base + words[entry + 2]!, words[entry + 3]!)
      : SCALAR_TYPES[type as 0 | 1 | 2 | 3];
  }
  switch (what) {
    case "run":
      return { t: "run", id: ids[0]!, fn: readChars(chars, base, nameLength), arg: values[0] };
    case "done":
      return { t: "done", id: ids[0]!, value: values[0] };
    case "batch":
      return { t: "batch", ids, fn: readChars(chars, base, nameLength), args: values };
    case "batch-done":
      return { t: "batch-done", ids, ok: new Array<0 | 1>(count).fill(1), values };
  }
}

/** A string from code units in shared memory, copied out. */
function readChars(chars: Uint16Array, at: number, length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += String.fromCharCode(chars[at + i]!);
  return text;
}

/** The key that stands for an attachment in a binary record's JSON; plain data with this key goes by `postMessage`. */
const ATTACHMENT = "\u0000bytes";
/** Words per attachment: its view's code, offset and length, and its buffer's bytes. */
const ATTACHMENT_WORDS = 4;

/** The message as a record, or `undefined` when it holds anything but plain data and whole buffers. */
function encode(message: ToWorker | FromWorker): Record | undefined {
  const attachments: (View | ArrayBuffer)[] = [];
  if (!isPlain(message, 0, attachments)) return undefined;
  if (attachments.length === 0) {
    const json = encoder.encode(JSON.stringify(message));
    return { kind: JSON_MESSAGE, length: json.length, write: (bytes, at) => bytes.set(json, at) };
  }
  const buffers = attachments.map((value) => value instanceof ArrayBuffer ? value : value.buffer as ArrayBuffer);
  // Two views of one buffer share it after structured clone: copied twice here, they would not.
  if (new Set(buffers).size < buffers.length) return undefined;
  // Too large for the ring whatever the JSON: not worth encoding.
  if (buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0) > RING_BYTES / 2) return undefined;
  const index = new Map(attachments.map((value, i) => [value, i]));
  const json = encoder.encode(
    JSON.stringify(message, (_, value) => index.has(value) ? { [ATTACHMENT]: index.get(value) } : value),
  );
  const words = [json.length, attachments.length];
  attachments.forEach((value, i) => {
    const code = viewCode(value);
    // A view keeps its offset into a buffer copied whole, as structured clone keeps it.
    words.push(
      code,
      code === 0 ? 0 : (value as View).byteOffset,
      code === 0 ? 0 : (value as View).length,
      buffers[i]!.byteLength,
    );
  });
  const jsonAt = words.length * 4;
  const starts: number[] = [];
  let length = (jsonAt + json.length + 7) & ~7;
  for (const buffer of buffers) {
    starts.push(length);
    length = (length + buffer.byteLength + 7) & ~7;
  }
  return {
    kind: BINARY_MESSAGE,
    length,
    write(bytes, at) {
      new Int32Array(bytes.buffer, at, words.length).set(words);
      bytes.set(json, at + jsonAt);
      buffers.forEach((buffer, i) => bytes.set(new Uint8Array(buffer), at + starts[i]!));
    },
  };
}

/** Reads the record at `at` (its payload, after the header) out of shared memory into values of this thread's own. */
function decode(kind: number, bytes: Uint8Array, words: Int32Array, at: number, length: number): ToWorker | FromWorker {
  if (kind === JSON_MESSAGE) return JSON.parse(decoder.decode(bytes.slice(at, at + length)));
  const jsonLength = words[at / 4]!;
  const count = words[at / 4 + 1]!;
  const jsonAt = at + (2 + count * ATTACHMENT_WORDS) * 4;
  const attachments: (View | ArrayBuffer)[] = [];
  let start = (jsonAt + jsonLength + 7) & ~7;
  for (let i = 0; i < count; i++) {
    const [code, byteOffset, viewLength, bufferBytes] = words.subarray(
      at / 4 + 2 + i * ATTACHMENT_WORDS,
      at / 4 + 2 + (i + 1) * ATTACHMENT_WORDS,
    );
    // One copy out of shared memory: the ring's bytes are reused as soon as the head moves.
    const buffer = bytes.slice(start, start + bufferBytes!).buffer;
    attachments.push(code === 0 ? buffer : new VIEWS[code!]!(buffer, byteOffset, viewLength));
    start = (start + bufferBytes! + 7) & ~7;
  }
  return JSON.parse(
    decoder.decode(bytes.slice(jsonAt, jsonAt + jsonLength)),
    (_, value) =>
      typeof value === "object" && value !== null && ATTACHMENT in value ? attachments[value[ATTACHMENT]] : value,
  );
}

/** The code of a whole, unshared buffer or a view of one, of the kinds the channel carries as bytes; -1 for any other value. */
function viewCode(value: unknown): number {
  const prototype = Object.getPrototypeOf(value);
  if (prototype === ArrayBuffer.prototype) return 0;
  const code = VIEWS.findIndex((view) => view !== undefined && view.prototype === prototype);
  // A view of shared memory is shared by structured clone, not copied: it goes by postMessage.
  return code > 0 && Object.getPrototypeOf((value as View).buffer) === ArrayBuffer.prototype ? code : -1;
}

/** How deep a plain value may nest before the channel leaves it to `postMessage`. */
const MAX_DEPTH = 32;

/**
 * Whether JSON, with buffers beside it, carries the value exactly as
 * structured clone would: strings, booleans, null, finite numbers other than
 * -0, buffers and typed arrays (collected in `attachments`), and plain arrays
 * (no holes, no `undefined`) and plain objects of those. An `undefined` field
 * passes only in the message itself, where JSON drops it and reading it gives
 * it back.
 */
function isPlain(value: unknown, depth: number, attachments: (View | ArrayBuffer)[]): boolean {
  if (typeof value !== "object") return jsonScalar(value);
  if (value === null) return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || !isPlain(value[i], depth + 1, attachments)) return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    if (viewCode(value) < 0 || attachments.includes(value as View)) return false;
    attachments.push(value as View);
    return true;
  }
  if (ATTACHMENT in value) return false;
  for (const key in value) {
    const field = (value as { [key: string]: unknown })[key];
    if (field === undefined ? depth !== 0 : !isPlain(field, depth + 1, attachments)) return false;
  }
  return true;
}
