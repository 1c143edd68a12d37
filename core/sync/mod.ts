/**
 * Shared-memory primitives that work across worker threads: each lives in a
 * SharedArrayBuffer, is created once and attached in every worker it is
 * sent to. Unlike a bare flag in shared memory, {@linkcode Mutex} knows its
 * owner (another worker cannot release it) and {@linkcode BoundedSemaphore}
 * refuses to be released more often than acquired.
 *
 * @example
 * ```ts
 * import { Mutex } from "./mod.ts";
 *
 * const mutex = new Mutex();
 * const counter = new Int32Array(new SharedArrayBuffer(4));
 * mutex.lock();
 * counter[0]!++;
 * mutex.unlock();
 * if (!(counter[0] === 1)) throw new Error("the example's check failed");
 * ```
 *
 * @module
 */

export { Barrier, BrokenBarrierError } from "./barrier.ts";
export { Mutex, OwnershipError } from "./mutex.ts";
export { BoundedSemaphore, Semaphore } from "./semaphore.ts";
export type { AttachOptions } from "./_shared.ts";
