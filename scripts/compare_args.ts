/**
 * The command line of `scripts/compare.ts` (`npm start`).
 *
 * @module
 */

import { type Profile, PROFILES } from "../experiments/_experiment.ts";
import { type Flag, flagValue, parseFlags, UsageError, usageLine } from "../experiments/_flags.ts";
import { EXPERIMENT_NAMES } from "../experiments/registry.ts";
import { parseTask } from "../experiments/scaling/mod.ts";
import { WORKLOADS } from "../core/workloads/mod.ts";
import { RUNTIMES } from "../runtimes/registry.ts";

export { UsageError } from "../experiments/_flags.ts";

/** The runtimes a comparison can include, in the report's order; `cpython` is the article's reference row. */
export const COMPARE_RUNTIMES: readonly string[] = RUNTIMES.map((runtime) => runtime.name);

/** What `scripts/compare.ts` was asked. */
export interface CompareArgs {
  help: boolean;
  profile: Profile;
  runtimes: string[];
  /** `--runtimes` was given: a missing runtime asked for by name is reported. */
  runtimesGiven: boolean;
  experiments: string[];
  /** Scaling workloads; the profile's when absent. */
  workloads?: string[];
  /** The order's seed; a random one when absent. */
  seed?: number;
  /** The output folder; results/<timestamp> when absent. */
  out?: string;
  /** Two result sets to compare instead of running. */
  diff?: [string, string];
  /** A user's function to measure instead of the workloads. */
  task?: { module: URL; export: string; args: unknown[] };
  /** Also write the results in this format (`bencher`); with a folder, convert that result set instead of running. */
  export?: "bencher";
  /** The result set `--export` converts. */
  exportFrom?: string;
  /** Result sets from different hosts to put side by side instead of running. */
  merge?: string[];
  /** Run every cell held to each of these core counts, in one report. */
  cpus?: number[];
}

const FLAGS = {
  profile: { name: "profile", value: "NAME", help: PROFILES.join(" | "), default: "quick" },
  runtimes: {
    name: "runtimes",
    value: "LIST",
    help: `some of ${COMPARE_RUNTIMES.join(",")}`,
    default: { text: "all" },
  },
  experiments: {
    name: "experiments",
    value: "LIST",
    help: `some of ${EXPERIMENT_NAMES.join(",")}`,
    default: { text: "all" },
  },
  workloads: {
    name: "workloads",
    value: "LIST",
    help: `scaling workloads, from ${[...WORKLOADS.keys()].join(",")}`,
    default: { text: "the profile's" },
  },
  task: {
    name: "task",
    value: "FILE#NAME",
    help: "your own function instead of the workloads (scaling only, every JavaScript runtime)",
  },
  args: { name: "args", value: "JSON", help: "its arguments, a JSON array", default: { text: "[]" } },
  seed: {
    name: "seed",
    value: "N",
    help: "the seed of the cells' random order",
    default: { text: "a random one, printed" },
  },
  cpus: {
    name: "cpus",
    value: "LIST",
    help: "hold the cells to N cores each, for each N (Linux): one machine as a 1-, 2-, … core one",
  },
  out: { name: "out", value: "DIR", help: "where to write", default: { text: "results/<timestamp>" } },
  help: { name: "help", help: "print this text" },
  // In the usage's first lines, with what follows them.
  diff: { name: "diff", help: "" },
  merge: { name: "merge", help: "" },
  export: { name: "export", value: "FORMAT", help: "" },
} satisfies Record<string, Flag>;

/** The usage text of scripts/compare.ts. */
export const COMPARE_USAGE = [
  "Usage: scripts/compare.ts [flags]          (npm start)",
  "       scripts/compare.ts --diff A B           compare two result folders",
  "       scripts/compare.ts --merge A B …        result folders from different hosts, one column per host",
  "       scripts/compare.ts --export bencher [A] also write bencher.json (Bencher Metric Format); with A, convert A",
  ...Object.values(FLAGS).filter((flag) => flag.help !== "").map(usageLine),
].join("\n");

/**
 * Parses and checks the command line of scripts/compare.ts.
 *
 * @param argv The arguments after the script name.
 * @returns What they ask for.
 * @throws {UsageError} Naming the flag and the value received.
 */
export function parseCompareArgs(argv: readonly string[]): CompareArgs {
  const { values, positionals } = parseFlags(argv, Object.values(FLAGS), "Cannot compare:", true);
  const fail = (message: string) => new UsageError(`Cannot compare: ${message}`);
  if (values.diff && values.merge) throw fail("--diff and --merge are two different things: give one");
  if (values.export !== undefined && values.export !== "bencher") {
    throw fail(`--export must be bencher, received ${JSON.stringify(values.export)}`);
  }
  if (values.diff) {
    if (positionals.length !== 2) {
      throw fail(`--diff needs two result folders, received ${positionals.length}: ${JSON.stringify(positionals)}`);
    }
  } else if (values.merge) {
    if (positionals.length < 2) {
      throw fail(
        `--merge needs two result folders or more, received ${positionals.length}: ${JSON.stringify(positionals)}`,
      );
    }
  } else if (values.export !== undefined && positionals.length === 1) {
    // compare --export bencher A: convert A.
  } else if (positionals.length > 0) {
    throw fail(`unexpected argument, received ${JSON.stringify(positionals[0])}`);
  }
  const list = (flag: string, allowed: readonly string[]): string[] | undefined => {
    const raw = values[flag] as string | undefined;
    if (raw === undefined) return undefined;
    const items = raw.split(",").map((item) => item.trim());
    const bad = items.find((item) => !allowed.includes(item));
    if (bad !== undefined) {
      throw fail(`--${flag} must list some of ${allowed.join(", ")}, received ${JSON.stringify(bad)}`);
    }
    return [...new Set(items)];
  };
  const profile = flagValue(FLAGS.profile, values);
  if (!(PROFILES as readonly unknown[]).includes(profile)) {
    throw fail(`--profile must be one of ${PROFILES.join(", ")}, received ${JSON.stringify(profile)}`);
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(/^\d+$/.test(values.seed as string) && seed <= 0xffffffff)) {
    throw fail(`--seed must be an integer from 0 to 4294967295, received ${JSON.stringify(values.seed)}`);
  }
  const cpus = values.cpus === undefined ? undefined : (values.cpus as string).split(",").map((item) => item.trim());
  const badCpus = cpus?.find((item) => !/^[1-9]\d*$/.test(item));
  if (badCpus !== undefined) {
    throw fail(`--cpus must be a comma-separated list of positive integers, received ${JSON.stringify(badCpus)}`);
  }
  let task: CompareArgs["task"];
  try {
    task = parseTask(values.task as string | undefined, values.args as string | undefined);
  } catch (error) {
    throw fail((error as Error).message.replace("Cannot run: ", ""));
  }
  if (task !== undefined && values.workloads !== undefined) {
    throw fail(`--workloads does not apply with --task, received ${JSON.stringify(values.workloads)}`);
  }
  return {
    help: values.help === true,
    profile: profile as Profile,
    runtimes: list("runtimes", COMPARE_RUNTIMES) ?? [...COMPARE_RUNTIMES],
    runtimesGiven: values.runtimes !== undefined,
    // Your own function: the scaling experiment alone, unless others are asked for.
    experiments: list("experiments", EXPERIMENT_NAMES) ?? (task === undefined ? [...EXPERIMENT_NAMES] : ["scaling"]),
    task,
    workloads: list("workloads", [...WORKLOADS.keys()]),
    seed,
    out: values.out as string | undefined,
    diff: values.diff ? [positionals[0]!, positionals[1]!] : undefined,
    merge: values.merge ? positionals : undefined,
    cpus: cpus && [...new Set(cpus.map(Number))],
    export: values.export as "bencher" | undefined,
    exportFrom: values.export !== undefined && !values.diff && !values.merge ? positionals[0] : undefined,
  };
}
