/**
 * The command line of `scripts/run.ts`, parsed with `node:util`'s `parseArgs`
 * (the same on Node, Deno and Bun; `@std/cli` is on JSR only). The one module
 * that knows the flags.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { STRATEGIES, type StrategyName } from "../core/strategies.ts";
import { resolveParams } from "../core/workload.ts";
import { WORKLOADS } from "../core/workloads/mod.ts";
import {
  COMPARE_EXPERIMENTS,
  COMPARE_RUNTIMES,
  type CompareExperiment,
  type CompareRuntime,
  type Profile,
  PROFILES,
} from "./_matrix.ts";

/** The experiments `--experiment` accepts. */
export const EXPERIMENTS = ["scaling", "overhead", "kernels", "sync"] as const;

/** An experiment's name. */
export type Experiment = (typeof EXPERIMENTS)[number];

/** A bad command line: the message names the flag and what it received. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What the command line asked for. */
export interface RunArgs {
  help: boolean;
  json: boolean;
  experiment: Experiment;
  /** `--experiment` was given: `--help` then lists only its flags. */
  experimentGiven: boolean;
  workload: string;
  strategy: StrategyName;
  concurrency: number[];
  tasks: number;
  repeat: number;
  warmup: number;
  /** scaling: keep adding rounds until the intervals are within ±5%, up to this many seconds (0: `repeat` rounds). */
  maxSeconds: number;
  /** scaling: the seed of the rounds' order. */
  seed?: number;
  /** scaling: also measure c independent processes, the machine's ceiling. */
  ceiling: boolean;
  /** Workload parameters given on the command line, by parameter name. */
  params: Record<string, number>;
  /** overhead: warm spawns timed per kind. */
  spawns: number;
  /** overhead: no-op round trips timed per kind. */
  roundTrips: number;
  /** overhead: spawn/terminate cycles of the leak check. */
  cycles: number;
  /** sync: workers racing on the counter. */
  workers: number;
  /** sync: additions per worker. */
  additions: number;
  /** kernels: scale of every kernel's input. */
  scale: number;
}

/** Workload parameter flags: `waitMs` is `--wait-ms`. */
const PARAM_FLAGS: ReadonlyMap<string, string> = new Map(
  [...WORKLOADS.values()].flatMap((w) => Object.keys(w.params))
    .map((name) => [name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()), name]),
);

/** The flags each experiment takes, beside --experiment, --json and --help. */
const EXPERIMENT_FLAGS: Readonly<Record<Experiment, readonly string[]>> = {
  scaling: ["workload", "strategy", "concurrency", "tasks", "repeat", "warmup", "max-seconds", "seed", ...PARAM_FLAGS.keys()],
  overhead: ["spawns", "round-trips", "cycles"],
  kernels: ["repeat", "scale"],
  sync: ["workers", "iterations"],
};

/** One usage line per workload parameter, naming the workloads that take it. */
function workloadParamLines(): string {
  const lines = new Map<string, string[]>();
  for (const workload of WORKLOADS.values()) {
    for (const [name, spec] of Object.entries(workload.params)) {
      const flag = [...PARAM_FLAGS].find(([, param]) => param === name)![0];
      const key = `--${flag} ${spec.type === "integer" ? "N" : "X"}`.padEnd(23) + `\0${spec.description} (default ${spec.default})`;
      lines.set(key, [...(lines.get(key) ?? []), workload.name]);
    }
  }
  return [...lines].map(([key, workloads]) => `  ${key.replace("\0", `${workloads.join(", ")}: `)}`).join("\n");
}

/** What follows a usage error: where the flags are listed. */
export const SEE_HELP = "See scripts/run.ts --help for the flags.";

/**
 * The usage text: every flag, or with an experiment only the flags it takes.
 *
 * @param experiment The experiment `--help` was given with, if any.
 * @returns The text.
 */
export function formatUsage(experiment?: Experiment): string {
  const sections: [Experiment | "all", string][] = [
    ["all", `  --experiment NAME      ${EXPERIMENTS.join(" | ")} (default scaling)`],
    ["scaling", `  --workload NAME        ${[...WORKLOADS.keys()].join(" | ")} (default cpu)
  --strategy NAME        ${STRATEGIES.join(" | ")} (default workers)
  --concurrency LIST     comma-separated positive integers (default 1,2)
  --tasks N              tasks per batch (default 24)
  --repeat N             paired rounds at least: each level and a control once per round (default 3)
  --warmup N             untimed batches at each level first (default 1)
  --max-seconds X        add rounds until every steady speedup is within ±5%, for up to X s (default 0: no more)
  --seed N               the seed of the rounds' random order (default: random, recorded)
  --ceiling              also time c independent processes, each running its share: the machine's ceiling
${workloadParamLines()}`],
    ["overhead", `  --spawns N             overhead: warm spawns timed per kind (default 20)
  --round-trips N        overhead: no-op round trips timed per kind (default 2000)
  --cycles N             overhead: spawn/terminate cycles of the leak check (default 50)`],
    ["kernels", `  --scale X              kernels: scale of every kernel's input, above 0, at most 10 (default 1)
  --repeat N             kernels: timed calls per variant (default 5)`],
    ["sync", `  --workers N            sync: workers racing on one counter (default 2)
  --iterations N         sync: additions per worker (default 1000000)`],
    ["all", `  --json                 print one JSON record on stdout, nothing else
  --help                 print this text; with --experiment NAME, only its flags`],
  ];
  const title = experiment === undefined ? "Usage: scripts/run.ts [flags]" : `Usage: scripts/run.ts --experiment ${experiment} [flags]`;
  return [title, ...sections.filter(([which]) => experiment === undefined || which === "all" || which === experiment).map(([, text]) => text)].join("\n");
}

/** The usage text with every flag. */
export const USAGE: string = formatUsage();

/**
 * Parses and checks the command line.
 *
 * @param argv The arguments after the script name.
 * @returns What they ask for.
 * @throws {UsageError} Naming the flag and the value received.
 */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  const stringFlags = ["experiment", ...new Set(Object.values(EXPERIMENT_FLAGS).flat())];
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv, stringFlags),
      options: {
        ...Object.fromEntries(stringFlags.map((flag) => [flag, { type: "string" as const }])),
        json: { type: "boolean" },
        ceiling: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const experiment = oneOf("experiment", values.experiment, EXPERIMENTS, "scaling");
  for (const flag of [...stringFlags, "ceiling"]) {
    if (flag !== "experiment" && values[flag] !== undefined && !EXPERIMENT_FLAGS[experiment].includes(flag) && !(flag === "ceiling" && experiment === "scaling")) {
      throw new UsageError(`Cannot run: --${flag} does not apply to experiment "${experiment}", received ${JSON.stringify(values[flag])}`);
    }
  }
  const workload = oneOf("workload", values.workload, [...WORKLOADS.keys()], "cpu");
  const params: Record<string, number> = {};
  for (const [flag, name] of PARAM_FLAGS) {
    const raw = values[flag];
    if (raw === undefined || experiment !== "scaling") continue;
    const spec = WORKLOADS.get(workload)!.params[name];
    if (spec === undefined) {
      throw new UsageError(`Cannot run: --${flag} does not apply to workload "${workload}", received ${JSON.stringify(raw)}`);
    }
    params[name] = parseNumber(flag, raw as string, spec.type === "integer", spec.min, spec.max);
  }
  try {
    resolveParams(WORKLOADS.get(workload)!, params);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    help: values.help === true,
    json: values.json === true,
    experiment,
    experimentGiven: values.experiment !== undefined,
    workload,
    strategy: oneOf("strategy", values.strategy, STRATEGIES, "workers"),
    concurrency: parseList("concurrency", values.concurrency as string | undefined, [1, 2]),
    tasks: count("tasks", values.tasks, 24, 1),
    repeat: count("repeat", values.repeat, experiment === "kernels" ? 5 : 3, 1),
    warmup: count("warmup", values.warmup, 1, 0),
    maxSeconds: values["max-seconds"] === undefined ? 0 : parseNumber("max-seconds", values["max-seconds"] as string, false, 0, 86_400),
    seed: values.seed === undefined ? undefined : parseNumber("seed", values.seed as string, true, 0, 0xffffffff),
    ceiling: values.ceiling === true,
    params,
    spawns: count("spawns", values.spawns, 20, 1),
    roundTrips: count("round-trips", values["round-trips"], 2000, 1),
    cycles: count("cycles", values.cycles, 50, 1),
    workers: count("workers", values.workers, 2, 1),
    scale: values.scale === undefined ? 1 : positiveScale(values.scale as string),
    additions: experiment === "sync" ? count("iterations", values.iterations, 1_000_000, 1) : 1_000_000,
  };
}

/** `--tasks -3` means the value -3, not a missing value: make it `--tasks=-3`. */
function joinNegativeValues(argv: readonly string[], stringFlags: string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (stringFlags.includes(arg.slice(2)) && arg.startsWith("--") && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

function positiveScale(raw: string): number {
  const value = Number(raw.replace(/(?<=\d)_(?=\d)/g, ""));
  if (!(value > 0 && value <= 10) || !/^[\d._eE+-]+$/.test(raw)) {
    throw new UsageError(`Cannot run: --scale must be a number above 0, up to 10, received ${JSON.stringify(raw)}`);
  }
  return value;
}

function oneOf<T extends string>(flag: string, raw: unknown, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) {
    throw new UsageError(`Cannot run: --${flag} must be one of ${allowed.join(", ")}, received ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

function count(flag: string, raw: unknown, fallback: number, min: number): number {
  return raw === undefined ? fallback : parseNumber(flag, raw as string, true, min);
}

function parseNumber(flag: string, raw: string, integer: boolean, min: number, max = Number.MAX_SAFE_INTEGER): number {
  // 1e6 and 1_000_000 as well as 1000000; digits only, so "0x10", "Infinity" and "" stay out.
  const plain = raw.replace(/(?<=\d)_(?=\d)/g, "");
  const value = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(plain) ? Number(plain) : NaN;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const what = integer
      ? (min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : `an integer of at least ${min}`)
      : min < 0 ? "a number" : min === 0 ? "a number of 0 or more" : `a number of at least ${min}`;
    const bound = max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : "";
    throw new UsageError(`Cannot run: --${flag} must be ${what}${bound}, received ${JSON.stringify(raw)}`);
  }
  return value;
}

function parseList(flag: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  const items = raw.split(",");
  if (items.some((item) => item.trim() === "")) {
    throw new UsageError(`Cannot run: --${flag} must be a comma-separated list of positive integers, received ${JSON.stringify(raw)}`);
  }
  return [...new Set(items.map((item) => parseNumber(flag, item.trim(), true, 1)))];
}

function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const flag = /'(-[^' ]+)/.exec(message ?? "")?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Cannot run: unknown flag, received ${JSON.stringify(flag)}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return `Cannot run: ${flag} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
      const positional = /'([^']*)'/.exec(message ?? "")?.[1] ?? "";
      return `Cannot run: unexpected argument, received ${JSON.stringify(positional)}`;
    }
    default:
      return `Cannot run: ${message ?? String(error)}`;
  }
}

/** What `scripts/compare.ts` was asked. */
export interface CompareArgs {
  help: boolean;
  profile: Profile;
  runtimes: CompareRuntime[];
  experiments: CompareExperiment[];
  /** Scaling workloads; the profile's when absent. */
  workloads?: string[];
  /** The order's seed; a random one when absent. */
  seed?: number;
  /** The output folder; results/<timestamp> when absent. */
  out?: string;
  /** Two result sets to compare instead of running. */
  diff?: [string, string];
}

/** The usage text of scripts/compare.ts. */
export const COMPARE_USAGE = `Usage: scripts/compare.ts [flags]          (npm start)
       scripts/compare.ts --diff A B           compare two result folders
  --profile NAME         ${PROFILES.join(" | ")} (default quick)
  --runtimes LIST        some of ${COMPARE_RUNTIMES.join(",")} (default all)
  --experiments LIST     some of ${COMPARE_EXPERIMENTS.join(",")} (default all)
  --workloads LIST       scaling workloads, from ${[...WORKLOADS.keys()].join(",")} (default: the profile's)
  --seed N               the seed of the cells' random order (default: a random one, printed)
  --out DIR              where to write (default results/<timestamp>)
  --help                 print this text`;

/**
 * Parses and checks the command line of scripts/compare.ts.
 *
 * @param argv The arguments after the script name.
 * @returns What they ask for.
 * @throws {UsageError} Naming the flag and the value received.
 */
export function parseCompareArgs(argv: readonly string[]): CompareArgs {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: joinNegativeValues(argv, ["seed"]),
      options: {
        profile: { type: "string" },
        runtimes: { type: "string" },
        experiments: { type: "string" },
        workloads: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        diff: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    throw new UsageError(describeParseError(error).replace("Cannot run:", "Cannot compare:"));
  }
  const fail = (message: string) => new UsageError(`Cannot compare: ${message}`);
  if (values.diff) {
    if (positionals.length !== 2) throw fail(`--diff needs two result folders, received ${positionals.length}: ${JSON.stringify(positionals)}`);
  } else if (positionals.length > 0) {
    throw fail(`unexpected argument, received ${JSON.stringify(positionals[0])}`);
  }
  const list = <T extends string>(flag: string, allowed: readonly T[]): T[] | undefined => {
    const raw = values[flag] as string | undefined;
    if (raw === undefined) return undefined;
    const items = raw.split(",").map((item) => item.trim());
    const bad = items.find((item) => !allowed.includes(item as T));
    if (bad !== undefined) throw fail(`--${flag} must list some of ${allowed.join(", ")}, received ${JSON.stringify(bad)}`);
    return [...new Set(items)] as T[];
  };
  const profile = values.profile ?? "quick";
  if (!(PROFILES as readonly string[]).includes(profile as string)) {
    throw fail(`--profile must be one of ${PROFILES.join(", ")}, received ${JSON.stringify(profile)}`);
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(/^\d+$/.test(values.seed as string) && seed <= 0xffffffff)) {
    throw fail(`--seed must be an integer from 0 to 4294967295, received ${JSON.stringify(values.seed)}`);
  }
  return {
    help: values.help === true,
    profile: profile as Profile,
    runtimes: list("runtimes", COMPARE_RUNTIMES) ?? [...COMPARE_RUNTIMES],
    experiments: list("experiments", COMPARE_EXPERIMENTS) ?? [...COMPARE_EXPERIMENTS],
    workloads: list("workloads", [...WORKLOADS.keys()]),
    seed,
    out: values.out as string | undefined,
    diff: values.diff ? [positionals[0]!, positionals[1]!] : undefined,
  };
}
