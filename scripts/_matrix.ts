/**
 * What `npm start` runs: the profiles, the cells of the matrix (one fresh
 * process each) and their seeded order.
 *
 * @module
 */

import { STRATEGIES, type StrategyName } from "../core/strategies.ts";
import { scriptCommand } from "./_runtimes.ts";

export { seededRandom, shuffle } from "../core/order.ts";

/** The runtimes a comparison can include; `cpython` is the article's reference row. */
export const COMPARE_RUNTIMES = ["node", "deno", "bun", "cpython"] as const;
/** The experiments a comparison can include. */
export const COMPARE_EXPERIMENTS = ["scaling", "overhead", "kernels", "sync"] as const;
/** The profiles: quick (the default: the whole report in a few minutes), full, and smoke (for tests). */
export const PROFILES = ["quick", "full", "smoke"] as const;

export type CompareRuntime = (typeof COMPARE_RUNTIMES)[number];
export type CompareExperiment = (typeof COMPARE_EXPERIMENTS)[number];
export type Profile = (typeof PROFILES)[number];

interface ProfileSettings {
  concurrency: number[];
  tasks: number;
  /** Paired rounds at least in each scaling cell's process. */
  repeat: number;
  warmup: number;
  /** Rounds over the whole matrix: each runs every cell once, in a new seeded order. */
  rounds: number;
  /** A scaling cell keeps adding paired rounds until its steady speedups are within ±5%, for up to this many seconds. */
  maxSeconds: number;
  /** Workload parameters as flags; the workloads run by default. */
  workloads: Record<string, string[]>;
  /** CPython's parameters: its interpreter runs the article's loop ~50x slower than a JIT. */
  python: Record<string, string[]>;
  overhead: string[];
  kernels: string[];
  sync: string[];
}

const IO = ["--waits", "6", "--wait-ms", "2"];

/** Each profile's sizes. */
export const PROFILE_SETTINGS: Readonly<Record<Profile, ProfileSettings>> = {
  quick: {
    concurrency: [1, 2],
    tasks: 12,
    repeat: 3,
    warmup: 1,
    rounds: 2,
    maxSeconds: 2,
    workloads: { cpu: ["--iterations", "15000000"], io: IO, "io-blocking": IO },
    python: { cpu: ["--iterations", "500000"], "io-blocking": IO },
    overhead: ["--spawns", "10", "--round-trips", "500", "--cycles", "20"],
    kernels: ["--scale", "0.5", "--repeat", "3"],
    sync: ["--iterations", "1000000"],
  },
  full: {
    concurrency: [1, 2, 3, 4],
    tasks: 24,
    repeat: 6,
    warmup: 2,
    rounds: 3,
    maxSeconds: 30,
    workloads: {
      cpu: ["--iterations", "60000000"],
      io: ["--waits", "20", "--wait-ms", "2"],
      "io-blocking": ["--waits", "20", "--wait-ms", "2"],
      "wasm-mandelbrot": [],
      "wasm-simd-mandelbrot": [],
    },
    python: { cpu: ["--iterations", "1000000"], "io-blocking": ["--waits", "20", "--wait-ms", "2"] },
    overhead: [],
    kernels: ["--repeat", "7"],
    sync: ["--iterations", "2000000"],
  },
  smoke: {
    concurrency: [1, 2],
    tasks: 2,
    repeat: 2,
    warmup: 0,
    rounds: 2,
    maxSeconds: 0,
    workloads: { cpu: ["--iterations", "1000000"], io: ["--waits", "2", "--wait-ms", "1"] },
    python: { cpu: ["--iterations", "10000"] },
    overhead: ["--spawns", "1", "--round-trips", "10", "--cycles", "1"],
    kernels: ["--scale", "0.002", "--repeat", "1"],
    sync: ["--iterations", "1000"],
  },
};

/** One cell of the matrix: one fresh process each round. */
export interface Cell {
  /** Unique; its records are cells/<key>@<round>.json. */
  key: string;
  runtime: CompareRuntime;
  experiment: CompareExperiment;
  workload?: string;
  strategy?: StrategyName;
  /** Scaling: the levels the cell measures in paired rounds. */
  concurrency?: number[];
  /** The command: executable, then arguments. */
  command: string[];
}

/** What to include. */
export interface MatrixOptions {
  profile: Profile;
  runtimes: readonly CompareRuntime[];
  experiments: readonly CompareExperiment[];
  /** Scaling workloads; the profile's by default. */
  workloads?: readonly string[];
}

/**
 * Lists the cells of a comparison, in a fixed order (shuffle them to run):
 * one per runtime × experiment, and for scaling one per workload × strategy,
 * holding every concurrency level, so the levels are measured in pairs.
 *
 * @param options The profile and the filters.
 * @returns Every cell.
 */
export function planCells(options: MatrixOptions): Cell[] {
  const settings = PROFILE_SETTINGS[options.profile];
  const cells: Cell[] = [];
  for (const runtime of options.runtimes) {
    for (const experiment of options.experiments) {
      if (experiment !== "scaling") {
        if (runtime === "cpython") continue;
        cells.push({
          key: `${runtime}-${experiment}`,
          runtime,
          experiment,
          command: [...scriptCommand(runtime, "scripts/run.ts"), "--experiment", experiment, ...settings[experiment], "--json"],
        });
        continue;
      }
      const table = runtime === "cpython" ? settings.python : settings.workloads;
      const workloads = options.workloads ?? Object.keys(settings.workloads);
      for (const workload of workloads) {
        const params = table[workload] ?? (runtime === "cpython" ? undefined : []);
        if (params === undefined) continue;
        for (const strategy of STRATEGIES) {
          if (runtime === "cpython" && strategy === "async") continue;
          const levels = settings.concurrency.join(",");
          const common = ["--workload", workload, "--concurrency", levels, "--tasks", String(settings.tasks),
            "--repeat", String(settings.repeat), "--warmup", String(settings.warmup), "--max-seconds", String(settings.maxSeconds), ...params];
          // The machine's ceiling rides with the processes cell of the cpu workload: c independent processes of the same loop.
          const ceiling = workload === "cpu" && strategy === "processes" ? ["--ceiling"] : [];
          cells.push({
            key: `${runtime}-scaling-${workload}-${strategy}`,
            runtime,
            experiment,
            workload,
            strategy,
            concurrency: [...settings.concurrency],
            command: runtime === "cpython"
              ? ["python3", "scripts/python_driver.py", "--strategy", strategy === "workers" ? "threads" : strategy, ...common, ...ceiling]
              : [...scriptCommand(runtime, "scripts/run.ts"), "--strategy", strategy, ...common, ...ceiling, "--json"],
          });
        }
      }
    }
  }
  return cells;
}
