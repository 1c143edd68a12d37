/**
 * truepar measures true parallelism across JavaScript runtimes: the same
 * io-bound and cpu-bound workloads on Node, Deno and Bun, on one event loop,
 * in worker threads and in child processes.
 *
 * This module is the scaling experiment, the pool and the shared-memory
 * primitives. More by subpath: `./pool`, `./sync`, `./experiments`
 * (overhead, kernels, sync and their registry), `./workloads`, `./protocol`
 * (the messages between a pool and its workers), `./serve` (a worker's
 * side), and the runtime adapters: `./runtimes/node.ts`,
 * `./runtimes/deno.ts`, `./runtimes/bun.ts`. `createAdapter()` loads the
 * adapter of the runtime running it, and no other runtime's code.
 *
 * @example
 * ```ts
 * import { createAdapter, runScaling } from "./mod.ts";
 *
 * const record = await runScaling({
 *   adapter: await createAdapter(),
 *   workload: "cpu",
 *   params: { iterations: 1_000_000 },
 *   strategy: "workers",
 *   concurrency: [1, 2],
 *   tasks: 4,
 *   repeat: 1,
 * });
 * for (const point of record.points) {
 *   console.log(point.concurrency, point.steadyMedianMs.toFixed(1), point.steadySpeedup.toFixed(2));
 * }
 * ```
 *
 * @module
 */

export { runScaling } from "./core/runner.ts";
export type { ScalingOptions } from "./core/runner.ts";
export { RUN_SCHEMA } from "./core/record.ts";
export type { RunPoint, RunRecord } from "./core/record.ts";
export { STRATEGIES } from "./core/strategies.ts";
export type { StrategyName } from "./core/strategies.ts";
export { createPool, MapError, Pool } from "./core/pool.ts";
export type { MapOptions, PoolOptions, PoolStats, RunTaskOptions } from "./core/pool.ts";
export { QueueFullError, TaskTimeoutError, WorkerCrashedError } from "./core/errors.ts";
export { Barrier, BoundedSemaphore, BrokenBarrierError, Mutex, OwnershipError, Semaphore } from "./core/sync/mod.ts";
export { getWorkload, WORKLOADS } from "./core/workloads/mod.ts";
export type { Workload } from "./core/workload.ts";
export { runKernels, runOverhead, runSync } from "./experiments/mod.ts";
export type { KernelsRecord, OverheadRecord, SyncRecord } from "./experiments/mod.ts";
export type { HostInfo, RuntimeAdapter, RuntimeInfo, WorkerKind } from "./core/adapter.ts";
export { createAdapter } from "./runtimes/detect.ts";
