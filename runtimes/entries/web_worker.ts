/**
 * The entry of a Web Worker (Deno's and Bun's workers, a browser's): it
 * serves tasks on the worker's global scope.
 *
 * @module
 */

import type { ToWorker } from "../../core/pool/protocol.ts";
import { serveTasks } from "../../core/pool/serve.ts";
import { openThreadClock } from "../_thread_clock.ts";

const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
};

interface DenoLike {
  exit(code?: number): never;
  memoryUsage(): { heapUsed: number };
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;
/** What must run before this worker ends by its own hand: the server says what it holds. */
const exitHooks: (() => void)[] = [];
if (deno !== undefined) {
  // Deno ends a worker that calls Deno.exit without telling its parent: say what it holds, then tell it.
  const exit = deno.exit.bind(deno);
  deno.exit = (code = 0) => {
    for (const hook of exitHooks.splice(0)) hook();
    scope.postMessage({ t: "exit", code });
    return exit(code);
  };
  // process.exit does not go through Deno.exit: Deno runs "unload" for both.
  globalThis.addEventListener("unload", () => {
    for (const hook of exitHooks.splice(0)) hook();
  });
} else {
  (globalThis as { process?: { on?(event: "exit", hook: () => void): void } }).process?.on?.("exit", () => {
    for (const hook of exitHooks.splice(0)) hook();
  });
}

serveTasks({
  post: (message, transfer) => scope.postMessage(message, transfer ?? []),
  listen: (onMessage) => {
    scope.onmessage = (event) => onMessage(event.data as ToWorker);
  },
  heapUsed: heapReader(),
  // A browser's worker has no /proc: its stand-in for node:fs throws, and the clock is not there.
  openThreadClock: "process" in globalThis ? openThreadClock : undefined,
  onExit: (hook) => void exitHooks.push(hook),
});

/** This worker's heap: Deno's and Bun's own call, a browser's `performance.memory` where it has one (Chromium). */
function heapReader(): (() => number) | undefined {
  if (deno !== undefined) return () => deno.memoryUsage().heapUsed;
  const process = (globalThis as { process?: { memoryUsage(): { heapUsed: number } } }).process;
  if (process !== undefined) return () => process.memoryUsage().heapUsed;
  const memory = (performance as { memory?: { usedJSHeapSize: number } }).memory;
  return memory === undefined
    ? undefined
    : () => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize;
}
