/**
 * The bytes between a pool and a child process: each message is a structured
 * clone, behind a four-byte mark and its length, so a child carries what a
 * worker carries (BigInt, Map, Set, Date, typed arrays, errors' data) and
 * anything else a task writes to stdout between frames is told apart as
 * text. Parent and child always run the same runtime, so each uses its
 * fastest serializer: `node:v8` on Node and Deno, JavaScriptCore's own
 * (`bun:jsc`) on Bun, where `node:v8`'s took three times as long. A message
 * of plain JSON data goes as JSON, which all three encode and decode faster
 * than a structured clone (on Node, a no-op task's message both ways: 1.0
 * against 3.3 µs); the walk that refuses shared memory finds out, so it costs
 * no second pass.
 *
 * @module
 */

import { jsonScalar } from "../core/_json.ts";

interface Codec {
  serialize(value: unknown, options?: { binaryType: "nodebuffer" }): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}

// A specifier in a variable: bundlers and type checkers for the other runtimes leave it alone.
const BUN_CODEC = "bun:jsc";
const codec = ("Bun" in globalThis ? await import(BUN_CODEC) : await import("node:v8")) as Codec;
// bun:jsc answers a SharedArrayBuffer unless asked for a Buffer; node:v8 ignores the option.
const serialize = (value: unknown): Uint8Array => codec.serialize(value, { binaryType: "nodebuffer" });
const deserialize = (bytes: Uint8Array): unknown => codec.deserialize(bytes);

/** Record separator, "TP", then the codec: "1" a structured clone, "J" JSON text. */
const MARK = new Uint8Array([0x1e, 0x54, 0x50, 0x31]);
const CLONE = 0x31;
const JSON_TEXT = 0x4a;
const HEADER = MARK.length + 4;
const utf8 = new TextEncoder();
const NEWLINE = 0x0a;
const INITIAL_SIZE = 64 * 1024;
const SHRINK_ABOVE = 4 * 1024 * 1024;

/**
 * Frames one message for a child's stdin or stdout.
 *
 * @param message What to send.
 * @returns The frame's bytes.
 * @throws {DOMException} `DataCloneError` for what cannot cross a process boundary: functions, symbols, shared memory.
 */
export function encodeFrame(message: unknown): Uint8Array {
  let payload: Uint8Array;
  let codec = CLONE;
  try {
    // Bun's serializer copies a SharedArrayBuffer, and Node's and Deno's a typed array over one: shared memory
    // copied to another process is no longer shared, so it is refused, as a worker would share it.
    const plain = walk(message);
    if (plain) {
      codec = JSON_TEXT;
      payload = utf8.encode(JSON.stringify(message));
    } else {
      payload = serialize(message);
    }
  } catch (error) {
    throw new DOMException(
      `${
        (error as Error).message
      } A child process receives a structured clone: functions, symbols and shared memory (SharedArrayBuffer) cannot cross a process boundary`,
      "DataCloneError",
    );
  }
  const frame = new Uint8Array(HEADER + payload.length);
  frame.set(MARK, 0);
  frame[MARK.length - 1] = codec;
  new DataView(frame.buffer).setUint32(MARK.length, payload.length);
  frame.set(payload, HEADER);
  return frame;
}

/**
 * Splits a byte stream into messages, however it is cut into chunks; bytes
 * outside frames (a task's own writes to stdout) come back as lines of text.
 */
export class FrameDecoder {
  #buffer = new Uint8Array(INITIAL_SIZE);
  #start = 0;
  #end = 0;
  #text = new TextDecoder();
  #onMessage: (message: unknown) => void;
  #onText: (line: string) => void;

  /**
   * @param onMessage Called with each message, in order.
   * @param onText Called with each line of text found between frames.
   */
  constructor(onMessage: (message: unknown) => void, onText: (line: string) => void) {
    this.#onMessage = onMessage;
    this.#onText = onText;
  }

  /**
   * Feeds the next chunk of the stream.
   *
   * @param chunk Bytes as read from the stream.
   */
  push(chunk: Uint8Array): void {
    this.#append(chunk);
    for (;;) {
      const mark = this.#find();
      if (mark === -1) {
        // No frame starts here: pass on the complete lines, keep what may be the start of a mark.
        this.#emitLines(Math.max(this.#start, this.#end - (MARK.length - 1)));
        return;
      }
      if (mark > this.#start) this.#emitText(mark);
      if (this.#end - this.#start < HEADER) return;
      const length = new DataView(this.#buffer.buffer, this.#buffer.byteOffset + this.#start + MARK.length, 4)
        .getUint32(0);
      if (this.#end - this.#start < HEADER + length) {
        this.#reserve(HEADER + length);
        return;
      }
      const codec = this.#buffer[this.#start + MARK.length - 1];
      const payload = this.#buffer.subarray(this.#start + HEADER, this.#start + HEADER + length);
      this.#start += HEADER + length;
      let message: unknown;
      try {
        message = codec === JSON_TEXT ? JSON.parse(this.#text.decode(payload)) : deserialize(payload);
      } catch (error) {
        this.#onText(`(a frame that could not be decoded, ${length} bytes: ${(error as Error).message})`);
        continue;
      }
      this.#onMessage(message);
    }
  }

  #find(): number {
    // Searched within the bytes held, never the stale rest of a buffer grown for a long frame.
    const held = this.#buffer.subarray(this.#start, this.#end);
    for (let i = held.indexOf(MARK[0]!); i !== -1; i = held.indexOf(MARK[0]!, i + 1)) {
      if (i + MARK.length > held.length) return this.#start + i; // a mark cut by the chunk's end: wait for the rest
      if (held[i + 1] === MARK[1] && held[i + 2] === MARK[2] && (held[i + 3] === CLONE || held[i + 3] === JSON_TEXT)) {
        return this.#start + i;
      }
    }
    return -1;
  }

  /** Text up to `until`: every line in it, the last one even without its newline (a frame follows it). */
  #emitText(until: number): void {
    this.#emitLines(until);
    if (this.#start < until) {
      this.#onText(this.#text.decode(this.#buffer.subarray(this.#start, until)));
      this.#start = until;
    }
  }

  /** Whole lines of text before `until`. */
  #emitLines(until: number): void {
    for (;;) {
      const newline = this.#buffer.subarray(this.#start, until).indexOf(NEWLINE);
      if (newline === -1) return;
      this.#onText(this.#text.decode(this.#buffer.subarray(this.#start, this.#start + newline)));
      this.#start += newline + 1;
    }
  }

  #append(chunk: Uint8Array): void {
    // A buffer grown for a long frame is let go once that frame has passed.
    if (this.#start === this.#end && this.#buffer.length > SHRINK_ABOVE) this.#buffer = new Uint8Array(INITIAL_SIZE);
    if (this.#start === this.#end) this.#start = this.#end = 0;
    this.#reserve(this.#end - this.#start + chunk.length);
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Room for `size` bytes from the start: moved to the front, or a buffer twice as large, so a long frame costs linear time. */
  #reserve(size: number): void {
    if (this.#start + size <= this.#buffer.length) return;
    const kept = this.#buffer.subarray(this.#start, this.#end);
    const target = size <= this.#buffer.length ? this.#buffer : new Uint8Array(Math.max(size, this.#buffer.length * 2));
    if (target === this.#buffer) this.#buffer.copyWithin(0, this.#start, this.#end);
    else target.set(kept, 0);
    this.#buffer = target;
    this.#end -= this.#start;
    this.#start = 0;
  }
}

/**
 * Walks a message: refuses shared memory anywhere in it, and tells whether it
 * is plain JSON data (finite numbers but -0, strings, booleans, null, arrays
 * without holes or `undefined`, objects of Object's own prototype), which
 * JSON carries exactly. Plain loops: it runs on every message.
 */
function walk(value: unknown, depth = 0): boolean {
  if (typeof value !== "object") return jsonScalar(value);
  if (value === null) return true;
  if (depth > MAX_DEPTH) {
    refuseSharedInGraph(value);
    return false;
  }
  let plain = true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) plain = false;
      else if (!walk(value[i], depth + 1)) plain = false;
    }
    return plain;
  }
  if (ArrayBuffer.isView(value) || value instanceof SharedArrayBuffer) {
    if (value instanceof SharedArrayBuffer || value.buffer instanceof SharedArrayBuffer) {
      throw new Error("#<SharedArrayBuffer> could not be cloned.");
    }
    return false;
  }
  if (value instanceof Map) {
    for (const [key, each] of value) {
      walk(key, depth + 1);
      walk(each, depth + 1);
    }
    return false;
  }
  if (value instanceof Set) {
    for (const each of value) walk(each, depth + 1);
    return false;
  }
  if (value instanceof ArrayBuffer) return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) plain = false;
  for (const key in value) {
    if (!walk((value as Record<string, unknown>)[key], depth + 1)) plain = false;
  }
  return plain;
}

/** Past this depth a message may hold a cycle: the rest is walked with a set of the objects seen, and sent as a structured clone. */
const MAX_DEPTH = 48;

function refuseSharedInGraph(root: object): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    if (
      value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer)
    ) {
      throw new Error("#<SharedArrayBuffer> could not be cloned.");
    }
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) continue;
    if (value instanceof Map) { for (const [key, each] of value) stack.push(key, each); }
    else if (value instanceof Set) { for (const each of value) stack.push(each); }
    else for (const key in value) stack.push((value as Record<string, unknown>)[key]);
  }
}
