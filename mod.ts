/**
 * truepar measures true parallelism across JavaScript runtimes: the same
 * io-bound and cpu-bound workloads on Node, Deno and Bun, on one event loop,
 * in worker threads and in child processes.
 *
 * Runtime adapters are reached by subpath (`./runtimes/node.ts`,
 * `./runtimes/deno.ts`, `./runtimes/bun.ts`), or detected with
 * `createAdapter()` from `./runtimes/detect.ts`; this module never imports a
 * runtime.
 *
 * @example
 * ```ts
 * import { runScaling } from "./mod.ts";
 * import { createAdapter } from "./runtimes/detect.ts";
 *
 * const record = await runScaling({
 *   adapter: await createAdapter(),
 *   workload: "cpu",
 *   params: { iterations: 5_000_000 },
 *   strategy: "workers",
 *   concurrency: [1, 2],
 *   tasks: 8,
 * });
 * for (const point of record.points) {
 *   console.log(point.concurrency, point.medianMs.toFixed(1), point.speedup.toFixed(2));
 * }
 * ```
 *
 * @module
 */

export { runScaling, validateScalingOptions } from "./core/runner.ts";
export type { ScalingOptions, ScalingPlan } from "./core/runner.ts";
export { runBatch, STRATEGIES } from "./core/strategies.ts";
export type { BatchOptions, BatchTiming, StrategyName } from "./core/strategies.ts";
export { createPool, DEFAULT_TASK_MODULE, MapError, Pool } from "./core/pool.ts";
export type { MapOptions, PoolOptions, RunTaskOptions } from "./core/pool.ts";
export { describeExit, TaskTimeoutError, WorkerCrashedError } from "./core/errors.ts";
export type { ExitInfo } from "./core/errors.ts";
export { combineChecksums, describeValue, resolveParams, shareOf } from "./core/workload.ts";
export type { ParamSpec, TaskContext, Workload, WorkloadParams } from "./core/workload.ts";
export { getWorkload, WORKLOADS } from "./core/workloads/mod.ts";
export { cpu, modSum } from "./core/workloads/cpu.ts";
export { io, ioBlocking } from "./core/workloads/io.ts";
export { runWorkload } from "./core/tasks.ts";
export type { WorkloadTask } from "./core/tasks.ts";
export { serveTasks } from "./core/serve.ts";
export type { ParentPort, TaskModule } from "./core/serve.ts";
export { fitLine, median, percentile } from "./core/stats.ts";
export type { LineFit } from "./core/stats.ts";
export { OVERHEAD_SCHEMA, runOverhead } from "./core/overhead.ts";
export type { LeakCheck, Latency, MemoryMB, MemorySlope, OverheadOptions, OverheadRecord } from "./core/overhead.ts";
export { parseSmapsRollup, sumReadings } from "./core/memory.ts";
export { Barrier, BrokenBarrierError } from "./core/sync/barrier.ts";
export { Mutex, OwnershipError } from "./core/sync/mutex.ts";
export { NaiveLock } from "./core/sync/naive_lock.ts";
export { BoundedSemaphore, Semaphore } from "./core/sync/semaphore.ts";
export type { AttachOptions } from "./core/sync/_shared.ts";
export { raceOnEventLoop, runSync, SYNC_SCHEMA } from "./core/sync_experiment.ts";
export { KERNELS_SCHEMA, runKernels, runSharedMemory } from "./core/kernels_experiment.ts";
export type { KernelName, KernelResult, KernelsOptions, KernelsRecord, NativeKernels, NativeStatus, Tiering } from "./core/kernels_experiment.ts";
export { integrate, mandelbrot, modsum } from "./core/kernels/js.ts";
export { compileKernels, createSharedMemory, instantiateKernels, kernelsFor } from "./core/kernels/wasm.ts";
export type { WasmKernels } from "./core/kernels/wasm.ts";
export { KERNEL_WORKLOADS } from "./core/workloads/kernels.ts";
export type { KernelVariant } from "./core/workloads/kernels.ts";
export type { SyncOptions, SyncRecord, Tally } from "./core/sync_experiment.ts";
export type { MemoryReading, MemorySource } from "./core/memory.ts";
export { RUN_SCHEMA } from "./core/record.ts";
export type { RunPoint, RunRecord } from "./core/record.ts";
export type {
  Endpoint,
  EndpointHandlers,
  HostInfo,
  RuntimeAdapter,
  RuntimeInfo,
  WorkerKind,
} from "./core/adapter.ts";
export type { FromWorker, Outcome, SerializedError, ToWorker } from "./core/protocol.ts";
