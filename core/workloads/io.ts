/**
 * The io-bound tasks: waits that one event loop overlaps (`io`), and the same
 * waits done by blocking the thread (`io-blocking`), the article's `time.sleep`.
 *
 * @module
 */

import type { ParamSpec, Workload, WorkloadParams } from "./workload.ts";

const WAIT_PARAMS: Readonly<Record<string, ParamSpec>> = {
  waits: { type: "integer", default: 20, min: 1, max: 1_000_000, description: "waits per task" },
  waitMs: { type: "number", default: 2, min: 0, max: 60_000, description: "length of each wait in ms" },
};

/** Awaits `waits` timers of `waitMs` each: the event loop runs other tasks meanwhile. */
export const io: Workload = {
  name: "io",
  description: "waits awaited timers of waitMs each (non-blocking: one event loop overlaps them)",
  params: WAIT_PARAMS,
  waits: true,
  async run({ waits, waitMs }: WorkloadParams): Promise<string> {
    for (let i = 0; i < waits!; i++) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    return String(waits);
  },
};

/**
 * Blocks the thread `waits` times for `waitMs` each with `Atomics.wait` on a
 * private buffer nobody notifies: only other threads or processes overlap it.
 */
export const ioBlocking: Workload = {
  name: "io-blocking",
  description: "waits blocking sleeps of waitMs each (Atomics.wait: like time.sleep, it holds the thread)",
  params: WAIT_PARAMS,
  blocks: true,
  waits: true,
  run({ waits, waitMs }: WorkloadParams): string {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < waits!; i++) Atomics.wait(cell, 0, 0, waitMs);
    return String(waits);
  },
};
