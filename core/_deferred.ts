/**
 * A promise with its resolve and reject at hand: `Promise.withResolvers`,
 * which Node 20 lacks.
 *
 * @module
 */

/** A promise and the functions that settle it. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Makes a promise to settle from outside.
 *
 * @returns The promise and its resolve and reject.
 * @example
 * ```ts
 * import { defer } from "./_deferred.ts";
 * const ready = defer<number>();
 * setTimeout(() => ready.resolve(42), 1);
 * if (!((await ready.promise) === 42)) throw new Error("the example's check failed");
 * ```
 */
export function defer<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
