/**
 * The benchmarks' command lines, declared once: `npm run bench:NAME` checks
 * its flags here before it starts a runtime, and each bench/NAME.ts parses
 * them here when it is run by itself (`bun bench/pool.ts --repeat 3`). A bad
 * flag or value ends either with one line naming it, the usage, exit code 2.
 *
 * @module
 */

import process from "node:process";
import { count, type Flag, flagValue, parseFlags, UsageError } from "../experiments/_flags.ts";

/** The benchmarks in bench/, by name. */
export type BenchName = "pool" | "sync";

/** The other pools bench/pool.ts measures truepar's against. */
export const COMPETITORS = ["piscina", "tinypool", "poolifier", "workerpool"] as const;
/** The pools bench/pool.ts measures, in the order it runs them. */
export const BENCH_POOLS = ["truepar", "truepar-spin", ...COMPETITORS] as const;

const HELP = { name: "help", help: "this usage" } as const satisfies Flag;
const JSON_FLAG = { name: "json", help: "one JSON record on stdout" } as const satisfies Flag;
const REPEAT = {
  name: "repeat",
  value: "N",
  help: "interleaved rounds, medians",
  default: "5",
} as const satisfies Flag;
const IDLE_MS = {
  name: "idle-ms",
  value: "N",
  help: "the idle spell whose CPU time is read, ms",
  default: "5000",
} as const satisfies Flag;
const POOLS = {
  name: "pools",
  value: "LIST",
  help: `only these, comma-separated (${BENCH_POOLS.join(", ")}); default: every one`,
} as const satisfies Flag;

/** The flags each benchmark takes. */
export const BENCH_FLAGS: Readonly<Record<BenchName, readonly Flag[]>> = {
  pool: [HELP, JSON_FLAG, REPEAT, IDLE_MS, POOLS],
  sync: [HELP, JSON_FLAG],
};

/**
 * The usage of a benchmark, as `npm run` takes it; of every one without a name.
 *
 * @param name The benchmark.
 * @returns Such as `Usage: npm run -s bench:sync -- [--help] [--json]`.
 */
export function benchUsage(name?: BenchName): string {
  const names = name === undefined ? (Object.keys(BENCH_FLAGS) as BenchName[]) : [name];
  return `Usage: ${
    names.map((name) =>
      `npm run -s bench:${name} -- ${
        BENCH_FLAGS[name].map((flag) => `[--${flag.name}${flag.value ? ` ${flag.value}` : ""}]`).join(" ")
      }`
    ).join(" · ")
  }`;
}

/** A benchmark's flags, checked. */
export interface BenchArgs {
  /** `--help` (or `-h`): print the usage and run nothing. */
  help: boolean;
  json: boolean;
  repeat: number;
  idleMs: number;
  /** The pools to measure; every one when the flag is absent. */
  pools: readonly (typeof BENCH_POOLS)[number][];
}

/**
 * Parses and checks a benchmark's flags.
 *
 * @param name The benchmark.
 * @param argv Its arguments.
 * @returns The flags, with their defaults.
 * @throws {UsageError} Naming the flag and what it received.
 */
export function parseBenchArgs(name: BenchName, argv: readonly string[]): BenchArgs {
  const { values } = parseFlags(argv, BENCH_FLAGS[name], "Cannot run benchmark:");
  const given = flagValue(POOLS, values);
  const pools = given === undefined ? [...BENCH_POOLS] : given.split(",");
  for (const pool of pools) {
    if (!(BENCH_POOLS as readonly string[]).includes(pool)) {
      throw new UsageError(
        `Cannot run benchmark: --pools must name pools among ${BENCH_POOLS.join(", ")}, received ${
          JSON.stringify(given)
        }`,
      );
    }
  }
  try {
    return {
      help: values.help === true,
      json: values.json === true,
      repeat: count(REPEAT, values, 1),
      idleMs: count(IDLE_MS, values, 1),
      pools: pools as BenchArgs["pools"],
    };
  } catch (error) {
    if (error instanceof UsageError) {
      throw new UsageError(error.message.replace(/^Cannot run:/, "Cannot run benchmark:"));
    }
    throw error;
  }
}

/**
 * A benchmark's flags, from its own command line by default; with `--help`,
 * the usage and exit code 0; when they are bad, one line naming what was
 * wrong, the usage, and exit code 2.
 *
 * @param name The benchmark.
 * @param argv Its arguments.
 * @returns The flags.
 */
export function benchArgs(name: BenchName, argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  try {
    const args = parseBenchArgs(name, argv);
    if (args.help) {
      process.stdout.write(`${benchUsage(name)}\n`);
      process.exit(0);
    }
    return args;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${benchUsage(name)}\n`);
    process.exit(2);
  }
}
