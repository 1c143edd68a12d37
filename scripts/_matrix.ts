/**
 * What `npm start` runs: the cells of the matrix (one fresh process each),
 * as each experiment plans them on each runtime, and their seeded order.
 *
 * @module
 */

import { type PlanOptions, type Profile, PROFILES } from "../experiments/_experiment.ts";
import { EXPERIMENTS } from "../experiments/registry.ts";
import { getRuntime } from "../runtimes/registry.ts";
import { tasksetPrefix } from "./_cpus.ts";
import { scriptCommand } from "./_runtimes.ts";

export { seededRandom, shuffle } from "../core/measure/order.ts";
export { type Profile, PROFILES };

/** Rounds over the whole matrix per profile: each runs every scaling cell once, in a new seeded order. */
export const MATRIX_ROUNDS: Readonly<Record<Profile, number>> = { quick: 2, full: 3, smoke: 1 };

/** One cell of the matrix: one fresh process each round. */
export interface Cell {
  /** Unique; its records are cells/<key>@<round>.json. */
  key: string;
  runtime: string;
  experiment: string;
  workload?: string;
  strategy?: string;
  /** Scaling: the levels the cell measures in paired rounds. */
  concurrency?: number[];
  /** Held to this many cores. */
  cpus?: number;
  /** Measured again in each round over the matrix; otherwise in the first only. */
  everyRound: boolean;
  /** The command: executable, then arguments. */
  command: string[];
}

/** What to include. */
export interface MatrixOptions {
  profile: Profile;
  runtimes: readonly string[];
  experiments: readonly string[];
  /** Scaling workloads; the profile's by default. */
  workloads?: readonly string[];
  /** Scaling: a user's function instead of the workloads. */
  task?: PlanOptions["task"];
  /** The cores each cell may use: the machine's, or `cpus`. */
  cores: number;
  /** Hold every cell to this many cores (`compare --cpus`); its key then names them. */
  cpus?: number;
}

/**
 * Lists the cells of a comparison, in a fixed order (shuffle them to run):
 * what each experiment plans on each runtime that runs it.
 *
 * @param options The profile and the filters.
 * @returns Every cell.
 */
export function planCells(options: MatrixOptions): Cell[] {
  const cells: Cell[] = [];
  for (const runtime of options.runtimes) {
    const entry = getRuntime(runtime);
    for (const experiment of EXPERIMENTS.filter((e) => options.experiments.includes(e.name))) {
      if (entry.experiments !== undefined && !entry.experiments.includes(experiment.name)) continue;
      for (
        const planned of experiment.plan(options.profile, runtime, {
          workloads: options.workloads,
          task: options.task,
          cores: options.cpus ?? options.cores,
        })
      ) {
        const { key, args, ...cell } = planned;
        // A runtime driven from Node (a browser) is Node running scripts/run.ts --runtime NAME.
        const command = [
          ...scriptCommand(runtime, entry.script ?? "scripts/run.ts"),
          ...(entry.drive ? ["--runtime", runtime] : []),
          "--experiment",
          experiment.name,
          ...args,
          "--json",
        ];
        cells.push({
          ...cell,
          key: options.cpus === undefined ? `${runtime}-${key}` : `${runtime}-${options.cpus}cpu-${key}`,
          runtime,
          experiment: experiment.name,
          ...(options.cpus !== undefined && { cpus: options.cpus }),
          command: options.cpus === undefined ? command : [...tasksetPrefix(options.cpus), ...command],
        });
      }
    }
  }
  return cells;
}
