/**
 * The Bun adapter: Web Workers for workers, `Bun.spawn` for child processes.
 * Bun runs the TypeScript entry itself.
 *
 * @module
 */

import type { Endpoint, EndpointHandlers, RuntimeAdapter, WorkerKind } from "../core/adapter.ts";
import type { ExitInfo } from "../core/errors.ts";
import { encodeFrame, FrameDecoder, type FromWorker } from "../core/protocol.ts";
import { readHostInfo } from "./_host.ts";

const ENTRY = new URL("./entry.ts", import.meta.url);
const KILL_GRACE_MS = 2000;

/** The part of Bun's API this adapter uses (no Bun type package is needed to check it). */
interface BunSubprocess {
  readonly pid: number;
  readonly stdin: { write(data: string): number; flush(): unknown; end(): unknown };
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
 * import { createBunAdapter } from "./bun.ts";
 * console.log((await createBunAdapter()).runtime.version);
 * ```
 */
export function createBunAdapter(): Promise<RuntimeAdapter> {
  return Promise.resolve(new BunAdapter());
}

class BunAdapter implements RuntimeAdapter {
  readonly runtime = { name: "bun", version: bun.version, engine: "JavaScriptCore" };

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
  let error: Error | undefined;
  const closed = new Promise<number>((resolve) => {
    worker.addEventListener("close", (event) => resolve((event as Event & { code: number }).code));
  });
  worker.onmessage = (event: MessageEvent<FromWorker>) => handlers.onMessage(event.data);
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    error = new Error(event.message);
  };
  closed.then((code) => {
    if (ended) return;
    ended = true;
    handlers.onExit({ code: error === undefined ? code : null, signal: null, error });
  });
  return {
    send: (message) => worker.postMessage(message),
    terminate: async () => {
      ended = true;
      worker.terminate();
      await closed;
    },
  };
}

function spawnChild(handlers: EndpointHandlers): Endpoint {
  const child = bun.spawn([execPath, ENTRY.pathname], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  let terminating = false;
  const decoder = new FrameDecoder(
    (message) => handlers.onMessage(message as FromWorker),
    (line) => console.error(line),
  );
  const drained = child.stdout.pipeTo(
    new WritableStream({ write: (chunk) => decoder.push(chunk) }),
  ).catch(() => {});
  const closed: Promise<ExitInfo> = Promise.all([child.exited, drained]).then(([code]) => ({
    code: child.signalCode === null ? code : null,
    signal: child.signalCode,
  }));
  closed.then((exit) => terminating || handlers.onExit(exit));
  return {
    pid: child.pid,
    send: (message) => {
      try {
        child.stdin.write(encodeFrame(message));
        child.stdin.flush();
      } catch {
        // A dead child: its exit reports it.
      }
    },
    terminate: async () => {
      terminating = true;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
      await closed;
      clearTimeout(timer);
    },
  };
}
