/**
 * A Web Worker as an `Endpoint`: Deno's and Bun's workers, one code.
 *
 * @module
 */

import type { Endpoint, EndpointHandlers } from "../core/adapter.ts";
import type { FromWorker } from "../core/pool/protocol.ts";

/** The web-worker entry every such worker runs. */
export const WEB_WORKER_ENTRY: URL = new URL("./entries/web_worker.ts", import.meta.url);

/**
 * Starts a module Web Worker on the web-worker entry.
 *
 * @param handlers The pool's handlers.
 * @param options `reportsClose`: the runtime sends `close` when a worker
 *   ends (Bun), so its exit code is reported; where it does not (Deno), an
 *   error ends the worker at once, and `terminate()` is synchronous.
 * @returns The endpoint.
 */
export function spawnWebWorker(handlers: EndpointHandlers, { reportsClose }: { reportsClose: boolean }): Endpoint {
  const worker = new Worker(WEB_WORKER_ENTRY.href, { type: "module" });
  let ended = false;
  let error: Error | undefined;
  const end = (code: number | null) => {
    if (ended) return;
    ended = true;
    handlers.onExit({ code: error === undefined ? code : null, signal: null, error });
  };
  const closed = new Promise<void>((resolve) => {
    worker.addEventListener("close", (event) => {
      end((event as Event & { code: number }).code);
      resolve();
    });
  });
  worker.onmessage = (event: MessageEvent<FromWorker>) => handlers.onMessage(event.data);
  worker.onerror = (event: ErrorEvent) => {
    // Unhandled, a worker's error would end this process too.
    event.preventDefault();
    error = new Error(event.message);
    if (!reportsClose) {
      worker.terminate();
      end(null);
    }
  };
  return {
    send: (message, transfer = []) => worker.postMessage(message, transfer),
    terminate: async () => {
      ended = true;
      worker.terminate();
      // Deno stops a worker synchronously: it is gone when terminate() returns.
      if (reportsClose) await closed;
    },
  };
}
