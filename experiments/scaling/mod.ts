/**
 * The scaling experiment's entry: one workload under one strategy at several
 * levels of concurrency, in paired rounds with a control, cold and steady,
 * with the cores busy — the article's experiment.
 *
 * @module
 */

import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { RunRecord } from "./record.ts";
import { defaultLevels, RUN_DEFAULTS, runScaling } from "./runner.ts";
import { STRATEGIES, type StrategyName } from "./strategies.ts";
import { resolveParams } from "../../core/workloads/workload.ts";
import { WORKLOADS } from "../../core/workloads/mod.ts";
import type { Experiment, Metric, Profile } from "../_experiment.ts";
import { count, type Flag, number, oneOf, parseList, parseNumber, UsageError } from "../_flags.ts";
import { formatRun } from "./format.ts";
import { strategiesOf } from "./runtimes.ts";
import { getRuntime } from "../../runtimes/registry.ts";
import { mergeScaling, presentScaling, type ScalingPart, summarizeScaling } from "./report.ts";

export { formatRun, formatSpeedup } from "./format.ts";
export { strategiesOf } from "./runtimes.ts";
export {
  formatLevel,
  presentScaling,
  type ScalingPart,
  type ScalingRow,
  summarizeScaling,
  writeVerdict,
} from "./report.ts";

/** `--experiment scaling`'s flags. */
export interface ScalingArgs {
  workload: string;
  strategy: StrategyName;
  /** The levels; from the machine's cores when absent. */
  concurrency?: number[];
  tasks: number;
  repeat: number;
  warmup: number;
  /** Keep adding rounds until the intervals are within ±5%, up to this many seconds (0: `repeat` rounds). */
  maxSeconds: number;
  /** The seed of the rounds' order. */
  seed?: number;
  /** Also measure c independent processes, the machine's ceiling. */
  ceiling: boolean;
  /** Workload parameters, by parameter name. */
  params: Record<string, number>;
  /** A function of the user's instead of a workload: its module's URL, the export, its arguments. */
  task?: { module: URL; export: string; args: unknown[] };
}

/** `--task FILE#NAME` and `--args JSON`, checked: the file exists, the name is there, the arguments are an array. */
export function parseTask(raw: string | undefined, rawArgs: string | undefined): ScalingArgs["task"] {
  if (raw === undefined) {
    if (rawArgs !== undefined) {
      throw new UsageError(`Cannot run: --args needs --task, received ${JSON.stringify(rawArgs)}`);
    }
    return undefined;
  }
  const hash = raw.lastIndexOf("#");
  const file = hash === -1 ? raw : raw.slice(0, hash);
  const name = hash === -1 ? "" : raw.slice(hash + 1);
  if (file === "" || !/^[A-Za-z_$][\w$]*$/.test(name)) {
    throw new UsageError(
      `Cannot run: --task must be FILE#NAME, a module and the name of its exported function, received ${
        JSON.stringify(raw)
      }`,
    );
  }
  const absolute = path.resolve(file);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new UsageError(`Cannot run: --task's file does not exist, received ${JSON.stringify(file)}`);
  }
  let args: unknown = [];
  if (rawArgs !== undefined) {
    try {
      args = JSON.parse(rawArgs);
    } catch {
      args = undefined;
    }
    if (!Array.isArray(args)) {
      throw new UsageError(
        `Cannot run: --args must be a JSON array, such as [30] or ["a", 2], received ${JSON.stringify(rawArgs)}`,
      );
    }
  }
  return { module: pathToFileURL(absolute), export: name, args: args as unknown[] };
}

/**
 * Whether `--task`'s module exports the function it names, by loading it.
 *
 * @param task The module and the export.
 * @param load Loads the module as the runtime will.
 * @returns What is wrong, or `undefined` when nothing is.
 */
export async function taskProblem(
  task: { module: URL; export: string },
  load: (module: URL) => Promise<Record<string, unknown>>,
): Promise<string | undefined> {
  let exported: unknown;
  try {
    exported = (await load(task.module))[task.export];
  } catch (error) {
    return `--task's module cannot be loaded: ${(error as Error).message}`;
  }
  if (typeof exported === "function") return undefined;
  const file = task.module.pathname.split("/").pop();
  return `--task names "${task.export}", which ${file} ${
    exported === undefined ? "does not export" : `exports as ${typeof exported}, not a function`
  }`;
}

/** Workload parameter flags: `waitMs` is `--wait-ms`. */
const PARAM_FLAGS: ReadonlyMap<string, string> = new Map(
  [...WORKLOADS.values()].flatMap((w) => Object.keys(w.params))
    .map((name) => [name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()), name]),
);

/** One flag per workload parameter, naming the workloads that take it. */
function paramFlags(): Flag[] {
  const flags = new Map<string, { flag: Flag; workloads: string[] }>();
  for (const workload of WORKLOADS.values()) {
    for (const [name, spec] of Object.entries(workload.params)) {
      const flag = [...PARAM_FLAGS].find(([, param]) => param === name)![0];
      const key = `${flag}\0${spec.type}\0${spec.description}\0${spec.default}`;
      const entry = flags.get(key) ??
        { flag: { name: flag, value: spec.type === "integer" ? "N" : "X", help: "" }, workloads: [] };
      entry.workloads.push(workload.name);
      entry.flag.help = `${entry.workloads.join(", ")}: ${spec.description}`;
      entry.flag.default = String(spec.default);
      flags.set(key, entry);
    }
  }
  return [...flags.values()].map((entry) => entry.flag);
}

interface ProfileSettings {
  /** The levels: fixed, or from the cores of the machine (see `defaultLevels`), with the cpu work per task scaled to keep the profile's time. */
  concurrency: number[] | { machine: true; reference: { levels: number[]; cores: number } };
  tasks: number;
  /** Paired rounds at least in each cell's process. */
  repeat: number;
  warmup: number;
  /** A cell keeps adding paired rounds until its steady speedups are within ±5%, for up to this many seconds. */
  maxSeconds: number;
  /** Workload parameters as flags; the workloads run by default. */
  workloads: Record<string, string[]>;
  /** An interpreter's parameters (CPython's: it runs the article's loop ~30x slower than a JIT), the workloads it runs. */
  interpreted: Record<string, string[]>;
}

const IO = ["--waits", "6", "--wait-ms", "2"];

/** Each profile's sizes. */
export const SCALING_PROFILES: Readonly<Record<Profile, ProfileSettings>> = {
  quick: {
    // Sized for levels 1 and 2 on two cores: elsewhere the cpu work per task scales to keep that time.
    concurrency: { machine: true, reference: { levels: [1, 2], cores: 2 } },
    tasks: 12,
    repeat: 3,
    warmup: 1,
    maxSeconds: 2,
    workloads: { cpu: ["--iterations", "15000000"], io: IO, "io-blocking": IO },
    interpreted: { cpu: ["--iterations", "500000"], "io-blocking": IO },
  },
  full: {
    concurrency: { machine: true, reference: { levels: [1, 2, 3, 4], cores: 2 } },
    tasks: 24,
    repeat: 6,
    warmup: 2,
    maxSeconds: 30,
    workloads: {
      cpu: ["--iterations", "60000000"],
      io: ["--waits", "20", "--wait-ms", "2"],
      "io-blocking": ["--waits", "20", "--wait-ms", "2"],
      "wasm-mandelbrot": [],
      "wasm-simd-mandelbrot": [],
    },
    interpreted: { cpu: ["--iterations", "1000000"], "io-blocking": ["--waits", "20", "--wait-ms", "2"] },
  },
  smoke: {
    concurrency: [1, 2],
    tasks: 2,
    repeat: 2,
    warmup: 0,
    maxSeconds: 0,
    workloads: { cpu: ["--iterations", "1000000"], io: ["--waits", "2", "--wait-ms", "1"] },
    interpreted: { cpu: ["--iterations", "10000"] },
  },
};

/** What a round costs, in tasks of one core's time: every level and the control (the smallest level again). */
function roundCost(levels: readonly number[], cores: number): number {
  return levels.reduce((sum, level) => sum + 1 / Math.min(level, cores), 1 / Math.min(levels[0]!, cores));
}

/**
 * A profile's levels on a machine, and how much the cpu work per task is
 * scaled so a round takes the time it was sized for.
 *
 * @param profile The profile.
 * @param cores The cores the cells may use.
 * @returns The levels and the scale of the cpu workloads' iterations.
 */
export function profileLevels(profile: Profile, cores: number): { levels: number[]; scale: number } {
  const { concurrency } = SCALING_PROFILES[profile];
  if (Array.isArray(concurrency)) return { levels: [...concurrency], scale: 1 };
  const levels = defaultLevels(cores);
  return {
    levels,
    scale: roundCost(concurrency.reference.levels, concurrency.reference.cores) / roundCost(levels, cores),
  };
}

/** `--iterations N` scaled, rounded to three significant digits. */
function scaleIterations(params: readonly string[], scale: number): string[] {
  const at = params.indexOf("--iterations");
  if (at === -1 || scale === 1) return [...params];
  const scaled = Number(params[at + 1]) * scale;
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(scaled)) - 2);
  return params.map((p, i) => (i === at + 1 ? String(Math.round(scaled / unit) * unit) : p));
}

const FLAGS = {
  workload: {
    name: "workload",
    value: "NAME",
    help: [...WORKLOADS.keys()].join(" | "),
    default: RUN_DEFAULTS.workload,
  },
  strategy: { name: "strategy", value: "NAME", help: STRATEGIES.join(" | "), default: RUN_DEFAULTS.strategy },
  concurrency: {
    name: "concurrency",
    value: "LIST",
    help: "comma-separated positive integers",
    default: { text: "1, 2, 4, … up to the cores, and twice the cores" },
  },
  tasks: { name: "tasks", value: "N", help: "tasks per batch", default: String(RUN_DEFAULTS.tasks) },
  repeat: {
    name: "repeat",
    value: "N",
    help: "paired rounds at least: each level and a control once per round",
    default: String(RUN_DEFAULTS.repeat),
  },
  warmup: {
    name: "warmup",
    value: "N",
    help: "untimed batches at each level first",
    default: String(RUN_DEFAULTS.warmup),
  },
  maxSeconds: {
    name: "max-seconds",
    value: "X",
    help: "add rounds until every steady speedup is within ±5%, for up to X s; 0: no more",
    default: String(RUN_DEFAULTS.maxMs / 1000),
  },
  seed: {
    name: "seed",
    value: "N",
    help: "the seed of the rounds' random order",
    default: { text: "random, recorded" },
  },
  ceiling: {
    name: "ceiling",
    help: "also time c independent processes, each running its share: the machine's ceiling",
  },
  task: {
    name: "task",
    value: "FILE#NAME",
    help:
      "your own function instead of a workload: the export NAME of FILE (.ts or .js), its return value the checksum",
  },
  args: {
    name: "args",
    value: "JSON",
    help: "the arguments of --task's function, a JSON array",
    default: { text: "[]" },
  },
} satisfies Record<string, Flag>;

/** The scaling experiment. */
export const scaling: Experiment<ScalingArgs, RunRecord, ScalingPart> = {
  name: "scaling",
  schema: "truepar.run/1",
  flags: [...Object.values(FLAGS), ...paramFlags()],
  parse: (values) => {
    const task = parseTask(values.task as string | undefined, values.args as string | undefined);
    if (task !== undefined) {
      const workloadFlag = ["workload", ...PARAM_FLAGS.keys()].find((flag) => values[flag] !== undefined);
      if (workloadFlag !== undefined) {
        throw new UsageError(
          `Cannot run: --${workloadFlag} does not apply with --task, received ${JSON.stringify(values[workloadFlag])}`,
        );
      }
    }
    const workload = oneOf(FLAGS.workload, values, [...WORKLOADS.keys()]);
    const spec = WORKLOADS.get(workload)!;
    const params: Record<string, number> = {};
    for (const [flag, name] of PARAM_FLAGS) {
      const raw = values[flag];
      if (raw === undefined) continue;
      const param = spec.params[name];
      if (param === undefined) {
        throw new UsageError(
          `Cannot run: --${flag} does not apply to workload "${workload}", received ${JSON.stringify(raw)}`,
        );
      }
      params[name] = parseNumber(flag, raw as string, param.type === "integer", param.min, param.max);
    }
    try {
      resolveParams(spec, params);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return {
      workload,
      params,
      task,
      strategy: oneOf(FLAGS.strategy, values, STRATEGIES),
      concurrency: parseList(FLAGS.concurrency, values),
      tasks: count(FLAGS.tasks, values, 1),
      repeat: count(FLAGS.repeat, values, 1),
      warmup: count(FLAGS.warmup, values, 0),
      maxSeconds: number(FLAGS.maxSeconds, values, { min: 0, max: 86_400 }),
      seed: count(FLAGS.seed, values, 0, 0xffffffff),
      ceiling: values.ceiling === true,
    };
  },
  check: async (args, adapter) => {
    if (args.task === undefined) return;
    const problem = await taskProblem(args.task, async (module) => await import(await adapter.prepare(module)));
    if (problem !== undefined) throw new UsageError(`Cannot run: ${problem}`);
  },
  run: (args, context) => {
    let round = 1;
    const { maxSeconds, task, workload, params, ...options } = args;
    return runScaling({
      adapter: context.adapter,
      ...options,
      ...(task === undefined ? { workload, params } : { task }),
      maxMs: maxSeconds * 1000,
      signal: context.signal,
      onProgress: context.onProgress && ((done, total) => context.onProgress!(done, total, `tasks · round ${round}`)),
      onRound: (record) => {
        context.onPartial?.(record);
        round = record.rounds + 1;
      },
    });
  },
  format: formatRun,
  interrupted: (record) =>
    `interrupted after ${record.rounds} ${
      record.rounds === 1 ? "round" : "rounds"
    }: the figures above are from those alone`,
  plan: (profile, runtime, { workloads, task, cores }) => {
    const settings = SCALING_PROFILES[profile];
    const { levels, scale } = profileLevels(profile, cores);
    // More levels, a longer round: the time cap shrinks with the work, so a cell keeps its time.
    const maxSeconds = Math.round(settings.maxSeconds * scale * 10) / 10;
    const common = [
      "--concurrency",
      levels.join(","),
      "--tasks",
      String(settings.tasks),
      "--repeat",
      String(settings.repeat),
      "--warmup",
      String(settings.warmup),
      "--max-seconds",
      String(maxSeconds),
    ];
    const interpreter = getRuntime(runtime).interpreter;
    if (task !== undefined) {
      // A JavaScript function: no row for a runtime that is not JavaScript.
      if (interpreter !== undefined) return [];
      return strategiesOf(runtime).map((strategy) => ({
        key: `scaling-task-${strategy}`,
        workload: "task",
        strategy,
        concurrency: [...levels],
        everyRound: true,
        args: [
          "--task",
          `${fileURLToPath(task.module)}#${task.export}`,
          "--args",
          JSON.stringify(task.args),
          "--strategy",
          strategy,
          ...common,
        ],
      }));
    }
    const table = interpreter !== undefined ? settings.interpreted : settings.workloads;
    return (workloads ?? Object.keys(settings.workloads)).flatMap((workload) => {
      const given = table[workload] ?? (interpreter !== undefined ? undefined : []);
      if (given === undefined) return [];
      const params = scaleIterations(given, scale);
      return strategiesOf(runtime, WORKLOADS.get(workload)?.blocks).map((strategy) => ({
        key: `scaling-${workload}-${strategy}`,
        workload,
        strategy,
        concurrency: [...levels],
        everyRound: true,
        args: [
          "--workload",
          workload,
          "--strategy",
          strategy,
          ...common,
          ...params,
          // The machine's ceiling, c independent processes of the same loop, in every cpu cell that asks for a speedup (not
          // the sequential control), so each speedup is read against what the machine gave in the same minutes.
          ...(workload === "cpu" && strategy !== "sequential" ? ["--ceiling"] : []),
        ],
      }));
    });
  },
  summarize: summarizeScaling,
  present: presentScaling,
  bencher: (part) => {
    // A benchmark per cell level: latency in ns (the steady median and its interval); above the smallest level, its speedup and cores busy.
    const out: Record<string, Record<string, Metric>> = {};
    for (const row of part.rows) {
      const measures: Record<string, Metric> = {
        latency: {
          value: row.steady.median * 1e6,
          lower_value: row.steady.ci95.low * 1e6,
          upper_value: row.steady.ci95.high * 1e6,
        },
      };
      if (row.concurrency !== row.baseLevel) {
        measures.speedup = {
          value: row.steadySpeedup,
          lower_value: row.steadySpeedupCI[0],
          upper_value: row.steadySpeedupCI[1],
        };
        if (row.coresBusy !== null) measures["cores-busy"] = { value: row.coresBusy };
      }
      out[`truepar/${row.runtime} ${row.version}/${row.workload}/${row.strategy}/${row.concurrency}`] = measures;
    }
    return out;
  },
  merge: mergeScaling,
  describePlan: (profile, cores, held) => {
    const { levels, scale } = profileLevels(profile, cores);
    const where = held ? `held to ${cores} ${cores === 1 ? "core" : "cores"}` : `${cores} cores`;
    return `scaling on ${where}: levels ${levels.join(",")}${
      scale === 1
        ? ""
        : `, cpu work per task and each cell's time cap ×${scale.toFixed(2)} to keep the ${profile} profile's time`
    }`;
  },
  // The task's module is loaded as the comparison's driver runs it, before any cell does.
  planProblem: async ({ task }) => task && await taskProblem(task, (module) => import(module.href)),
  diff: {
    settings: (record) => ({
      ...record.workload.params,
      ...(record.workload.task &&
        { task: `${record.workload.task.export} ${JSON.stringify(record.workload.task.args)}` }),
      tasks: record.tasks,
      levels: record.points.map((p) => p.concurrency).join(","),
    }),
    samples: (record) => record.points.map((point) => [`at ${point.concurrency} (ms)`, point.samplesMs]),
  },
};
