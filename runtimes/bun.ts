/**
 * The Bun adapter: Web Workers for workers, `Bun.spawn` for child processes.
 * Bun runs the TypeScript entry itself.
 *
 * @module
 */

import type { Endpoint, EndpointHandlers, RuntimeAdapter, WorkerKind } from "../core/adapter.ts";
import { readHostInfo } from "./_host.ts";
import { readProcMemory } from "./_memory.ts";
import { readTreeCpu, stolenReader } from "./_cpu.ts";
import { openThreadClock } from "./_thread_clock.ts";
import { prepareInPlace } from "./_module.ts";
import { wrapStreamChild } from "./_stream_child.ts";
import { spawnWebWorker } from "./_web_worker.ts";
import { fileURLToPath } from "node:url";

const STDIO_ENTRY = new URL("./entries/stdio.ts", import.meta.url);

/** The part of Bun's API this adapter uses (no Bun type package is needed to check it). */
interface BunSubprocess {
  readonly pid: number;
  readonly stdin: { write(data: Uint8Array): number; flush(): unknown; end(): unknown };
  readonly stdout: ReadableStream<Uint8Array>;
  readonly exited: Promise<number>;
  readonly signalCode: string | null;
  readonly killed: boolean;
  kill(signal?: string): void;
}

interface BunLike {
  version: string;
  spawn(cmd: string[], options: Record<string, unknown>): BunSubprocess;
}

const bun = (globalThis as unknown as { Bun: BunLike }).Bun;
const execPath = (globalThis as unknown as { process: { execPath: string } }).process.execPath;

/**
 * Creates the adapter for the Bun this code runs on.
 *
 * @returns The adapter.
 * @example
 * ```ts ignore
 * // Runs on Bun only: the doc tests run on Deno.
 * import { createBunAdapter } from "./bun.ts";
 * console.log((await createBunAdapter()).runtime.version);
 * ```
 */
export function createBunAdapter(): Promise<RuntimeAdapter> {
  return Promise.resolve(new BunAdapter());
}

class BunAdapter implements RuntimeAdapter {
  readonly runtime = { name: "bun", version: bun.version, engine: "JavaScriptCore" };

  prepare = prepareInPlace;

  spawn(kind: WorkerKind, handlers: EndpointHandlers): Endpoint {
    return kind === "worker" ? spawnWebWorker(handlers, { reportsClose: true }) : spawnChild(handlers);
  }

  hostInfo = readHostInfo;
  readMemory = readProcMemory;
  readCpu = readTreeCpu;
  readThreadTimes = openThreadClock();
  readStolen = stolenReader();
  nextTurn = setImmediate;
}

function spawnChild(handlers: EndpointHandlers): Endpoint {
  const child = bun.spawn([execPath, fileURLToPath(STDIO_ENTRY)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  return wrapStreamChild({
    pid: child.pid,
    stdout: child.stdout,
    status: child.exited.then((code) => ({ code, signal: child.signalCode })),
    write: (frame) => {
      try {
        child.stdin.write(frame);
        child.stdin.flush();
      } catch {
        // A dead child: its exit reports it.
      }
    },
    kill: (signal) => child.kill(signal),
    close: () => Promise.resolve(),
  }, handlers);
}
