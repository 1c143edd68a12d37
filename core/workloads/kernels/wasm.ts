/**
 * The WebAssembly kernels: compiled once from the committed bytes (no file
 * access, no build step), instantiated per thread.
 *
 * @module
 */

import { KERNELS_WASM_BASE64 } from "./kernels_wasm.ts";

/** The exports of kernels.wasm. */
export interface WasmKernels {
  modsum(start: number, end: number): number;
  integrate(from: number, dx: number, i0: number, i1: number): number;
  mandelbrot(y0: number, y1: number, width: number, height: number, maxIter: number): number;
  mandelbrotSimd(y0: number, y1: number, width: number, height: number, maxIter: number): number;
  /** Takes rows from the counter at `ctl`, writes counts at `out`, adds its sum at `ctl + 8`; returns rows done. */
  mandelbrotShared(width: number, height: number, maxIter: number, ctl: number, out: number): number;
}

/** The pages (64 KiB) the kernels' shared memory may grow to. */
export const MAX_PAGES = 1024;

let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * Compiles kernels.wasm, once per thread.
 *
 * @returns The compiled module: send it to workers rather than compile again.
 * @example
 * ```ts
 * import { compileKernels, instantiateKernels } from "./wasm.ts";
 * const kernels = instantiateKernels(await compileKernels());
 * if (!(kernels.modsum(0, 1_000_000) === 247342095)) throw new Error("the example's check failed");
 * ```
 */
export function compileKernels(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(decodeBase64(KERNELS_WASM_BASE64));
  return compiled;
}

/**
 * Instantiates the kernels on a shared memory.
 *
 * @param module From {@linkcode compileKernels}, here or in the thread that sent it.
 * @param memory A shared memory of at most {@linkcode MAX_PAGES} pages; a 1-page one by default.
 * @returns The kernel functions.
 */
export function instantiateKernels(module: WebAssembly.Module, memory?: WebAssembly.Memory): WasmKernels {
  memory ??= createSharedMemory(1);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as WasmKernels;
}

/**
 * Creates a memory that workers can share.
 *
 * @param pages Its initial size in 64 KiB pages.
 * @returns A shared WebAssembly memory.
 */
export function createSharedMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true } as WebAssembly.MemoryDescriptor);
}

/**
 * This thread's instance. truepar has one kernels module (the bytes of
 * kernels.wasm), and every message carries a fresh clone of it, so a cache
 * keyed by the module object would never hit: one instance per thread is.
 */
let threadKernels: Promise<WasmKernels> | undefined;

/**
 * The kernels of this thread, instantiated once; compiled here only when no
 * module was sent (a child process cannot receive one).
 *
 * @param module A module compiled by the main thread, if it sent one.
 * @returns The kernel functions.
 */
export function kernelsFor(module?: WebAssembly.Module): Promise<WasmKernels> {
  threadKernels ??= (async () => instantiateKernels(module ?? await compileKernels()))();
  return threadKernels;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
