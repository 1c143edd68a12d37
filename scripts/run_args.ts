/**
 * The command line of `scripts/run.ts`: `--experiment NAME`, `--json`,
 * `--help`, and the flags of each experiment, declared by its entry.
 *
 * @module
 */

import type { AnyExperiment } from "../experiments/registry.ts";
import { EXPERIMENT_NAMES, EXPERIMENTS } from "../experiments/registry.ts";
import { count, type Flag, oneOf, parseFlags, UsageError, usageLine } from "../experiments/_flags.ts";
import { cpusProblem } from "./_cpus.ts";
import { RUNTIMES } from "../runtimes/registry.ts";
import { strategiesOf } from "../experiments/scaling/mod.ts";
import { WORKLOADS } from "../core/workloads/mod.ts";

/** The runtimes `--runtime` takes: those that run this script's experiments. */
const JS_NAMES = RUNTIMES.filter((r) => r.experiments === undefined).map((r) => r.name);

export { UsageError } from "../experiments/_flags.ts";

/** What the command line asked for. */
export interface RunArgs {
  help: boolean;
  json: boolean;
  experiment: AnyExperiment;
  /** `--experiment` was given: `--help` then lists only its flags. */
  experimentGiven: boolean;
  /** The experiment's own arguments, as its entry parsed them. */
  options: unknown;
  /** Hold the run to this many cores (`--cpus`). */
  cpus?: number;
  /** Run on this runtime (`--runtime`), not the one running this script. */
  runtime?: string;
}

const FLAGS = {
  experiment: { name: "experiment", value: "NAME", help: EXPERIMENT_NAMES.join(" | "), default: "scaling" },
  runtime: {
    name: "runtime",
    value: "NAME",
    help: `run on ${JS_NAMES.join(" | ")}`,
    default: { text: "the runtime running this script" },
  },
  cpus: {
    name: "cpus",
    value: "N",
    help: "hold the run, its workers and children to N cores (Linux CPU affinity): a smaller machine",
  },
  json: { name: "json", help: "print one JSON record on stdout, nothing else (docs/records.md)" },
  help: { name: "help", help: "print this text; with --experiment NAME, only its flags" },
} satisfies Record<string, Flag>;

const COMMON: readonly Flag[] = Object.values(FLAGS);

/** What follows a usage error: where the flags are listed. */
export const SEE_HELP = "See scripts/run.ts --help for the flags.";

/**
 * The usage text: every flag, or with an experiment only the flags it takes.
 *
 * @param experiment The experiment `--help` was given with, if any.
 * @returns The text.
 */
export function formatUsage(experiment?: AnyExperiment): string {
  const title = experiment === undefined
    ? "Usage: scripts/run.ts [flags]"
    : `Usage: scripts/run.ts --experiment ${experiment.name} [flags]`;
  const shown = experiment === undefined ? EXPERIMENTS : [experiment];
  return [
    title,
    usageLine(COMMON[0]!),
    ...shown.flatMap((e) => e.flags.map(usageLine)),
    ...COMMON.slice(1).map(usageLine),
  ].join("\n");
}

/**
 * Parses and checks the command line.
 *
 * @param argv The arguments after the script name.
 * @returns What they ask for.
 * @throws {UsageError} Naming the flag and the value received.
 */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  const known = new Map<string, Flag>();
  for (const flag of [...COMMON, ...EXPERIMENTS.flatMap((e) => e.flags)]) {
    if (!known.has(flag.name)) known.set(flag.name, flag);
  }
  const { values } = parseFlags(argv, [...known.values()], "Cannot run:");
  const name = oneOf(FLAGS.experiment, values, EXPERIMENT_NAMES);
  const experiment = EXPERIMENTS.find((e) => e.name === name)!;
  const own = new Set([...COMMON, ...experiment.flags].map((flag) => flag.name));
  for (const [flag, value] of Object.entries(values)) {
    if (value !== undefined && !own.has(flag)) {
      throw new UsageError(
        `Cannot run: --${flag} does not apply to experiment "${name}", received ${JSON.stringify(value)}`,
      );
    }
  }
  const runtime = oneOf(FLAGS.runtime, values, JS_NAMES);
  const cpus = count(FLAGS.cpus, values, 1);
  const problem = cpus === undefined ? undefined : cpusProblem(cpus);
  if (problem !== undefined) throw new UsageError(`Cannot run: ${problem}`);
  const options = values.help === true ? undefined : experiment.parse(values);
  const { strategy, workload } = (options ?? {}) as { strategy?: string; workload?: string };
  if (runtime !== undefined && strategy !== undefined) {
    const has = strategiesOf(runtime);
    if (!has.includes(strategy as never)) {
      throw new UsageError(
        `Cannot run: ${runtime} has no strategy "${strategy}" (it has ${
          has.join(", ")
        }), received --strategy ${strategy}`,
      );
    }
    if (
      !strategiesOf(runtime, workload !== undefined && WORKLOADS.get(workload)?.blocks === true).includes(
        strategy as never,
      )
    ) {
      throw new UsageError(
        `Cannot run: ${runtime}'s main thread may not block, as workload "${workload}" does: run it in workers, received --strategy ${strategy}`,
      );
    }
  }
  return {
    help: values.help === true,
    json: values.json === true,
    cpus,
    runtime,
    experiment,
    experimentGiven: values.experiment !== undefined,
    options,
  };
}
