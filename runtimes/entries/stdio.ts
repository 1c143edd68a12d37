/**
 * The entry of a child process, on every runtime: it serves tasks over its
 * stdin and stdout in frames; a task's console output goes to stderr.
 *
 * @module
 */

import type { ToWorker } from "../../core/protocol.ts";
import { type ParentPort, serveTasks } from "../../core/serve.ts";
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
  return {
    post: (message) => void process.stdout.write(encodeFrame(message)),
    heapUsed: () => process.memoryUsage().heapUsed,
    openThreadClock,
    listen: (onMessage) => {
      const decoder = new FrameDecoder((m) => onMessage(m as ToWorker), () => {});
      process.stdin.on("data", (chunk: Uint8Array) => decoder.push(chunk));
      // The pool is gone: so is the reason to live.
      process.stdin.on("end", () => process.exit(0));
    },
  };
}

function denoPort(runtime: DenoLike): ParentPort {
  return {
    heapUsed: () => runtime.memoryUsage().heapUsed,
    openThreadClock,
    post: (message) => {
      const bytes = encodeFrame(message);
      let written = 0;
      while (written < bytes.length) written += runtime.stdout.writeSync(bytes.subarray(written));
    },
    listen: async (onMessage) => {
      const decoder = new FrameDecoder((m) => onMessage(m as ToWorker), () => {});
      for await (const chunk of runtime.stdin.readable) decoder.push(chunk);
      runtime.exit(0);
    },
  };
}
