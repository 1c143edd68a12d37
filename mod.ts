/**
 * truepar measures true parallelism across JavaScript runtimes: the same
 * io-bound and cpu-bound workloads on Node, Deno and Bun, on one event loop,
 * in worker threads and in child processes.
 *
 * This module is the scaling experiment, the pool, the shared-memory
 * primitives, the workloads and the other experiments' runners. More by
 * subpath: `./pool`, `./sync`, `./experiments` (overhead, kernels, sync and
 * break-even: their runners; the entries the scripts drive are not part of
 * the library), `./workloads`, `./protocol` (the messages between a pool and
 * its workers), `./serve` (a worker's side), `./adapter`, and the runtime
 * adapters: `./runtimes/node.ts`, `./runtimes/deno.ts`, `./runtimes/bun.ts`,
 * `./runtimes/chromium.ts`. `createAdapter()` loads the adapter of the
 * runtime running it, and no other runtime's code.
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

export { runScaling } from "./experiments/scaling/runner.ts";
export type { ScalingOptions } from "./experiments/scaling/runner.ts";
export { RUN_SCHEMA } from "./experiments/scaling/record.ts";
export type { RunPoint, RunRecord } from "./experiments/scaling/record.ts";
export { STRATEGIES } from "./experiments/scaling/strategies.ts";
export type { StrategyName } from "./experiments/scaling/strategies.ts";
export { createPool, MapError, Pool, QueueFullError, TaskTimeoutError, WorkerCrashedError } from "./core/pool/mod.ts";
export type { MapOptions, PoolOptions, PoolStats, RunTaskOptions } from "./core/pool/mod.ts";
export { Barrier, BoundedSemaphore, BrokenBarrierError, Mutex, OwnershipError, Semaphore } from "./core/sync/mod.ts";
export { getWorkload, WORKLOAD_TASKS, WORKLOADS } from "./core/workloads/mod.ts";
export type { Workload } from "./core/workloads/workload.ts";
export { runBreakeven, runKernels, runOverhead, runSync } from "./experiments/mod.ts";
export type { BreakevenRecord, KernelsRecord, OverheadRecord, SyncRecord } from "./experiments/mod.ts";
export type { HostInfo, RuntimeAdapter, RuntimeInfo, WorkerKind } from "./core/adapter.ts";
export { createAdapter } from "./runtimes/detect.ts";
