/**
 * The kernels experiment's entry: the same three kernels as JIT-compiled
 * JavaScript, WebAssembly (with and without SIMD) and native C, per step, in
 * one and two workers, and a Mandelbrot rendered by two workers into one
 * shared WebAssembly memory.
 *
 * @module
 */

import { runtimeRank } from "../../runtimes/registry.ts";
import { CHART_SIZE } from "../_charts.ts";
import {
  type Experiment,
  oncePerRuntime,
  type Profile,
  runtimeLabels,
  stepProgress,
  untilAborted,
} from "../_experiment.ts";
import { count, type Flag, number } from "../_flags.ts";
import { type KernelsRecord, runKernels } from "./kernels.ts";
import { createNativeKernels } from "./native.ts";
import type { NativeKernels } from "./kernels.ts";
import { type RuntimeAdapter, startsKind } from "../../core/adapter.ts";

export * from "./kernels.ts";
export { createNativeKernels } from "./native.ts";

/** `--experiment kernels`'s flags. */
export interface KernelsArgs {
  repeat: number;
  scale: number;
}

/** A kernel call shorter than this is mostly timer and call overhead. */
const MIN_TIMED_MS = 10;

const PROFILE_ARGS: Record<Profile, string[]> = {
  quick: ["--scale", "0.5", "--repeat", "3"],
  full: ["--repeat", "7"],
  smoke: ["--scale", "0.002", "--repeat", "1"],
};

/** The native runner, where the runtime can start one: a browser runs no native code. */
function nativeFor(adapter: RuntimeAdapter): NativeKernels {
  if (startsKind(adapter, "process")) return createNativeKernels();
  const reason = `${adapter.runtime.name} starts no processes, so no native code`;
  return { status: () => Promise.resolve({ available: false, reason }), run: () => Promise.reject(new Error(reason)) };
}

const FLAGS = {
  scale: {
    name: "scale",
    value: "X",
    help: "kernels: scale of every kernel's input, above 0, at most 10",
    default: "1",
  },
  repeat: { name: "repeat", value: "N", help: "kernels: timed calls per variant", default: "5" },
} satisfies Record<string, Flag>;

/** The kernels experiment. */
export const kernels: Experiment<KernelsArgs, KernelsRecord, KernelsRecord[]> = {
  name: "kernels",
  schema: "truepar.kernels/1",
  flags: Object.values(FLAGS),
  parse: (values) => ({
    repeat: count(FLAGS.repeat, values, 1),
    scale: number(FLAGS.scale, values, { min: 0, above: true, max: 10 }),
  }),
  run: (args, context) =>
    untilAborted(
      context.signal,
      runKernels({
        adapter: context.adapter,
        native: nativeFor(context.adapter),
        ...args,
        onStep: stepProgress(context, 10),
      }),
    ),
  format: formatKernels,
  ...oncePerRuntime<KernelsRecord>("kernels", PROFILE_ARGS, runtimeRank),
  present: (records) => {
    const label = runtimeLabels(records);
    const ns = (value?: number) => (value === undefined ? "-" : value.toFixed(2));
    return {
      verdict: [],
      lines: [],
      tables: [{
        id: "kernels",
        title: "kernels · ns per step, medians",
        csv: "kernels.csv",
        header: [
          "runtime",
          "kernel",
          "js ns",
          "wasm ns",
          "simd ns",
          "native ns",
          "wasm÷native",
          "1→2 workers js",
          "1→2 workers wasm",
          "checksums",
        ],
        rows: records.flatMap((r) =>
          r.kernels.map((k) => [
            label(r),
            k.name,
            ns(k.nsPerStep.js),
            ns(k.nsPerStep.wasm),
            ns(k.nsPerStep.wasmSimd),
            ns(k.nsPerStep.native),
            k.nsPerStep.native === undefined ? "-" : `${(k.nsPerStep.wasm / k.nsPerStep.native).toFixed(2)}x`,
            `${k.workerSpeedup.js.toFixed(2)}x`,
            `${k.workerSpeedup.wasm.toFixed(2)}x`,
            k.agree ? "agree" : "DISAGREE",
          ])
        ),
        why: records.flatMap((r) => r.kernels.map((k) => workersPastCores(r, k))),
        show: "markdown",
      }, {
        show: "text",
        title: "kernels · ns per step, medians; 1→2 workers, JavaScript and Wasm (report.md: checksums, ratios)",
        header: ["runtime", "kernel", "js", "wasm", "simd", "native", "2 workers js / wasm"],
        rows: records.flatMap((r) =>
          r.kernels.map((k) => [
            label(r),
            k.name,
            ns(k.nsPerStep.js),
            ns(k.nsPerStep.wasm),
            ns(k.nsPerStep.wasmSimd),
            ns(k.nsPerStep.native),
            `${k.workerSpeedup.js.toFixed(2)}x / ${k.workerSpeedup.wasm.toFixed(2)}x`,
          ])
        ),
        why: records.flatMap((r) => r.kernels.map((k) => workersPastCores(r, k))),
      }],
      charts: [{
        file: "kernels.svg",
        table: "kernels",
        title: "kernels: ns per step for JavaScript, Wasm, Wasm SIMD and native C",
        spec: {
          title: "kernels: ns per step",
          data: {
            values: records.flatMap((r) =>
              r.kernels.flatMap((k) =>
                Object.entries(k.nsPerStep).map(([variant, value]) => ({
                  runtime: label(r),
                  kernel: k.name,
                  variant,
                  value,
                }))
              )
            ),
          },
          facet: { column: { field: "kernel", type: "nominal", title: null } },
          resolve: { scale: { y: "independent" } },
          spec: {
            ...CHART_SIZE,
            mark: "bar",
            encoding: {
              x: { field: "variant", type: "nominal", sort: ["js", "wasm", "wasmSimd", "native"], title: null },
              xOffset: { field: "runtime", type: "nominal" },
              y: { field: "value", type: "quantitative", title: "ns per step" },
              color: { field: "runtime", type: "nominal" },
            },
          },
        },
      }],
      warnings: records.flatMap((record) =>
        record.kernels.filter((k) => !k.agree).map((k) => ({
          severity: "error" as const,
          text: `${label(record)} kernel ${k.name}: the variants disagree on the checksum ${
            JSON.stringify(k.checksums)
          }`,
        }))
      ),
    };
  },
  diff: {
    settings: (record) => ({
      repeat: record.repeat,
      kernels: record.kernels.map((k) => JSON.stringify(k.params)).join(" "),
    }),
    samples: () => [],
  },
};

/**
 * Why a kernel's speedup from 1 to 2 workers passes the cores, when it does
 * by more than 5%: its tasks ran faster side by side (the time budget of the
 * run that measured it), or not, and then it was a fast sample.
 *
 * @param record The kernels record.
 * @param kernel One kernel's result.
 * @returns A few words, or `undefined` within the cores.
 */
export function workersPastCores(record: KernelsRecord, kernel: KernelsRecord["kernels"][number]): string | undefined {
  // Two workers; a record without its host (a test's) is read as a machine of two cores.
  const cores = Math.min(2, record.host?.cores ?? 2);
  const past = (["js", "wasm"] as const).filter((v) => kernel.workerSpeedup[v] > cores * 1.05);
  if (past.length === 0) return undefined;
  return past.map((v) => {
    const ratio = kernel.workerTaskRatio?.[v];
    return `${v} past ${cores} cores: ${
      ratio !== undefined && ratio < 0.95
        ? `its tasks took ${ratio.toFixed(2)}x as long side by side (caches, or the JIT's code)`
        : "a fast sample, which its tasks' time does not explain"
    }`;
  }).join("; ");
}

/**
 * Formats a kernels record: ns per step per variant, the ratios to native C,
 * the worker speedups, tiering and the shared-memory run.
 *
 * @param record A `truepar.kernels/1` record.
 * @returns Lines of text.
 */
export function formatKernels(record: KernelsRecord): string {
  const { runtime, native, sharedMemory: shared } = record;
  const lines = [
    `[kernels, runtime = ${runtime.name} ${runtime.version}, native = ${
      native.available ? native.compiler : `none (${native.reason})`
    }]`,
    `${"kernel".padEnd(11)}${"js".padStart(8)}${"wasm".padStart(8)}${"simd".padStart(8)}${
      "native".padStart(8)
    }  ns/step · wasm÷native · js÷native · 1→2 workers js, wasm · checksums`,
  ];
  const ns = (value?: number) => (value === undefined ? "-" : value.toFixed(2)).padStart(8);
  for (const k of record.kernels) {
    const { js, wasm, wasmSimd, native: c } = k.nsPerStep;
    const ratio = (value: number) => (c === undefined ? "-" : `${(value / c).toFixed(2)}x`);
    const past = workersPastCores(record, k);
    lines.push(
      `${k.name.padEnd(11)}${ns(js)}${ns(wasm)}${ns(wasmSimd)}${ns(c)}  ${ratio(wasm)} · ${ratio(js)} · ${
        k.workerSpeedup.js.toFixed(2)
      }x, ${k.workerSpeedup.wasm.toFixed(2)}x · ${
        k.agree ? `all ${k.checksums.js}` : `DISAGREE ${JSON.stringify(k.checksums)}`
      }${past ? ` · ${past}` : ""}`,
    );
  }
  const shortest = Math.min(
    ...record.kernels.flatMap((k) => Object.values(k.samplesMs).flatMap((samples) => samples ?? [])),
  );
  if (shortest < MIN_TIMED_MS) {
    lines.push(
      `warning: the shortest timed call took ${
        shortest.toFixed(2)
      } ms, under ${MIN_TIMED_MS} ms: too short to time reliably, so the ratios above are not to be trusted; use --scale 0.5 or more`,
    );
  }
  lines.push(
    "",
    "First call against warmed-up calls (ms): one long call runs in the tier it started in unless the engine can switch mid-call",
  );
  for (const k of record.kernels) {
    const tiers = Object.entries(k.tiering).map(([variant, t]) =>
      `${variant} ${t.firstCallMs.toFixed(0)} → ${t.warmMedianMs.toFixed(0)}`
    );
    lines.push(`  ${k.name.padEnd(11)}${tiers.join(" · ")}`);
  }
  lines.push(
    "",
    `Shared memory: ${shared.workers} workers render a ${shared.params.width}×${shared.params.height} Mandelbrot into one WebAssembly.Memory, rows from an atomic counter (${
      shared.rowsPerWorker.join(" + ")
    } rows)`,
    `  ${shared.singleMs.toFixed(1)} ms alone, ${shared.sharedMs.toFixed(1)} ms shared: ${
      shared.speedup.toFixed(2)
    }x · total ${shared.checksum} · ${
      shared.matchesSingle ? "image identical to one worker's" : "DIFFERS from one worker's"
    }`,
  );
  return lines.join("\n");
}
