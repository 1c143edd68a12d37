/**
 * The entry of a `node:worker_threads` worker (Node's workers): it serves
 * tasks on the worker's parent port.
 *
 * @module
 */

import process from "node:process";
import { parentPort } from "node:worker_threads";
import type { ToWorker } from "../../core/pool/protocol.ts";
import { serveTasks } from "../../core/pool/serve.ts";
import { openThreadClock } from "../_thread_clock.ts";

if (parentPort === null) throw new Error("Cannot serve tasks: this module is a worker's entry, not a script to run");
const port = parentPort;

serveTasks({
  post: (message, transfer) => port.postMessage(message, transfer),
  listen: (onMessage) => port.on("message", (message: ToWorker) => onMessage(message)),
  // A worker's own isolate's heap, not the process's.
  heapUsed: () => process.memoryUsage().heapUsed,
  openThreadClock,
  onExit: (hook) => void process.on("exit", hook),
});
