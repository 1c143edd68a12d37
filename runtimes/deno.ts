/**
 * The Deno adapter: Web Workers (`type: "module"`, the web-worker entry) for
 * workers, `Deno.Command` (the stdio entry) for child processes. Deno runs the TypeScript entry itself.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type {
  Endpoint,
  EndpointHandlers,
  ResourceLimits,
  RuntimeAdapter,
  SpawnOptions,
  WorkerKind,
} from "../core/adapter.ts";
import { readHostInfo } from "./_host.ts";
import { readProcMemory } from "./_memory.ts";
import { readTreeCpu, stolenReader } from "./_cpu.ts";
import { openThreadClock } from "./_thread_clock.ts";
import { prepareInPlace } from "./_module.ts";
import { wrapStreamChild } from "./_stream_child.ts";
import { spawnWebWorker } from "./_web_worker.ts";

const STDIO_ENTRY = new URL("./entries/stdio.ts", import.meta.url);

/**
 * Creates the adapter for the Deno this code runs on.
 *
 * @returns The adapter.
 * @example
 * ```ts
 * import { createDenoAdapter } from "./deno.ts";
 * console.log((await createDenoAdapter()).runtime.version);
 * ```
 */
export function createDenoAdapter(): Promise<RuntimeAdapter> {
  return Promise.resolve(new DenoAdapter());
}

class DenoAdapter implements RuntimeAdapter {
  readonly runtime = {
    name: "deno",
    version: Deno.version.deno,
    engine: `v8 ${Deno.version.v8}`,
  };

  prepare = prepareInPlace;
  // A Web Worker busy in JavaScript runs on after terminate(), until its task returns.
  readonly stopsBusyThreads = false;
  // Deno's Web Workers take no limits; its children take V8's flag.
  readonly resourceLimits = { process: ["maxOldGenerationSizeMb"] } as const;

  spawn(kind: WorkerKind, handlers: EndpointHandlers, options: SpawnOptions = {}): Endpoint {
    return kind === "worker"
      ? spawnWebWorker(handlers, { reportsClose: false })
      : spawnChild(handlers, options.resourceLimits);
  }

  hostInfo = readHostInfo;
  readMemory = readProcMemory;
  readCpu = readTreeCpu;
  readThreadTimes = openThreadClock();
  readStolen = stolenReader();
  // Answers of plain data come through shared memory, which turning the loop sees at once (24 → 4.4 µs a round trip here);
  // other answers still come as messages, which a loop turning on setImmediate delays on Deno (21 → 32 µs a hop).
  nextTurn = (callback: () => void) => void setImmediate(callback);
}

function spawnChild(handlers: EndpointHandlers, limits?: ResourceLimits): Endpoint {
  const heap = limits?.maxOldGenerationSizeMb === undefined
    ? []
    : [`--v8-flags=--max-old-space-size=${limits.maxOldGenerationSizeMb}`];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", ...heap, STDIO_ENTRY.href],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const ignore = () => {};
  return wrapStreamChild({
    pid: child.pid,
    stdout: child.stdout,
    status: child.status,
    write: (frame) => void writer.write(frame).catch(ignore),
    kill: (signal) => {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
    },
    close: () => writer.close().catch(ignore),
  }, handlers);
}
