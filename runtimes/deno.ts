/**
 * The Deno adapter: Web Workers (`type: "module"`) for workers, `Deno.Command`
 * for child processes. Deno runs the TypeScript entry itself.
 *
 * @module
 */

import type { Endpoint, EndpointHandlers, RuntimeAdapter, WorkerKind } from "../core/adapter.ts";
import type { ExitInfo } from "../core/errors.ts";
import { encodeFrame, FrameDecoder, type FromWorker } from "../core/protocol.ts";
import { readHostInfo } from "./_host.ts";

const ENTRY = new URL("./entry.ts", import.meta.url);
const KILL_GRACE_MS = 2000;

/**
 * Creates the adapter for the Deno this code runs on.
 *
 * @returns The adapter.
 * @example
 * ```ts ignore
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

  prepare(module: URL): Promise<string> {
    return Promise.resolve(module.href);
  }

  spawn(kind: WorkerKind, handlers: EndpointHandlers): Endpoint {
    return kind === "worker" ? spawnWorker(handlers) : spawnChild(handlers);
  }

  hostInfo = readHostInfo;
}

function spawnWorker(handlers: EndpointHandlers): Endpoint {
  const worker = new Worker(ENTRY.href, { type: "module" });
  let ended = false;
  worker.onmessage = (event: MessageEvent<FromWorker>) => handlers.onMessage(event.data);
  worker.onerror = (event: ErrorEvent) => {
    // Unhandled, a worker's error would end this process too.
    event.preventDefault();
    if (ended) return;
    ended = true;
    worker.terminate();
    handlers.onExit({ code: null, signal: null, error: new Error(event.message) });
  };
  return {
    send: (message) => worker.postMessage(message),
    terminate: () => {
      ended = true;
      // Deno stops a worker synchronously: it is gone when terminate() returns.
      worker.terminate();
      return Promise.resolve();
    },
  };
}

function spawnChild(handlers: EndpointHandlers): Endpoint {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", ENTRY.href],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let terminating = false;
  const decoder = new FrameDecoder(
    (message) => handlers.onMessage(message as FromWorker),
    (line) => console.error(line),
  );
  const drained = child.stdout.pipeTo(
    new WritableStream({ write: (chunk) => decoder.push(chunk) }),
  ).catch(() => {});
  const closed: Promise<ExitInfo> = Promise.all([child.status, drained]).then(([status]) => ({
    code: status.signal === null ? status.code : null,
    signal: status.signal,
  }));
  closed.then((exit) => terminating || handlers.onExit(exit));
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  return {
    pid: child.pid,
    send: (message) => void writer.write(encoder.encode(encodeFrame(message))).catch(() => {}),
    terminate: async () => {
      terminating = true;
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Gone meanwhile.
        }
      }, KILL_GRACE_MS);
      await closed;
      clearTimeout(timer);
      await writer.close().catch(() => {});
    },
  };
}
