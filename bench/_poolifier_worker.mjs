// bench/pool.ts's tasks served by poolifier's own worker.
import { ThreadWorker } from "poolifier";
import { echo, noop, work } from "./_pool_tasks.mjs";

export default new ThreadWorker({ noop, work, echo });
