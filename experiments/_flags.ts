/**
 * The flag helper every command line shares: `node:util`'s `parseArgs` (the
 * same on Node, Deno and Bun; `@std/cli` is on JSR only), checks that name
 * the flag and what it received, and the usage lines.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** A bad command line: the message names the flag and what it received. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One flag, as a command declares it. */
export interface Flag {
  /** Its name, without the dashes: `round-trips`. */
  name: string;
  /** What it takes, as the usage shows it (`N`, `X`, `LIST`, `NAME`); absent for a switch. */
  value?: string;
  /** The usage text, with its default. */
  help: string;
}

/** The flags as parsed: strings for those that take a value, `true` for switches given. */
export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

/**
 * Parses a command line against declared flags, strictly.
 *
 * @param argv The arguments.
 * @param flags Every flag the command knows.
 * @param prefix What every message starts with, such as `Cannot run:`.
 * @returns The values and the positional arguments.
 * @throws {UsageError} For an unknown flag, a missing value or a stray argument (when `positionals` is false).
 */
export function parseFlags(argv: readonly string[], flags: readonly Flag[], prefix: string, positionals = false): { values: FlagValues; positionals: string[] } {
  const valued = flags.filter((flag) => flag.value !== undefined).map((flag) => flag.name);
  try {
    const parsed = parseArgs({
      args: joinNegativeValues(argv, valued),
      options: Object.fromEntries(flags.map((flag) => [flag.name, flag.value === undefined ? { type: "boolean" as const, ...(flag.name === "help" ? { short: "h" } : {}) } : { type: "string" as const }])),
      strict: true,
      allowPositionals: positionals,
    });
    return { values: parsed.values as FlagValues, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${prefix} ${describeParseError(error)}`);
  }
}

/**
 * The usage line of a flag.
 *
 * @param flag The flag.
 * @returns Such as `  --spawns N             overhead: warm spawns…`.
 */
export function usageLine(flag: Flag): string {
  return `  ${`--${flag.name}${flag.value === undefined ? "" : ` ${flag.value}`}`.padEnd(23)}${flag.help}`;
}

/** `--tasks -3` means the value -3, not a missing value: make it `--tasks=-3`. */
function joinNegativeValues(argv: readonly string[], valued: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith("--") && valued.includes(arg.slice(2)) && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const flag = /'(-[^' ]+)/.exec(message ?? "")?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag, received ${JSON.stringify(flag)}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return `${flag} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
      const positional = /'([^']*)'/.exec(message ?? "")?.[1] ?? "";
      return `unexpected argument, received ${JSON.stringify(positional)}`;
    }
    default:
      return message ?? String(error);
  }
}

/**
 * One of a fixed set of names.
 *
 * @param flag The flag's name.
 * @param raw What it received, if anything.
 * @param allowed The names.
 * @param fallback When absent.
 * @returns The name.
 * @throws {UsageError} When it is not one of them.
 */
export function oneOf<T extends string>(flag: string, raw: unknown, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) {
    throw new UsageError(`Cannot run: --${flag} must be one of ${allowed.join(", ")}, received ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

/**
 * A whole number of at least `min`.
 *
 * @param flag The flag's name.
 * @param raw What it received, if anything.
 * @param fallback When absent.
 * @param min The least value.
 * @returns The number.
 * @throws {UsageError} Naming the flag and the value.
 */
export function count(flag: string, raw: unknown, fallback: number, min: number): number {
  return raw === undefined ? fallback : parseNumber(flag, raw as string, true, min);
}

/**
 * A number: digits only, with `1e6` and `1_000_000` as well as `1000000`, so
 * `0x10`, `Infinity` and `""` stay out.
 *
 * @param flag The flag's name.
 * @param raw What it received.
 * @param integer Whether it must be whole.
 * @param min The least value.
 * @param max The greatest value.
 * @returns The number.
 * @throws {UsageError} Naming the flag, the bounds and the value.
 */
export function parseNumber(flag: string, raw: string, integer: boolean, min: number, max = Number.MAX_SAFE_INTEGER): number {
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

/**
 * A comma-separated list of positive integers, without repeats.
 *
 * @param flag The flag's name.
 * @param raw What it received, if anything.
 * @param fallback When absent.
 * @returns The numbers.
 * @throws {UsageError} Naming the flag and the value.
 */
export function parseList(flag: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  const items = raw.split(",");
  if (items.some((item) => item.trim() === "")) {
    throw new UsageError(`Cannot run: --${flag} must be a comma-separated list of positive integers, received ${JSON.stringify(raw)}`);
  }
  return [...new Set(items.map((item) => parseNumber(flag, item.trim(), true, 1)))];
}
