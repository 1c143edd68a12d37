/**
 * The break-even experiment's entry: should this go to a worker? The
 * smallest task, in µs of cpu, at which workers or processes beat the event
 * loop, per runtime, strategy and pool mode.
 *
 * @module
 */

import { runtimeRank } from "../../runtimes/registry.ts";
import {
  type Experiment,
  oncePerRuntime,
  type Profile,
  runtimeLabels,
  stepProgress,
  untilAborted,
} from "../_experiment.ts";
import { count, type Flag, number } from "../_flags.ts";
import { formatSpeedup } from "../scaling/format.ts";
import { type BreakevenRecord, runBreakeven } from "./breakeven.ts";

export * from "./breakeven.ts";

/** `--experiment breakeven`'s flags. */
export interface BreakevenArgs {
  rounds: number;
  workers?: number;
  maxUs: number;
}

const PROFILE_ARGS: Record<Profile, string[]> = {
  quick: ["--rounds", "2", "--max-us", "10000"],
  full: ["--rounds", "6"],
  smoke: ["--rounds", "1", "--max-us", "100"],
};

const FLAGS = {
  rounds: { name: "rounds", value: "N", help: "breakeven: paired rounds at every task size", default: "3" },
  maxUs: { name: "max-us", value: "X", help: "breakeven: the largest task, µs of cpu, from 1", default: "100000" },
  workers: {
    name: "workers",
    value: "N",
    help: "breakeven: workers and processes in each pool",
    default: { text: "the cores" },
  },
} satisfies Record<string, Flag>;

/** The break-even experiment. */
export const breakeven: Experiment<BreakevenArgs, BreakevenRecord, BreakevenRecord[]> = {
  name: "breakeven",
  schema: "truepar.breakeven/1",
  flags: Object.values(FLAGS),
  parse: (values) => ({
    rounds: count(FLAGS.rounds, values, 1),
    maxUs: number(FLAGS.maxUs, values, { min: 1, max: 1e7 }),
    workers: count(FLAGS.workers, values, 1),
  }),
  run: (args, context) =>
    untilAborted(
      context.signal,
      runBreakeven({ adapter: context.adapter, ...args, onStep: stepProgress(context, 4 + args.rounds) }),
    ),
  format: formatBreakeven,
  ...oncePerRuntime<BreakevenRecord>("breakeven", PROFILE_ARGS, runtimeRank),
  present: (records) => {
    const label = runtimeLabels(records);
    const us = (value: number | null) => (value === null ? "never" : `${value} µs`);
    return {
      verdict: [],
      lines: [],
      tables: [{
        title: `breakeven · the smallest task (µs of cpu) at which ${
          records[0]!.settings.workers
        } workers or processes beat the event loop (interval clear of 1), and reach 90% of their best`,
        id: "breakeven",
        csv: "breakeven.csv",
        header: ["runtime", "strategy", "mode", "break-even", "90% of best", "best speedup"],
        rows: records.flatMap((r) =>
          r.results.map((
            x,
          ) => [
            label(r),
            x.strategy,
            x.mode,
            us(x.breakEvenUs),
            us(x.ninetyPercentUs),
            `${x.best.speedup.toFixed(2)}x at ${x.best.us} µs`,
          ])
        ),
        why: records.flatMap((r) => r.results.map((x) => pastCores(r, x.strategy, x.best.speedup))),
      }],
      charts: [{
        file: "breakeven.svg",
        title:
          "speedup over the event loop against task size (µs of cpu, log scale), one panel per runtime, a line per strategy and mode, its 95% interval shaded",
        table: "breakeven",
        spec: {
          title: "break-even: speedup by task size",
          data: {
            values: records.flatMap((r) =>
              r.curves.flatMap((c) =>
                c.points.map((p) => ({
                  runtime: label(r),
                  way: `${c.strategy} ${c.mode}`,
                  us: p.us,
                  speedup: p.speedup,
                  low: p.speedupCI[0],
                  high: p.speedupCI[1],
                }))
              )
            ),
          },
          // One runtime per row: five runtimes' jagged lines over one another cannot be told apart.
          facet: { row: { field: "runtime", type: "nominal", title: null } },
          spec: {
            width: 420,
            height: 130,
            layer: [
              { mark: { type: "rule", color: "#999", strokeDash: [3, 3] }, encoding: { y: { datum: 1 } } },
              {
                mark: { type: "area", opacity: 0.15 },
                encoding: {
                  x: { field: "us", type: "quantitative", scale: { type: "log" } },
                  y: { field: "low", type: "quantitative" },
                  y2: { field: "high" },
                  color: { field: "way", type: "nominal" },
                },
              },
              {
                mark: { type: "line", point: true },
                encoding: {
                  x: { field: "us", type: "quantitative", scale: { type: "log" }, title: "µs of cpu per task" },
                  y: { field: "speedup", type: "quantitative", title: "speedup" },
                  color: { field: "way", type: "nominal", title: "strategy, mode" },
                },
              },
            ],
          },
        },
      }],
      warnings: records.flatMap((r) => {
        const note = threadSpeedNote(r);
        return note === undefined ? [] : [{ severity: "note" as const, text: `${label(r)} breakeven: ${note}` }];
      }),
    };
  },
  diff: {
    settings: (record) => ({
      workers: record.settings.workers,
      rounds: record.settings.rounds,
      sizes: record.settings.sizesUs.join(","),
    }),
    samples: (record) =>
      record.curves.flatMap((c) =>
        c.points.map((p) => [`${c.strategy} ${c.mode} at ${p.us} µs (ms)`, p.samplesMs] as [string, number[]])
      ),
  },
};

/**
 * Formats a break-even record: the speedup at each size per way, then where each starts to pay.
 *
 * @param record A `truepar.breakeven/1` record.
 * @returns Lines of text.
 */
export function formatBreakeven(record: BreakevenRecord): string {
  const { runtime, settings } = record;
  const sizes = settings.sizesUs;
  const lines = [
    `[breakeven, runtime = ${runtime.name} ${runtime.version}, # workers = ${settings.workers}, ${settings.rounds} paired rounds, loop ${
      record.nsPerIteration.toFixed(2)
    } ns a step]`,
    `${"µs of cpu a task".padEnd(20)}${sizes.map((us) => String(us).padStart(8)).join("")}`,
  ];
  for (const curve of record.curves) {
    lines.push(
      `${`${curve.strategy} ${curve.mode}`.padEnd(20)}${
        curve.points.map((p) => `${p.speedupCI[0] > 1 ? "" : "~"}${p.speedup.toFixed(2)}x`.padStart(8)).join("")
      }`,
    );
  }
  lines.push("speedup over the event loop at each size; ~ where its interval does not clear 1", "");
  for (const r of record.results) {
    const best = record.curves.find((c) => c.strategy === r.strategy && c.mode === r.mode)!.points.find((p) =>
      p.us === r.best.us
    )!;
    const why = pastCores(record, r.strategy, best.speedup);
    lines.push(
      `${`${r.strategy} ${r.mode}`.padEnd(20)}pays from ${
        r.breakEvenUs === null ? "no size measured" : `${r.breakEvenUs} µs`
      } · 90% of its best from ${r.ninetyPercentUs === null ? "-" : `${r.ninetyPercentUs} µs`} · best ${
        formatSpeedup(best.speedup, best.speedupCI)
      } at ${r.best.us} µs${why ? ` · ${why}` : ""}`,
    );
  }
  const note = threadSpeedNote(record);
  if (note !== undefined) lines.push("", `note: ${note}`);
  return lines.join("\n");
}

/**
 * Why a best speedup passes the workers' cores, when it does by more than
 * 5%: a task alone ran faster in a worker or a child process than on the
 * event loop (the same loop, compiled from other feedback), which every
 * speedup of that strategy holds besides the parallelism.
 *
 * @param record The break-even record.
 * @param strategy Workers or processes.
 * @param speedup The figure.
 * @returns A few words, or `undefined` within the cores.
 */
export function pastCores(record: BreakevenRecord, strategy: string, speedup: number): string | undefined {
  const cores = Math.min(record.settings.workers, record.host.cores);
  if (speedup <= cores * 1.05) return undefined;
  const lone = record.loneTaskMs === undefined
    ? undefined
    : strategy === "processes"
    ? record.loneTaskMs.process
    : record.loneTaskMs.worker;
  const faster = lone === undefined ? undefined : record.loneTaskMs.main / lone;
  const where = strategy === "processes" ? "a process" : "a worker";
  return faster !== undefined && faster > 1.05
    ? `past ${cores} cores: a task alone ran ${
      faster.toFixed(2)
    }x as fast in ${where} as on the event loop (other JIT code)`
    : `past ${cores} cores, which no lone task's speed explains: a noisy size`;
}

/** When a lone worker runs the loop more than 10% off the main thread's speed: what the speedups then hold besides parallelism. */
function threadSpeedNote(record: BreakevenRecord): string | undefined {
  const { main, worker } = record.loneTaskMs ?? { main: 1, worker: 1 };
  const ratio = worker / main;
  if (Math.abs(ratio - 1) <= 0.1) return undefined;
  return `one task alone took ${worker.toFixed(1)} ms in a worker and ${main.toFixed(1)} ms on the event loop (${
    ratio.toFixed(2)
  }x): the same loop, compiled by the JIT from other feedback on each thread, so every speedup above holds that factor besides the parallelism`;
}
