/**
 * Which runtime is this, and its adapter, from the registry.
 *
 * @module
 */

import type { RuntimeAdapter } from "../core/adapter.ts";
import { JS_RUNTIMES } from "./registry.ts";

/**
 * Names the runtime that owns a global object.
 *
 * @param g The global object; a fake one in tests.
 * @returns `bun`, `deno` or `node`.
 * @throws {Error} When no known runtime matches.
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { detectRuntime } from "./detect.ts";
 * assert(detectRuntime({ Deno: {} }) === "deno");
 * ```
 */
export function detectRuntime(g: object = globalThis): string {
  const entry = JS_RUNTIMES.find((runtime) => runtime.detect(g));
  if (entry === undefined) {
    throw new Error(
      `Cannot detect runtime: expected one of ${JS_RUNTIMES.map((r) => r.name).join(", ")}`,
    );
  }
  return entry.name;
}

/**
 * Loads the adapter of a runtime; it must be the runtime this code runs on.
 *
 * @param name A runtime name; the detected one by default.
 * @returns Its adapter.
 * @throws {RangeError} For an unknown runtime name.
 * @example
 * ```ts
 * import { createAdapter } from "./detect.ts";
 * const adapter = await createAdapter();
 * console.log(adapter.runtime.name, adapter.runtime.version);
 * ```
 */
export function createAdapter(name: string = detectRuntime()): Promise<RuntimeAdapter> {
  const entry = JS_RUNTIMES.find((runtime) => runtime.name === name);
  if (entry === undefined) {
    const known = JS_RUNTIMES.map((runtime) => runtime.name).join(", ");
    return Promise.reject(
      new RangeError(`Cannot load adapter: expected one of ${known}, received "${name}"`),
    );
  }
  return entry.load();
}
