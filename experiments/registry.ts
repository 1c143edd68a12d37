/**
 * Every experiment, in the order the usage and the report list them. The
 * scripts loop over this list: adding an experiment is a folder with one
 * entry (see `_experiment.ts`) and a line here.
 *
 * @module
 */

import type { Experiment, ExperimentRecord } from "./_experiment.ts";
import { breakeven } from "./breakeven/mod.ts";
import { kernels } from "./kernels/mod.ts";
import { overhead } from "./overhead/mod.ts";
import { scaling } from "./scaling/mod.ts";
import { sync } from "./sync/mod.ts";

/** An experiment of any arguments, record and report part. */
// deno-lint-ignore no-explicit-any
export type AnyExperiment = Experiment<any, ExperimentRecord & any, any>;

/** The experiments. */
export const EXPERIMENTS: readonly AnyExperiment[] = [scaling, overhead, kernels, sync, breakeven];

/** Their names. */
export const EXPERIMENT_NAMES: readonly string[] = EXPERIMENTS.map((experiment) => experiment.name);

/**
 * The experiment that writes records of a schema.
 *
 * @param schema Such as `truepar.run/1`.
 * @returns Its entry, or `undefined` for a schema no experiment writes.
 */
export function experimentOf(schema: string): AnyExperiment | undefined {
  return EXPERIMENTS.find((experiment) => experiment.schema === schema);
}
