/**
 * The kernels as workloads, each in JavaScript and in WebAssembly (and, for
 * Mandelbrot, Wasm SIMD): the work of a batch is split into one share per
 * task, and the shares' results add up to the batch's checksum.
 *
 * @module
 */

import * as js from "./js.ts";
import { compileKernels, kernelsFor, type WasmKernels } from "./wasm.ts";
import type { ParamSpec, TaskContext, Workload, WorkloadParams } from "../workload.ts";
import { shareOf } from "../workload.ts";

type Kernels = Pick<WasmKernels, "modsum" | "integrate" | "mandelbrot">;

/** A kernel, apart from the code that runs it. */
interface KernelSpec {
  name: string;
  description: string;
  params: Record<string, ParamSpec>;
  /** What is wrong with the parameters together, if anything. */
  conflict?(params: WorkloadParams): string | undefined;
  /** Computes one task's share with the given implementation. */
  compute(kernels: Kernels, params: WorkloadParams, task?: TaskContext): number;
}

const MAX_U31 = 2 ** 31 - 1;

const MODSUM: KernelSpec = {
  name: "modsum",
  description: "the article's loop over [0, iterations), split across tasks",
  params: {
    totalIterations: {
      type: "integer",
      default: 200_000_000,
      min: 1,
      max: MAX_U31,
      description: "integers visited in all, split across the tasks",
    },
  },
  compute: (kernels, { totalIterations }, task) => kernels.modsum(...shareOf(totalIterations!, task)),
};

const INTEGRATE: KernelSpec = {
  name: "integrate",
  description: "left Riemann sum of x² on [from, to] in `steps` steps, split across tasks",
  params: {
    from: { type: "number", default: 0, min: -1e9, max: 1e9, description: "left end of the interval" },
    to: { type: "number", default: 5, min: -1e9, max: 1e9, description: "right end of the interval" },
    steps: {
      type: "integer",
      default: 100_000_000,
      min: 1,
      max: MAX_U31,
      description: "steps in all, split across the tasks",
    },
  },
  conflict: (
    { from, to },
  ) => (from! > to! ? `"from" must not exceed "to", received from ${from} and to ${to}` : undefined),
  compute(kernels, { from, to, steps }, task) {
    const [i0, i1] = shareOf(steps!, task);
    return kernels.integrate(from!, (to! - from!) / steps!, i0, i1);
  },
};

const MANDELBROT: KernelSpec = {
  name: "mandelbrot",
  description: "sum of Mandelbrot escape counts on a width × height grid, rows split across tasks",
  params: {
    width: { type: "integer", default: 1200, min: 1, max: 16384, description: "points per row" },
    height: { type: "integer", default: 1200, min: 1, max: 16384, description: "rows" },
    maxIter: { type: "integer", default: 200, min: 1, max: 1_000_000, description: "most iterations per point" },
  },
  compute(kernels, { width, height, maxIter }, task) {
    const [y0, y1] = shareOf(height!, task);
    return kernels.mandelbrot(y0, y1, width!, height!, maxIter!);
  },
};

/** The kernels, by name. */
export const KERNEL_SPECS: readonly KernelSpec[] = [MODSUM, INTEGRATE, MANDELBROT];

/** How a kernel is run: JIT-compiled JavaScript, scalar Wasm, or Wasm SIMD. */
export type KernelVariant = "js" | "wasm" | "wasm-simd";

function defineKernelWorkload(spec: KernelSpec, variant: KernelVariant): Workload {
  const prefix = variant === "js" ? "" : `${variant}-`;
  const how = { js: "JavaScript", wasm: "WebAssembly", "wasm-simd": "WebAssembly SIMD (f64x2)" }[variant];
  return {
    name: prefix + spec.name,
    description: `${how}: ${spec.description}`,
    params: spec.params,
    validate(params) {
      const conflict = spec.conflict?.(params);
      if (conflict !== undefined) throw new RangeError(`Cannot run workload "${prefix + spec.name}": ${conflict}`);
    },
    setup: variant === "js" ? undefined : compileKernels,
    async run(params, task) {
      const kernels: Kernels = variant === "js"
        ? js
        : await wasmKernels(variant, task?.shared as WebAssembly.Module | undefined);
      return String(spec.compute(kernels, params, task));
    },
    // Shares add up in task order, so the float sums are the same on every run.
    combine: (checksums) => String(checksums.reduce((sum, checksum) => sum + Number(checksum), 0)),
  };
}

async function wasmKernels(variant: KernelVariant, module?: WebAssembly.Module): Promise<Kernels> {
  const kernels = await kernelsFor(module);
  return variant === "wasm-simd" ? { ...kernels, mandelbrot: kernels.mandelbrotSimd } : kernels;
}

/** The kernel workloads: `modsum`, `integrate`, `mandelbrot`, their `wasm-` twins, and `wasm-simd-mandelbrot`. */
export const KERNEL_WORKLOADS: readonly Workload[] = [
  ...KERNEL_SPECS.map((spec) => defineKernelWorkload(spec, "js")),
  ...KERNEL_SPECS.map((spec) => defineKernelWorkload(spec, "wasm")),
  defineKernelWorkload(MANDELBROT, "wasm-simd"),
];
