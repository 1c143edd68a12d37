/**
 * The entry of a Web Worker (Deno's and Bun's workers, a browser's): it
 * serves tasks on the worker's global scope.
 *
 * @module
 */

import type { ToWorker } from "../../core/protocol.ts";
import { type ParentPort, serveTasks } from "../../core/serve.ts";

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
};

interface DenoLike {
  exit(code?: number): never;
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;
if (deno !== undefined) {
  // Deno ends a worker that calls Deno.exit without telling its parent: tell it first.
  const exit = deno.exit.bind(deno);
  deno.exit = (code = 0) => {
    scope.postMessage({ t: "exit", code });
    return exit(code);
  };
}

serveTasks({
  post: (message) => scope.postMessage(message),
  listen: (onMessage) => {
    scope.onmessage = (event) => onMessage(event.data as ToWorker);
  },
  receive: await receiver(),
});

/** The latency mode's way to take a message without the event loop, where the runtime has one (not a browser). */
async function receiver(): Promise<ParentPort["receive"]> {
  try {
    const { receiveMessageOnPort } = await import("node:worker_threads");
    return receiveMessageOnPort as unknown as ParentPort["receive"];
  } catch {
    return undefined;
  }
}
