/**
 * The worker side of the shared-memory mode: every worker instantiates the
 * module it was sent on the one shared memory and takes rows until none are left.
 *
 * @module
 */

import { instantiateKernels } from "../../core/workloads/kernels/wasm.ts";

/** Where the shared-memory mode keeps its row counter and total (ctl) and its image (out). */
export const SHARED_LAYOUT = { ctl: 0, total: 8, out: 16 } as const;

/**
 * Computes Mandelbrot rows into a shared memory alongside other workers.
 *
 * @returns How many rows this worker computed.
 */
export function mandelbrotShared(
  { module, memory, width, height, maxIter, barrier }: {
    module: WebAssembly.Module;
    memory: WebAssembly.Memory;
    width: number;
    height: number;
    maxIter: number;
    barrier: SharedArrayBuffer;
  },
): number {
  const kernels = instantiateKernels(module, memory);
  /** A renderer that never comes (its task failed) must not hold the others for ever. */
  const GATE_TIMEOUT_MS = 10_000;
  // Start together, so the split of rows reflects the work, not the start-up.
  const gate = new Int32Array(barrier);
  Atomics.sub(gate, 0, 1);
  Atomics.notify(gate, 0);
  const deadline = performance.now() + GATE_TIMEOUT_MS;
  while (Atomics.load(gate, 0) > 0) {
    if (performance.now() > deadline) {
      throw new Error(`Cannot render: the other workers did not reach the gate within ${GATE_TIMEOUT_MS} ms`);
    }
    Atomics.wait(gate, 0, Atomics.load(gate, 0), 100);
  }
  return kernels.mandelbrotShared(width, height, maxIter, SHARED_LAYOUT.ctl, SHARED_LAYOUT.out);
}
