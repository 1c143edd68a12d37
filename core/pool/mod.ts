/**
 * The pool: worker threads or child processes of the runtime running it,
 * over any runtime adapter, running the exported functions of a task module
 * of yours; batched, with `map()` in chunks, a latency mode over shared
 * memory, and faults contained to the task that caused them.
 *
 * @example
 * ```ts
 * import { createPool } from "./mod.ts";
 * import { WORKLOAD_TASKS } from "../workloads/mod.ts";
 * import { createAdapter } from "../../runtimes/detect.ts";
 *
 * await using pool = await createPool({ adapter: await createAdapter(), size: 2, module: WORKLOAD_TASKS });
 * const sum = await pool.run("runWorkload", { workload: "cpu", params: { iterations: 1_000_000 } });
 * if (sum !== "247342095") throw new Error("the example's check failed");
 * ```
 *
 * @module
 */

export { createPool, Pool } from "./pool.ts";
export type { MapOptions, Percentiles, PoolOptions, PoolStats, RunTaskOptions, TaskSpan } from "./pool.ts";
export { MapError, QueueFullError, TaskTimeoutError, WorkerCrashedError } from "./errors.ts";
export type { ExitInfo } from "./errors.ts";
