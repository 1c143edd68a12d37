/**
 * The script every worker and child process runs, on every runtime: it finds
 * the way to its parent (a worker port or stdin and stdout) and serves tasks.
 *
 * @module
 */

import type { ToWorker } from "../core/protocol.ts";
import { type ParentPort, serveTasks } from "../core/serve.ts";

interface DenoLike {
  exit(code?: number): never;
  stdin: { readable: ReadableStream<Uint8Array> };
  stdout: { writeSync(bytes: Uint8Array): number };
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;

serveTasks(await connect());

async function connect(): Promise<ParentPort> {
  if (deno === undefined || isWorkerScope()) {
    const { parentPort, receiveMessageOnPort } = await import("node:worker_threads");
    const receive = receiveMessageOnPort as unknown as ParentPort["receive"];
    // Node, and Bun's worker_threads: messages to `self` never arrive there.
    if (deno === undefined && parentPort !== null) {
      return {
        post: (message) => parentPort.postMessage(message),
        listen: (onMessage) => parentPort.on("message", onMessage),
        receive,
      };
    }
    if (isWorkerScope()) return { ...selfPort(), receive };
  }
  return deno === undefined ? processStdioPort() : denoStdioPort(deno);
}

function isWorkerScope(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: new () => unknown }).WorkerGlobalScope;
  return scope !== undefined && globalThis instanceof scope;
}

function selfPort(): ParentPort {
  const scope = globalThis as unknown as {
    postMessage(message: unknown): void;
    onmessage: ((event: MessageEvent) => void) | null;
  };
  if (deno !== undefined) {
    // Deno ends a worker that calls Deno.exit without telling its parent: tell it first.
    const exit = deno.exit.bind(deno);
    deno.exit = (code = 0) => {
      scope.postMessage({ t: "exit", code });
      return exit(code);
    };
  }
  return {
    post: (message) => scope.postMessage(message),
    listen: (onMessage) => {
      scope.onmessage = (event) => onMessage(event.data as ToWorker);
    },
  };
}

/** Keeps stdout for frames: a task's console output goes to stderr. */
function divertConsole(): void {
  console.log = console.info = console.debug = console.error;
}

async function processStdioPort(): Promise<ParentPort> {
  const { default: process } = await import("node:process");
  // Only a child process frames its messages: a worker thread never loads node:v8.
  const { encodeFrame, FrameDecoder } = await import("./_frames.ts");
  divertConsole();
  return {
    post: (message) => void process.stdout.write(encodeFrame(message)),
    listen: (onMessage) => {
      const decoder = new FrameDecoder((m) => onMessage(m as ToWorker), () => {});
      process.stdin.on("data", (chunk: Uint8Array) => decoder.push(chunk));
      // The pool is gone: so is the reason to live.
      process.stdin.on("end", () => process.exit(0));
    },
  };
}

async function denoStdioPort(runtime: DenoLike): Promise<ParentPort> {
  const { encodeFrame, FrameDecoder } = await import("./_frames.ts");
  divertConsole();
  return {
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
