/**
 * The kernels experiment, the article's Cython question asked of JavaScript:
 * how close do JIT-compiled JavaScript and WebAssembly come to native C, does
 * Wasm SIMD pass it, do the kernels scale across workers, and can workers
 * share one Wasm memory as Cython's nogil threads share one array.
 *
 * @module
 */

import type { HostInfo, RuntimeAdapter, RuntimeInfo } from "../../core/adapter.ts";
import * as js from "../../core/workloads/kernels/js.ts";
import { SHARED_LAYOUT } from "./shared_tasks.ts";
import {
  compileKernels,
  createSharedMemory,
  instantiateKernels,
  MAX_PAGES,
} from "../../core/workloads/kernels/wasm.ts";
import { createPool } from "../../core/pool/pool.ts";
import { runScaling } from "../scaling/runner.ts";
import { median } from "../../core/measure/stats.ts";
import { checkCount } from "../../core/_checks.ts";

/** The schema name of a kernels record. */
export const KERNELS_SCHEMA = "truepar.kernels/1";

const SHARED_MODULE = new URL("./shared_tasks.ts", import.meta.url);

/** Whether native kernels can be built here, and with what. */
export type NativeStatus = { available: true; compiler: string } | { available: false; reason: string };

/** Runs the native C kernels: injected, since building and running a binary is the runtime's business. */
export interface NativeKernels {
  status(): Promise<NativeStatus>;
  /**
   * Runs one kernel `repeat` times in a fresh process of its own.
   *
   * @param kernel `modsum` (n), `integrate` (from, to, steps) or `mandelbrot` (width, height, maxIter).
   * @returns The checksum, as JavaScript prints the number, and each run's time.
   */
  run(kernel: KernelName, args: number[], repeat: number): Promise<{ checksum: string; samplesMs: number[] }>;
}

/** A kernel's name. */
export type KernelName = "modsum" | "integrate" | "mandelbrot";

/** Options for {@linkcode runKernels}. */
export interface KernelsOptions {
  adapter: RuntimeAdapter;
  /** The native reference; without it the native row says it was not given. */
  native?: NativeKernels;
  /** Timed calls per variant, after the warm-up. Default 5. */
  repeat?: number;
  /** Scale of every kernel's input, 1 by default (modsum 2×10⁸ steps, integrate 10⁸, Mandelbrot 1200² × 200). */
  scale?: number;
  /** Called as each step starts. */
  onStep?: (step: string) => void;
}

/** First call against warmed-up calls: what the engine's tiers do to one long call. */
export interface Tiering {
  firstCallMs: number;
  warmMedianMs: number;
}

/** One kernel's results. */
export interface KernelResult {
  name: KernelName;
  params: Record<string, number>;
  /** What a step is, and how many there were. */
  step: string;
  steps: number;
  nsPerStep: { js: number; wasm: number; wasmSimd?: number; native?: number };
  samplesMs: { js: number[]; wasm: number[]; wasmSimd?: number[]; native?: number[] };
  tiering: { js: Tiering; wasm: Tiering; wasmSimd?: Tiering };
  /** Batch time (pool ready to last result) with 1 worker over 2, 8 tasks. */
  workerSpeedup: { js: number; wasm: number };
  /** The same tasks' time inside their calls with 2 workers over 1 (the scaling run's time budget): under 1 where they ran faster side by side. */
  workerTaskRatio?: { js: number; wasm: number };
  checksums: { js: string; wasm: string; wasmSimd?: string; native?: string };
  /** Whether every variant gave the same checksum. */
  agree: boolean;
  /** For integrate: the exact integral (to³ − from³) / 3. */
  exact?: number;
}

/** The record of the kernels experiment (`truepar.kernels/1`). */
export interface KernelsRecord {
  schema: typeof KERNELS_SCHEMA;
  runtime: RuntimeInfo;
  host: HostInfo;
  startedAt: string;
  native: NativeStatus;
  /** Compiling kernels.wasm on the main thread, once. */
  wasmCompileMs: number;
  repeat: number;
  kernels: KernelResult[];
  sharedMemory: {
    kernel: "mandelbrot";
    workers: number;
    params: Record<string, number>;
    checksum: string;
    /** The image and total equal a single worker's. */
    matchesSingle: boolean;
    rowsPerWorker: number[];
    singleMs: number;
    sharedMs: number;
    speedup: number;
  };
}

interface Plan {
  name: KernelName;
  params: Record<string, number>;
  step: string;
  nativeArgs: number[];
  js: () => number;
  wasm: () => number;
  wasmSimd?: () => number;
  steps(checksum: number): number;
  exact?: number;
}

/**
 * Measures the kernels on the adapter's runtime.
 *
 * @param options The adapter, the native runner and the sizes.
 * @returns The `truepar.kernels/1` record.
 * @throws {RangeError} For a repeat count or scale out of range.
 * @example
 * ```ts
 * import { runKernels } from "./kernels.ts";
 * import { createAdapter } from "../../runtimes/detect.ts";
 * // A small scale for the example; the ratios need 0.5 or more (calls of 10 ms and longer).
 * const record = await runKernels({ adapter: await createAdapter(), scale: 0.01, repeat: 1 });
 * console.log(record.kernels.map((k) => [k.name, k.nsPerStep.wasm]));
 * ```
 */
export async function runKernels(options: KernelsOptions): Promise<KernelsRecord> {
  const { adapter, native, onStep } = options;
  const repeat = checkCount("Cannot run kernels", "repeat", options.repeat ?? 5);
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 10)) {
    throw new RangeError(`Cannot run kernels: "scale" must be above 0 and at most 10, received ${scale}`);
  }
  const startedAt = new Date().toISOString();
  const compileStart = performance.now();
  const module = await compileKernels();
  const wasmCompileMs = performance.now() - compileStart;
  const wasm = instantiateKernels(module);
  const nativeStatus: NativeStatus = native === undefined
    ? { available: false, reason: "no native runner was given" }
    : await native.status();

  const n = Math.round(200_000_000 * scale);
  const steps = Math.round(100_000_000 * scale);
  const side = Math.max(2, Math.round(1200 * Math.sqrt(scale)));
  const plans: Plan[] = [
    {
      name: "modsum",
      params: { totalIterations: n },
      step: "one integer visited",
      nativeArgs: [n],
      js: () => js.modsum(0, n),
      wasm: () => wasm.modsum(0, n),
      steps: () => n,
    },
    {
      name: "integrate",
      params: { from: 0, to: 5, steps },
      step: "one step of the sum",
      nativeArgs: [0, 5, steps],
      js: () => js.integrate(0, 5 / steps, 0, steps),
      wasm: () => wasm.integrate(0, 5 / steps, 0, steps),
      steps: () => steps,
      exact: 125 / 3,
    },
    {
      name: "mandelbrot",
      params: { width: side, height: side, maxIter: 200 },
      step: "one iteration of z² + c",
      nativeArgs: [side, side, 200],
      js: () => js.mandelbrot(0, side, side, side, 200),
      wasm: () => wasm.mandelbrot(0, side, side, side, 200),
      wasmSimd: () => wasm.mandelbrotSimd(0, side, side, side, 200),
      steps: (checksum) => checksum,
    },
  ];

  const kernels: KernelResult[] = [];
  for (const plan of plans) {
    onStep?.(
      `${plan.name}: JavaScript, Wasm${plan.wasmSimd ? ", Wasm SIMD" : ""}${
        nativeStatus.available ? ", native C" : ""
      }`,
    );
    const calls = { js: plan.js, wasm: plan.wasm, ...(plan.wasmSimd && { wasmSimd: plan.wasmSimd }) };
    const runs = await timeInterleaved(
      calls,
      repeat,
      nativeStatus.available ? () => native!.run(plan.name, plan.nativeArgs, 1) : undefined,
    );
    const jsRun = runs.js!;
    const wasmRun = runs.wasm!;
    const simdRun = runs.wasmSimd;
    const nativeRun = runs.native;
    onStep?.(`${plan.name}: 1 and 2 workers`);
    const stepCount = plan.steps(Number(jsRun.checksum));
    const nsPerStep = (samples: number[]) => (median(samples) * 1e6) / stepCount;
    const checksums = {
      js: jsRun.checksum,
      wasm: wasmRun.checksum,
      ...(simdRun && { wasmSimd: simdRun.checksum }),
      ...(nativeRun && { native: nativeRun.checksum }),
    };
    kernels.push({
      name: plan.name,
      params: plan.params,
      step: plan.step,
      steps: stepCount,
      nsPerStep: {
        js: nsPerStep(jsRun.samplesMs),
        wasm: nsPerStep(wasmRun.samplesMs),
        ...(simdRun && { wasmSimd: nsPerStep(simdRun.samplesMs) }),
        ...(nativeRun && { native: nsPerStep(nativeRun.samplesMs) }),
      },
      samplesMs: {
        js: jsRun.samplesMs,
        wasm: wasmRun.samplesMs,
        ...(simdRun && { wasmSimd: simdRun.samplesMs }),
        ...(nativeRun && { native: nativeRun.samplesMs }),
      },
      tiering: { js: jsRun.tiering, wasm: wasmRun.tiering, ...(simdRun && { wasmSimd: simdRun.tiering }) },
      ...await workerSpeedups(adapter, plan.name, plan.params, repeat),
      checksums,
      agree: new Set(Object.values(checksums)).size === 1,
      ...(plan.exact !== undefined && { exact: plan.exact }),
    });
  }

  onStep?.("shared memory");
  const sharedMemory = await runSharedMemory(adapter, { module, side, repeat });
  return {
    schema: KERNELS_SCHEMA,
    runtime: adapter.runtime,
    host: adapter.hostInfo(),
    startedAt,
    native: nativeStatus,
    wasmCompileMs,
    repeat,
    kernels,
    sharedMemory,
  };
}

interface Timed {
  checksum: string;
  samplesMs: number[];
  tiering: Tiering;
}

/**
 * Times each variant: its cold first call and three warm-up calls (for the
 * optimizing tier), then `repeat` rounds in which every variant runs once, so
 * drift on a shared machine hits them all alike. Native C runs in a fresh
 * process per round and times itself.
 */
async function timeInterleaved(
  calls: Record<string, () => number>,
  repeat: number,
  native?: () => Promise<{ checksum: string; samplesMs: number[] }>,
): Promise<Record<string, Timed>> {
  const runs: Record<string, Timed> = {};
  const time = (call: () => number) => {
    const start = performance.now();
    const result = call();
    return { ms: performance.now() - start, result };
  };
  for (const [name, call] of Object.entries(calls)) {
    const first = time(call);
    for (let i = 0; i < 3; i++) call();
    runs[name] = { checksum: String(first.result), samplesMs: [], tiering: { firstCallMs: first.ms, warmMedianMs: 0 } };
  }
  let nativeChecksum = "";
  const nativeSamples: number[] = [];
  for (let round = 0; round < repeat; round++) {
    for (const [name, call] of Object.entries(calls)) runs[name]!.samplesMs.push(time(call).ms);
    if (native !== undefined) {
      const run = await native();
      nativeChecksum = run.checksum;
      nativeSamples.push(...run.samplesMs);
    }
  }
  for (const run of Object.values(runs)) run.tiering.warmMedianMs = median(run.samplesMs);
  if (native !== undefined) {
    runs.native = {
      checksum: nativeChecksum,
      samplesMs: nativeSamples,
      tiering: { firstCallMs: nativeSamples[0]!, warmMedianMs: median(nativeSamples) },
    };
  }
  return runs;
}

/** The kernel as JavaScript and as Wasm in 1 and 2 workers: the steady speedups, and how long the tasks took side by side. */
async function workerSpeedups(
  adapter: RuntimeAdapter,
  name: string,
  params: Record<string, number>,
  repeat: number,
): Promise<Pick<KernelResult, "workerSpeedup" | "workerTaskRatio">> {
  const run = async (workload: string) => {
    // The cold batch of each sample warms the workers; the steady batch is the figure. Three paired rounds, fewer if fewer calls were asked for.
    const record = await runScaling({
      adapter,
      workload,
      params,
      strategy: "workers",
      concurrency: [1, 2],
      tasks: 8,
      repeat: Math.min(repeat, 3),
      warmup: 0,
    });
    return record.points[1]!;
  };
  const js = await run(name);
  const wasm = await run(`wasm-${name}`);
  return {
    workerSpeedup: { js: js.steadySpeedup, wasm: wasm.steadySpeedup },
    workerTaskRatio: { js: js.budget!.steady.taskRatio, wasm: wasm.budget!.steady.taskRatio },
  };
}

/**
 * The shared-memory mode: 2 workers render one Mandelbrot image into one
 * shared WebAssembly.Memory, then 1 worker alone, and the two are compared.
 *
 * @param adapter Starts the workers.
 * @param options The compiled module, the image's side, and how many timed runs (at most 3).
 * @returns Both timings, the rows each worker took, and whether the results match.
 */
export async function runSharedMemory(
  adapter: RuntimeAdapter,
  { module, side, repeat }: { module: WebAssembly.Module; side: number; repeat: number },
): Promise<KernelsRecord["sharedMemory"]> {
  const workers = 2;
  const params = { width: side, height: side, maxIter: 200 };
  const bytes = SHARED_LAYOUT.out + side * side * 4;
  const pages = Math.ceil(bytes / 65536);
  if (pages > MAX_PAGES) {
    throw new RangeError(`Cannot run shared memory: ${side}² points need ${pages} pages, more than ${MAX_PAGES}`);
  }
  const pool = await createPool({ adapter, size: workers, module: SHARED_MODULE });
  try {
    const render = async (count: number) => {
      const memory = createSharedMemory(pages);
      const barrier = new Int32Array(new SharedArrayBuffer(4));
      barrier[0] = count;
      const start = performance.now();
      const rows = await Promise.all(Array.from({ length: count }, () =>
        // A timeout sends each task alone to an idle worker: the renderers must run at once, each in its own.
        pool.run<number>("mandelbrotShared", { module, memory, ...params, barrier: barrier.buffer }, {
          timeoutMs: 60_000,
        })));
      const ms = performance.now() - start;
      const total = new BigInt64Array(memory.buffer, SHARED_LAYOUT.total, 1)[0]!;
      return { ms, rows, total: String(total), image: new Int32Array(memory.buffer, SHARED_LAYOUT.out, side * side) };
    };
    await render(workers); // warm-up: both workers instantiate and tier up
    const singles = [];
    const shareds = [];
    for (let i = 0; i < Math.min(repeat, 3); i++) {
      singles.push(await render(1));
      shareds.push(await render(workers));
    }
    const single = singles[0]!;
    const shared = shareds[0]!;
    const matchesSingle = single.total === shared.total && single.image.every((count, i) => count === shared.image[i]);
    const singleMs = median(singles.map((r) => r.ms));
    const sharedMs = median(shareds.map((r) => r.ms));
    await pool.close();
    return {
      kernel: "mandelbrot",
      workers,
      params,
      checksum: shared.total,
      matchesSingle,
      rowsPerWorker: shared.rows,
      singleMs,
      sharedMs,
      speedup: singleMs / sharedMs,
    };
  } catch (error) {
    // A renderer that failed leaves the other at the gate: end them rather than wait.
    await pool.terminate();
    throw error;
  }
}
