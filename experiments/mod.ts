/**
 * truepar's experiments beside scaling: what workers and processes cost
 * (overhead), JavaScript against WebAssembly and native C (kernels), where
 * shared memory goes wrong (sync), and the task size from which a pool pays
 * (break-even): their runners. The entries the scripts drive, with their
 * report parts, and their registry (`./registry.ts`) are not part of the
 * library's import graph (their charts are typed with vega-lite).
 *
 * @example
 * ```ts
 * import { runSync } from "./mod.ts";
 * import { createAdapter } from "../runtimes/detect.ts";
 *
 * const record = await runSync({ adapter: await createAdapter(), iterations: 10_000 });
 * console.log(record.thief.naive.balance, record.thief.safe.error);
 * ```
 *
 * @module
 */

export { OVERHEAD_SCHEMA, runOverhead } from "./overhead/overhead.ts";
export type { OverheadOptions, OverheadRecord } from "./overhead/overhead.ts";
export { KERNELS_SCHEMA, runKernels, runSharedMemory } from "./kernels/kernels.ts";
export type { KernelsOptions, KernelsRecord, NativeKernels } from "./kernels/kernels.ts";
export { createNativeKernels } from "./kernels/native.ts";
export { raceOnEventLoop, runSync, SYNC_SCHEMA } from "./sync/sync.ts";
export { BREAKEVEN_SCHEMA, runBreakeven } from "./breakeven/breakeven.ts";
export type { BreakevenOptions, BreakevenRecord } from "./breakeven/breakeven.ts";
export type { SyncOptions, SyncRecord } from "./sync/sync.ts";
export { formatRun, formatSpeedup } from "./scaling/format.ts";
