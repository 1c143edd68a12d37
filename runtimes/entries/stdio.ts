/**
 * The entry of a child process, on every runtime: it serves tasks over its
 * stdin and stdout in frames; a task's console output goes to stderr.
 *
 * @module
 */

import type { ToWorker } from "../../core/pool/protocol.ts";
import { type ParentPort, serveTasks } from "../../core/pool/serve.ts";
import { encodeFrame, FrameDecoder } from "../_frames.ts";
import { openThreadClock } from "../_thread_clock.ts";

interface DenoLike {
  exit(code?: number): never;
  memoryUsage(): { heapUsed: number };
  stdin: { readable: ReadableStream<Uint8Array> };
  stdout: { writeSync(bytes: Uint8Array): number };
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;

// Keeps stdout for frames.
console.log = console.info = console.debug = console.error;
serveTasks(deno === undefined ? await processPort() : denoPort(deno));

async function processPort(): Promise<ParentPort> {
  const { default: process } = await import("node:process");
  const { writeSync } = await import("node:fs");
  // Written at once, not queued: an answer written is the pool's even if this process is killed the moment after.
  const write = (bytes: Uint8Array) => {
    for (let written = 0; written < bytes.length;) {
      try {
        written += writeSync(1, bytes, written);
      } catch (error) {
        // A pipe left non-blocking by the runtime: full for now, so try again.
        if ((error as { code?: string }).code !== "EAGAIN") throw error;
      }
    }
  };
  return {
    post: (message) => write(encodeFrame(message)),
    frames: { encode: encodeFrame, write: (frames) => write(concat(frames)) },
    heapUsed: () => process.memoryUsage().heapUsed,
    openThreadClock,
    onExit: (hook) => void process.on("exit", hook),
    listen: (onMessage) => {
      const decoder = new FrameDecoder((m) => onMessage(m as ToWorker), () => {});
      process.stdin.on("data", (chunk: Uint8Array) => decoder.push(chunk));
      // The pool is gone: so is the reason to live.
      process.stdin.on("end", () => process.exit(0));
    },
  };
}

function denoPort(runtime: DenoLike): ParentPort {
  const write = (bytes: Uint8Array) => {
    for (let written = 0; written < bytes.length;) written += runtime.stdout.writeSync(bytes.subarray(written));
  };
  return {
    heapUsed: () => runtime.memoryUsage().heapUsed,
    openThreadClock,
    post: (message) => write(encodeFrame(message)),
    frames: { encode: encodeFrame, write: (frames) => write(concat(frames)) },
    // Deno runs "unload" on Deno.exit and on process.exit alike.
    onExit: (hook) => globalThis.addEventListener("unload", hook),
    listen: async (onMessage) => {
      const decoder = new FrameDecoder((m) => onMessage(m as ToWorker), () => {});
      for await (const chunk of runtime.stdin.readable) decoder.push(chunk);
      runtime.exit(0);
    },
  };
}

/** Frames as one buffer, for one write. */
function concat(frames: readonly Uint8Array[]): Uint8Array {
  if (frames.length === 1) return frames[0]!;
  const bytes = new Uint8Array(frames.reduce((total, frame) => total + frame.length, 0));
  let at = 0;
  for (const frame of frames) {
    bytes.set(frame, at);
    at += frame.length;
  }
  return bytes;
}
