/**
 * What `npm start` runs: the profiles, the cells of the matrix (one fresh
 * process each) and their seeded order.
 *
 * @module
 */

import { STRATEGIES, type StrategyName } from "../core/strategies.ts";
import { scriptCommand } from "./_runtimes.ts";

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
  repeat: number;
  warmup: number;
  /** Workload parameters as flags; the workloads run by default. */
  workloads: Record<string, string[]>;
  /** CPython's parameters: its interpreter runs the article's loop ~50x slower than a JIT. */
  python: Record<string, string[]>;
  overhead: string[];
  kernels: string[];
  sync: string[];
}

const IO = ["--waits", "10", "--wait-ms", "2"];

/** Each profile's sizes. */
export const PROFILE_SETTINGS: Readonly<Record<Profile, ProfileSettings>> = {
  quick: {
    concurrency: [1, 2],
    tasks: 12,
    repeat: 5,
    warmup: 1,
    workloads: { cpu: ["--iterations", "30000000"], io: IO, "io-blocking": IO },
    python: { cpu: ["--iterations", "1000000"], "io-blocking": IO },
    overhead: ["--spawns", "10", "--round-trips", "500", "--cycles", "20"],
    kernels: ["--scale", "0.5", "--repeat", "3"],
    sync: ["--iterations", "1000000"],
  },
  full: {
    concurrency: [1, 2, 3, 4],
    tasks: 24,
    repeat: 10,
    warmup: 2,
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
    workloads: { cpu: ["--iterations", "1000000"], io: ["--waits", "2", "--wait-ms", "1"] },
    python: { cpu: ["--iterations", "10000"] },
    overhead: ["--spawns", "1", "--round-trips", "10", "--cycles", "1"],
    kernels: ["--scale", "0.002", "--repeat", "1"],
    sync: ["--iterations", "1000"],
  },
};

/** One cell of the matrix: one fresh process. */
export interface Cell {
  /** Unique, and the name of its file under cells/. */
  key: string;
  runtime: CompareRuntime;
  experiment: CompareExperiment;
  workload?: string;
  strategy?: StrategyName;
  concurrency?: number;
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
 * Lists the cells of a comparison, in a fixed order (shuffle them to run).
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
          for (const concurrency of settings.concurrency) {
            const common = ["--workload", workload, "--concurrency", String(concurrency), "--tasks", String(settings.tasks),
              "--repeat", String(settings.repeat), "--warmup", String(settings.warmup), ...params];
            cells.push({
              key: `${runtime}-scaling-${workload}-${strategy}-c${concurrency}`,
              runtime,
              experiment,
              workload,
              strategy,
              concurrency,
              command: runtime === "cpython"
                ? ["python3", "scripts/python_driver.py", "--strategy", strategy === "workers" ? "threads" : strategy, ...common]
                : [...scriptCommand(runtime, "scripts/run.ts"), "--strategy", strategy, ...common, "--json"],
            });
          }
        }
      }
    }
  }
  return cells;
}

/**
 * A seeded pseudo-random generator (mulberry32): the same seed, the same order.
 *
 * @param seed A 32-bit integer.
 * @returns A function giving numbers in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Shuffles a list with a seed (Fisher–Yates), so drift during a run hits every runtime alike.
 *
 * @param items The list; not changed.
 * @param seed The seed.
 * @returns A new list: a permutation of `items`.
 */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}
