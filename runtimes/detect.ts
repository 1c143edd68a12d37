/**
 * Which runtime is this, and its adapter: the one place that knows every runtime.
 *
 * @module
 */

import type { RuntimeAdapter } from "../core/adapter.ts";

/** A runtime truepar has an adapter for. */
export interface RuntimeEntry {
  /** The runtime's name, as on the command line and in records. */
  name: string;
  /** Whether `g` is this runtime's global object. */
  detect(g: object): boolean;
  /** Loads the adapter; dynamic, so no runtime evaluates another's code. */
  load(): Promise<RuntimeAdapter>;
}

/** The runtimes, in detection order: Bun and Deno both define `process`, so Node comes last. */
export const RUNTIMES: readonly RuntimeEntry[] = [
  { name: "bun", detect: (g) => "Bun" in g, load: () => import("./bun.ts").then((m) => m.createBunAdapter()) },
  { name: "deno", detect: (g) => "Deno" in g, load: () => import("./deno.ts").then((m) => m.createDenoAdapter()) },
  { name: "node", detect: (g) => typeof (g as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === "string", load: () => import("./node.ts").then((m) => m.createNodeAdapter()) },
];

/**
 * Names the runtime that owns a global object.
 *
 * @param g The global object; a fake one in tests.
 * @returns `bun`, `deno` or `node`.
 * @throws {Error} When no known runtime matches.
 * @example
 * ```ts
 * import { detectRuntime } from "./detect.ts";
 * console.assert(detectRuntime({ Deno: {} }) === "deno");
 * ```
 */
export function detectRuntime(g: object = globalThis): string {
  const entry = RUNTIMES.find((runtime) => runtime.detect(g));
  if (entry === undefined) {
    throw new Error(
      `Cannot detect runtime: expected one of ${RUNTIMES.map((r) => r.name).join(", ")}`,
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
  const entry = RUNTIMES.find((runtime) => runtime.name === name);
  if (entry === undefined) {
    const known = RUNTIMES.map((runtime) => runtime.name).join(", ");
    return Promise.reject(
      new RangeError(`Cannot load adapter: expected one of ${known}, received "${name}"`),
    );
  }
  return entry.load();
}
