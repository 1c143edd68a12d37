/**
 * Synchronisation primitives on SharedArrayBuffer and Atomics, web-standard,
 * for worker threads on every runtime.
 *
 * @module
 */

export { Barrier, BrokenBarrierError } from "./barrier.ts";
export { Mutex, OwnershipError } from "./mutex.ts";
export { NaiveLock } from "./naive_lock.ts";
export { BoundedSemaphore, Semaphore } from "./semaphore.ts";
