/**
 * A child process whose stdout is a web `ReadableStream`, as Deno and Bun give
 * them, turned into an `Endpoint` that speaks the frame protocol.
 *
 * @module
 */

import type { Endpoint, EndpointHandlers } from "../core/adapter.ts";
import type { ExitInfo } from "../core/pool/errors.ts";
import type { FromWorker } from "../core/pool/protocol.ts";
import { encodeFrame, FrameDecoder } from "./_frames.ts";
import { endWithGrace, killIfDeaf, STDOUT_CLOSED } from "./_grace.ts";

/** What an adapter hands over of a spawned child. */
export interface StreamChild {
  pid: number;
  stdout: ReadableStream<Uint8Array>;
  /** Settles with the exit code and signal once the child is gone. */
  status: Promise<{ code: number | null; signal: string | null }>;
  /** Writes one frame to the child's stdin; must not throw for a dead child. */
  write(frame: Uint8Array): void;
  /** Sends a signal; must not throw for a dead child. */
  kill(signal: "SIGTERM" | "SIGKILL"): void;
  /** Closes stdin, once the child is gone. */
  close(): Promise<void>;
}

/**
 * Wraps a child: frames from stdout to `onMessage`, other lines to stderr,
 * `onExit` once stdout is drained and the child is gone.
 *
 * @param child The spawned child.
 * @param handlers The pool's handlers.
 * @returns The endpoint; `terminate()` sends SIGTERM, then SIGKILL after 2 s.
 */
export function wrapStreamChild(child: StreamChild, handlers: EndpointHandlers): Endpoint {
  let terminating = false;
  const decoder = new FrameDecoder(
    (message) => handlers.onMessage(message as FromWorker),
    (line) => console.error(line),
  );
  let exited = false;
  let deaf = false;
  child.status.then(() => (exited = true));
  const drained = child.stdout.pipeTo(new WritableStream({ write: (chunk) => decoder.push(chunk) }))
    .catch(() => {});
  // A child that closes its stdout can never answer again: unless it exits by itself, end it.
  drained.then(() =>
    killIfDeaf(() => exited || terminating, () => {
      deaf = true;
      child.kill("SIGKILL");
    })
  );
  const closed: Promise<ExitInfo> = Promise.all([child.status, drained]).then(([status]) => ({
    code: status.signal === null ? status.code : null,
    signal: status.signal,
    error: deaf ? new Error(STDOUT_CLOSED) : undefined,
  }));
  closed.then((exit) => terminating || handlers.onExit(exit));
  return {
    pid: child.pid,
    send: (message) => child.write(encodeFrame(message)),
    terminate: async () => {
      terminating = true;
      await endWithGrace(child.kill, closed);
      await child.close();
    },
  };
}
