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
import type { FromWorker, Outcome, ToWorker } from "./protocol.ts";

/** Bytes of each ring: a power of two. Messages larger than half of it go by `postMessage`. */
export const RING_BYTES = 4 * 1024 * 1024;

/**
 * The control words, 32-bit integers at the start of the buffer, on 64-byte
 * lines each written by one side only: a line both sides write moves between
 * their cores at every write (the channel's first layout, every word on one
 * line, cost a round trip several such moves). The pool's line holds what a
 * watching worker reads together (the wake counter, the tail of the tasks'
 * ring); the worker's, the tail of the answers' ring; each ring's head, which
 * its writer reads only when the ring looks full, has a line of its own.
 */
const LINE_WORDS = 16;
const COUNTER = 0;
const RINGS = [{ head: 2 * LINE_WORDS, tail: 1 }, { head: 3 * LINE_WORDS, tail: LINE_WORDS }] as const;
/** Set while the worker will look at its ring before it sleeps; set while the pool turns its loop. */
const POOL_WATCHING = 2;
const WORKER_WATCHING = LINE_WORDS + 1;

const CONTROL_BYTES = 4 * LINE_WORDS * 4;
const HEADER_BYTES = 8;

/**
 * What a record holds: padding to the ring's end, a JSON message, a JSON
 * message with buffers beside it, scalars in words (a task or an answer
 * with one scalar, a batch of them: no JSON at all), or a marker: the next
 * message in this order went by `postMessage`.
 */
const PAD = 0;
const JSON_MESSAGE = 1;
const BINARY_MESSAGE = 2;
const SCALAR_MESSAGE = 3;
const MARKER = 4;

/** Bytes a message never takes, kept for markers: a marker always fits. */
const MARKER_ROOM = 4096;

/**
 * What {@linkcode SharedChannel.read} gives for a marker: the message in
 * this place of the order went by `postMessage`, and is to be taken before
 * any message after it.
 */
export const BY_PORT: { readonly t: "by-port" } = Object.freeze({ t: "by-port" });

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
  /** The ring this side writes: its words, and the tail as written here and the head as last read (it only grows). */
  readonly #out: Ring;
  /** The ring this side reads: its words, and the head as written here. */
  readonly #in: Ring;
  /** Only the pool's writes count on the wake counter: the worker's answers wake nobody. */
  readonly #counts: boolean;
  readonly #peerWatching: number;
  readonly #watching: number;
  /** Function names this side has written in full, by number: after the first time, a name travels as its number. */
  readonly #names = new Map<string, number>();
  /** The names the other side wrote in full, in the order they came: a number read is an index here. */
  readonly #known: string[] = [];
  /** Where the record being written ends: the ring's tail once it is committed. */
  #end = 0;

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
    const ring = (words: { head: number; tail: number }, index: number): Ring => ({
      headWord: words.head,
      tailWord: words.tail,
      base: CONTROL_BYTES + index * RING_BYTES,
      // A worker may start after the pool has written (its init waits in the port): read where the rings stand.
      head: Atomics.load(this.#words, words.head),
      tail: Atomics.load(this.#words, words.tail),
    });
    this.#out = side === "pool" ? ring(toWorker, 0) : ring(fromWorker, 1);
    this.#in = side === "pool" ? ring(fromWorker, 1) : ring(toWorker, 0);
    this.#watching = side === "pool" ? POOL_WATCHING : WORKER_WATCHING;
    this.#peerWatching = side === "pool" ? WORKER_WATCHING : POOL_WATCHING;
    this.#counts = side === "pool";
  }

  /**
   * Writes a message if it is plain data and fits; counts it on the wake counter.
   *
   * @returns `"sent"` when the other side is watching, `"ring"` when it must be rung for, `false` when the message must go by `postMessage`.
   */
  write(message: ToWorker | FromWorker): "sent" | "ring" | false {
    const scalars = this.#putScalars(message);
    if (scalars === false) return false;
    if (scalars === undefined) {
      const record = encode(message);
      if (record === undefined || !this.#put(record)) return false;
    }
    if (this.#counts) Atomics.add(this.counter, 0, 1);
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
    return this.#in.head !== Atomics.load(this.#words, this.#in.tailWord);
  }

  /**
   * Writes a marker: the message sent next by `postMessage` takes this place
   * in the order. Not counted and not rung for: the message itself is.
   *
   * @throws {Error} When the ring has no room even for a marker (more than a few thousand markers unread).
   */
  mark(): void {
    if (this.#reserve(0, MARKER, true) < 0) throw new Error("Cannot send: the shared-memory channel is full");
    this.#commit();
  }

  /** Takes the next message, if one is waiting; {@linkcode BY_PORT} for a marker. */
  read(): ToWorker | FromWorker | typeof BY_PORT | undefined {
    const ring = this.#in;
    for (;;) {
      const head = ring.head;
      if (head === Atomics.load(this.#words, ring.tailWord)) return undefined;
      const at = ring.base + (head & (RING_BYTES - 1));
      const length = this.#words[at / 4]!;
      const kind = this.#words[at / 4 + 1]!;
      const next = (head + size(length)) | 0;
      if (kind === PAD) {
        ring.head = (head + length) | 0;
        Atomics.store(this.#words, ring.headWord, ring.head);
        continue;
      }
      const message = kind === SCALAR_MESSAGE
        ? decodeScalars(this.#views, at + HEADER_BYTES, this.#known)
        : kind === MARKER
        ? BY_PORT
        : decode(kind, this.#bytes, this.#words, at + HEADER_BYTES, length);
      ring.head = next;
      Atomics.store(this.#words, ring.headWord, next);
      return message;
    }
  }

  /** Says whether this side will look at the ring before it sleeps; on `false`, look once more after. */
  watch(on: boolean): void {
    Atomics.store(this.#words, this.#watching, on ? 1 : 0);
  }

  #put(record: Record): boolean {
    const at = this.#reserve(record.length, record.kind);
    if (at < 0) return false;
    record.write(this.#bytes, at, this.#views);
    this.#commit();
    return true;
  }

  /**
   * Room for a record of `length` bytes, its header written: where its
   * payload goes, or -1 when the ring has no room (the reader's head is read
   * again only then). Nothing is published until {@linkcode #commit}.
   */
  #reserve(length: number, kind: number, marker = false): number {
    const ring = this.#out;
    const needed = size(length);
    if (needed > RING_BYTES / 2) return -1;
    // Messages leave room for markers: a message sent by port instead can always say where it belongs.
    const room = marker ? RING_BYTES : RING_BYTES - MARKER_ROOM;
    let tail = ring.tail;
    const offset = tail & (RING_BYTES - 1);
    const toEnd = RING_BYTES - offset;
    // A record is never split: past the end of the ring, a pad, and the record from the start.
    const padding = needed > toEnd ? toEnd : 0;
    if (padding + needed > room - ((tail - ring.head) | 0)) {
      ring.head = Atomics.load(this.#words, ring.headWord);
      if (padding + needed > room - ((tail - ring.head) | 0)) return -1;
    }
    if (padding > 0) {
      this.#words[(ring.base + offset) / 4] = padding;
      this.#words[(ring.base + offset) / 4 + 1] = PAD;
      tail = (tail + padding) | 0;
    }
    const at = ring.base + (tail & (RING_BYTES - 1));
    this.#words[at / 4] = length;
    this.#words[at / 4 + 1] = kind;
    this.#end = (tail + needed) | 0;
    return at + HEADER_BYTES;
  }

  /** Publishes the record reserved last: the reader may take it from now on. */
  #commit(): void {
    this.#out.tail = this.#end;
    Atomics.store(this.#words, this.#out.tailWord, this.#end);
  }

  /**
   * Writes a task or an answer as a record of scalars (see `HEAD`) straight
   * into the ring, with nothing made in between: the path every small task
   * of the latency mode takes, twice.
   *
   * @returns `true` when written, `false` when the ring has no room, `undefined` when the message is not one of scalars.
   */
  #putScalars(message: ToWorker | FromWorker): boolean | undefined {
    let what: number;
    let name = "";
    let id = 0;
    let value: unknown;
    /** Several values (else the one `value`); `ids`: one id each (else `id` for all); `pairs`: each an outcome `[1, value]`. */
    let values: readonly unknown[] | undefined;
    let ids: readonly number[] | undefined;
    let pairs = false;
    switch (message.t) {
      case "run":
        if (message.abortable !== undefined) return undefined;
        what = RUN;
        name = message.fn;
        id = message.id;
        value = message.arg;
        break;
      case "done":
        if (message.span !== undefined) return undefined;
        id = message.id;
        pairs = okPairs(message.value);
        what = pairs ? MAP_DONE : DONE;
        if (pairs) values = message.value as unknown[];
        else value = message.value;
        break;
      case "batch":
        if (typeof message.fn !== "string") return undefined;
        what = message.giveBack ? SHORT_BATCH : BATCH;
        name = message.fn;
        ids = message.ids;
        values = message.args;
        break;
      case "batch-done":
        if (message.spans !== undefined || !allOk(message.ok)) return undefined;
        what = BATCH_DONE;
        ids = message.ids;
        values = message.values;
        break;
      case "map":
        if (message.args.length === 0) return undefined;
        what = MAP;
        name = message.fn;
        id = message.id;
        values = message.args;
        break;
      default:
        return undefined;
    }
    const count = values === undefined ? 1 : values.length;
    const named = what === RUN || what === BATCH || what === SHORT_BATCH || what === MAP;
    // The function's name: its number once written in full, else in full (and numbered, while there is room).
    const known = named ? this.#names.get(name) : undefined;
    const inline = named && known === undefined ? name.length : 0;
    if (inline > SCALAR_MAX_CHARS) return undefined;
    let chars = inline;
    for (let i = 0; i < count; i++) {
      const each = values === undefined ? value : pairs ? (values[i] as Outcome)[1] : values[i];
      const type = scalarType(each);
      const entryId = ids === undefined ? id : ids[i]!;
      if (type < 0 || (entryId | 0) !== entryId) return undefined;
      if (type === STRING) {
        if ((each as string).length > SCALAR_MAX_CHARS) return undefined;
        chars += (each as string).length;
      }
    }
    const at = this.#reserve(HEAD + ENTRY * count + 2 * chars, SCALAR_MESSAGE);
    if (at < 0) return false;
    const { words, numbers, chars: units } = this.#views;
    const word = at / 4;
    words[word] = what;
    words[word + 1] = count;
    words[word + 2] = known ?? (named ? -2 - inline : -1);
    words[word + 3] = chars - inline;
    const base = (at + HEAD + ENTRY * count) / 2;
    for (let i = 0; i < inline; i++) units[base + i] = name.charCodeAt(i);
    let unit = inline;
    for (let i = 0; i < count; i++) {
      const entry = (at + HEAD + ENTRY * i) / 4;
      const each = values === undefined ? value : pairs ? (values[i] as Outcome)[1] : values[i];
      const type = scalarType(each);
      words[entry] = ids === undefined ? id : ids[i]!;
      words[entry + 1] = type;
      if (type === NUMBER) numbers[entry / 2 + 1] = each as number;
      else if (type === INTEGER) words[entry + 2] = each as number;
      else if (type === STRING) {
        const string = each as string;
        words[entry + 2] = unit;
        words[entry + 3] = string.length;
        for (let c = 0; c < string.length; c++) units[base + unit++] = string.charCodeAt(c);
      }
    }
    if (named && known === undefined && this.#names.size < MAX_NAMES) this.#names.set(name, this.#names.size);
    this.#commit();
    return true;
  }
}

/** One ring as one side sees it. */
interface Ring {
  headWord: number;
  tailWord: number;
  /** Where its records start in the buffer. */
  base: number;
  /** The reader's: where it reads next. The writer's: where the reader was when last read. */
  head: number;
  /** The writer's: where it writes next. */
  tail: number;
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
 * A record of scalars: a task or an answer whose one value is a scalar, a
 * batch of tasks that all call one function with scalar arguments or the
 * answers to one that all returned scalars, a map chunk of scalar items or
 * an answer that is a list of successful scalar outcomes, as words: [what, count, name,
 * string length], then 16 bytes a task (its id, its value's type,
 * and the value: a 32-bit integer as a word, any other number as its 64
 * bits, a string as where its code units start and how many), then the
 * function's name's and the strings' UTF-16 code units. No JSON at all: code
 * units as they are, so every string arrives as it was sent, lone surrogates
 * too; numbers as they are, -0 and NaN too: what structured clone gives.
 * The name is a number: the function's on this channel (its index in the
 * order names came in full), -1 for none (answers), or -2 - its length when
 * its code units follow (the first time; both sides number it then).
 */
const HEAD = 16;
const ENTRY = 16;
/** What a record of scalars holds. */
const RUN = 0;
const DONE = 1;
const BATCH = 2;
const BATCH_DONE = 3;
/** A map chunk (its id in every entry), and an answer that is a list of successful outcomes (a map chunk's, as a rule). */
const MAP = 4;
const MAP_DONE = 5;
/** A batch the pool took for short (`giveBack`). */
const SHORT_BATCH = 6;
/** Function names numbered per channel, at most; past them, a name travels in full every time. */
const MAX_NAMES = 256;
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

/**
 * Whether a value is a list of successful outcomes, `[1, value]` each, as a
 * map chunk's answer is: plain arrays with no holes, so the record gives back
 * exactly what structured clone would.
 */
function okPairs(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0 || Object.getPrototypeOf(value) !== Array.prototype) return false;
  for (let i = 0; i < value.length; i++) {
    const pair = value[i];
    if (!Array.isArray(pair) || pair.length !== 2 || pair[0] !== 1 || !(1 in pair)) return false;
    if (Object.getPrototypeOf(pair) !== Array.prototype || !(i in value)) return false;
  }
  return true;
}

/** Whether every answer of a batch succeeded. */
function allOk(ok: readonly (0 | 1)[]): boolean {
  for (let i = 0; i < ok.length; i++) if (ok[i] !== 1) return false;
  return true;
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

function decodeScalars(views: ScalarViews, at: number, known: string[]): ToWorker | FromWorker {
  const { words, chars } = views;
  const word = at / 4;
  const what = words[word]!;
  const count = words[word + 1]!;
  const nameRef = words[word + 2]!;
  const first = (at + HEAD) / 4;
  const base = (at + HEAD + ENTRY * count) / 2;
  let fn = "";
  if (nameRef >= 0) fn = known[nameRef]!;
  else if (nameRef < -1) {
    fn = readChars(chars, base, -2 - nameRef);
    if (known.length < MAX_NAMES) known.push(fn);
  }
  const id = words[first]!;
  if (what === RUN) return { t: "run", id, fn, arg: readScalar(views, first, base) };
  if (what === DONE) return { t: "done", id, value: readScalar(views, first, base) };
  const values = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    const value = readScalar(views, first + (ENTRY / 4) * i, base);
    values[i] = what === MAP_DONE ? [1, value] : value;
  }
  if (what === MAP) return { t: "map", id, fn, args: values };
  if (what === MAP_DONE) return { t: "done", id, value: values };
  const ids = new Array<number>(count);
  for (let i = 0; i < count; i++) ids[i] = words[first + (ENTRY / 4) * i]!;
  return what === BATCH || what === SHORT_BATCH
    ? { t: "batch", ids, fn, args: values, ...(what === SHORT_BATCH && { giveBack: true as const }) }
    : { t: "batch-done", ids, ok: new Array<0 | 1>(count).fill(1), values };
}

/** The scalar of the entry at word `entry`; its strings' code units start at unit `base`. */
function readScalar({ words, numbers, chars }: ScalarViews, entry: number, base: number): unknown {
  const type = words[entry + 1]!;
  return type === INTEGER
    ? words[entry + 2]
    : type === NUMBER
    ? numbers[entry / 2 + 1]
    : type === STRING
    ? readChars(chars, base + words[entry + 2]!, words[entry + 3]!)
    : SCALAR_TYPES[type as 0 | 1 | 2 | 3];
}

/** A string from code units in shared memory, copied out. */
function readChars(chars: Uint16Array, at: number, length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += String.fromCharCode(chars[at + i]!);
  return text;
}

/** The key that stands for an attachment in a binary record's JSON; plain data with this key goes by `postMessage`. */
const ATTACHMENT = "\u0000bytes";
/** The most bytes of buffers one record carries; a message with more goes by `postMessage`. */
const MAX_ATTACHED_BYTES = 64 * 1024;
/** Words per attachment: its view's code, offset and length, and its buffer's bytes. */
const ATTACHMENT_WORDS = 4;

/** The message as a record, or `undefined` when it holds anything but plain data and whole buffers. */
function encode(message: ToWorker | FromWorker): Record | undefined {
  const plain = plainData(message);
  if (plain === undefined) return undefined;
  const { attachments, buffers } = plain;
  if (attachments.length === 0) {
    const json = encoder.encode(JSON.stringify(message));
    return { kind: JSON_MESSAGE, length: json.length, write: (bytes, at) => bytes.set(json, at) };
  }
  // Large buffers go by postMessage, as copies moved ({@linkcode withCopiesMoved}): no JSON beside them and no lap of
  // the ring through the cache (a 1 MiB echo ran 0.8–0.9x as fast through the ring, in bench:pool on 2 cores).
  if (plain.bytes > MAX_ATTACHED_BYTES) return undefined;
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

/**
 * A message too large for the ring, whose buffers (more than 64 KiB of them)
 * would go by structured clone, made ready to go by `postMessage` with copies
 * of them in its transfer list instead: one copy, made here, that moves to
 * the other side, where structured clone makes two (into its own buffer,
 * then out into one the receiver owns: a 1 MiB answer's `postMessage` took a
 * worker thread 50–390 µs, the glibc heap given back and faulted in again
 * between answers). The receiver gets what structured clone would give it (a
 * buffer of its own, a view at its offset into a whole copy of its buffer);
 * the sender keeps its own.
 *
 * @returns The message with its buffers replaced by their copies, and those copies' buffers to transfer; `undefined` when it is not plain data with that many bytes of buffers (it goes by structured clone as before).
 */
export function withCopiesMoved<M extends ToWorker | FromWorker>(
  message: M,
): { message: M; transfer: ArrayBuffer[] } | undefined {
  const plain = plainData(message);
  if (plain === undefined || plain.bytes <= MAX_ATTACHED_BYTES) return undefined;
  const { attachments, buffers } = plain;
  const copies = new Map<unknown, unknown>();
  const transfer: ArrayBuffer[] = [];
  try {
    attachments.forEach((value, i) => {
      const copy = buffers[i]!.slice(0);
      transfer.push(copy);
      const code = viewCode(value);
      copies.set(value, code === 0 ? copy : new VIEWS[code]!(copy, (value as View).byteOffset, (value as View).length));
    });
  } catch {
    // A detached buffer: structured clone says so, as it always did.
    return undefined;
  }
  return { message: withCopies(message, copies) as M, transfer };
}

/**
 * A message's buffers, when it is plain data ({@linkcode isPlain}) whose
 * buffers the channel may copy: each view or buffer found, the buffer under
 * it, and their bytes. `undefined` for anything else, and where a copy would
 * not be what structured clone gives: two views of one buffer (they share it
 * after structured clone), a resizable buffer (it stays resizable).
 */
function plainData(
  message: ToWorker | FromWorker,
): { attachments: (View | ArrayBuffer)[]; buffers: ArrayBuffer[]; bytes: number } | undefined {
  const walk: Walk = { attachments: [], charsLeft: MAX_JSON_CHARS };
  if (!isPlain(message, 0, walk)) return undefined;
  const { attachments } = walk;
  const buffers = attachments.map((value) => value instanceof ArrayBuffer ? value : value.buffer as ArrayBuffer);
  if (new Set(buffers).size < buffers.length) return undefined;
  if (buffers.some((buffer) => (buffer as { resizable?: boolean }).resizable === true)) return undefined;
  return { attachments, buffers, bytes: buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0) };
}

/** A plain value rebuilt with its buffers replaced by their copies. */
function withCopies(value: unknown, copies: Map<unknown, unknown>): unknown {
  if (typeof value !== "object" || value === null) return value;
  const copy = copies.get(value);
  if (copy !== undefined) return copy;
  if (Array.isArray(value)) return value.map((item) => withCopies(item, copies));
  const rebuilt: { [key: string]: unknown } = {};
  for (const key in value) rebuilt[key] = withCopies((value as { [key: string]: unknown })[key], copies);
  return rebuilt;
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
 * About the most characters of JSON a record carries; a larger message goes
 * by structured clone, which copies strings far faster than JSON and UTF-8
 * do (a 1 MB string: 4.1–4.5 ms through JSON and the ring against 0.73–0.86
 * by structured clone on Node, 0.5–0.9 against 0.08 on Deno, here).
 */
const MAX_JSON_CHARS = 8 * 1024;

/** What the walk of a message finds: its buffers, and how many characters of JSON it may still take. */
interface Walk {
  attachments: (View | ArrayBuffer)[];
  charsLeft: number;
}

/**
 * Whether JSON, with buffers beside it, carries the value exactly as
 * structured clone would: strings, booleans, null, finite numbers other than
 * -0, buffers and typed arrays (collected in `walk.attachments`), and plain
 * arrays (no holes, no `undefined`) and plain objects of those, in about
 * `MAX_JSON_CHARS` of JSON. An `undefined` field passes only in the message
 * itself, where JSON drops it and reading it gives it back.
 */
function isPlain(value: unknown, depth: number, walk: Walk): boolean {
  // A scalar's characters, a key's, a bracket: counted as the walk goes, so a large message is refused early.
  walk.charsLeft -= typeof value === "string" ? value.length + 2 : 1;
  if (walk.charsLeft < 0) return false;
  if (typeof value !== "object") return jsonScalar(value);
  if (value === null) return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || !isPlain(value[i], depth + 1, walk)) return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    if (viewCode(value) < 0 || walk.attachments.includes(value as View)) return false;
    walk.attachments.push(value as View);
    return true;
  }
  if (ATTACHMENT in value) return false;
  for (const key in value) {
    walk.charsLeft -= key.length + 3;
    const field = (value as { [key: string]: unknown })[key];
    if (field === undefined ? depth !== 0 : !isPlain(field, depth + 1, walk)) return false;
  }
  return true;
}
