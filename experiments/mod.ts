/**
 * truepar's experiments beside scaling: what workers and processes cost
 * (overhead), JavaScript against WebAssembly and native C (kernels), and
 * where shared memory goes wrong (sync); and the registry of every
 * experiment, with the entries the scripts drive.
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
export type { SyncOptions, SyncRecord } from "./sync/sync.ts";
export { formatRun, formatSpeedup } from "./scaling/format.ts";
export { EXPERIMENT_NAMES, EXPERIMENTS, experimentOf } from "./registry.ts";
export type { AnyExperiment } from "./registry.ts";
export type { Experiment, ExperimentRecord, RunContext, Section } from "./_experiment.ts";
