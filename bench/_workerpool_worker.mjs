// bench/pool.ts's tasks served by workerpool's own worker.
import workerpool from "workerpool";
import { echo, noop, work } from "./_pool_tasks.mjs";

workerpool.worker({ noop, work, echo });
