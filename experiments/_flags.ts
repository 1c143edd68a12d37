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
  /** What it does, as the usage shows it; the default is added from `default`. */
  help: string;
  /**
   * Its value when it is absent, as it would be typed (`"24"`, `"cpu"`), or
   * where it is worked out at run time what the usage says instead, such as
   * `{ text: "the cores" }`. The usage shows it and the parse helpers use it:
   * it is written here and nowhere else.
   */
  default?: string | { text: string };
}

/** A flag's default as the usage shows it, if it has one. */
function defaultText(flag: Flag): string | undefined {
  return typeof flag.default === "object"
    ? `: ${flag.default.text}`
    : flag.default === undefined
    ? undefined
    : ` ${flag.default}`;
}

/** What a parse helper returns for a flag: always a value when it declares a default it reads. */
export type Parsed<F extends Flag, T> = F extends { default: string } ? T : T | undefined;

/**
 * What a flag's parser reads: what was given, else its declared default.
 *
 * @param flag The flag.
 * @param values The parsed flags.
 * @returns The text, or `undefined` when neither.
 */
export function flagValue<F extends Flag>(flag: F, values: FlagValues): Parsed<F, string> {
  return raw(flag, values) as Parsed<F, string>;
}

function raw(flag: Flag, values: FlagValues): string | undefined {
  const given = values[flag.name];
  if (given !== undefined) return given as string;
  return typeof flag.default === "string" ? flag.default : undefined;
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
export function parseFlags(
  argv: readonly string[],
  flags: readonly Flag[],
  prefix: string,
  positionals = false,
): { values: FlagValues; positionals: string[] } {
  const valued = flags.filter((flag) => flag.value !== undefined).map((flag) => flag.name);
  try {
    const parsed = parseArgs({
      args: joinNegativeValues(argv, valued),
      options: Object.fromEntries(
        flags.map((flag) => [
          flag.name,
          flag.value === undefined
            ? { type: "boolean" as const, ...(flag.name === "help" ? { short: "h" } : {}) }
            : { type: "string" as const },
        ]),
      ),
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
  const fallback = defaultText(flag);
  const help = fallback === undefined ? flag.help : `${flag.help} (default${fallback})`;
  return `  ${`--${flag.name}${flag.value === undefined ? "" : ` ${flag.value}`}`.padEnd(23)}${help}`;
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
 * One of a fixed set of names: what was given, else the flag's default.
 *
 * @param flag The flag.
 * @param values The parsed flags.
 * @param allowed The names.
 * @returns The name, or `undefined` when absent and without a default.
 * @throws {UsageError} When it is not one of them.
 */
export function oneOf<T extends string, F extends Flag>(
  flag: F,
  values: FlagValues,
  allowed: readonly T[],
): Parsed<F, T> {
  const value = raw(flag, values);
  if (value === undefined) return undefined as Parsed<F, T>;
  if (!allowed.includes(value as T)) {
    throw new UsageError(
      `Cannot run: --${flag.name} must be one of ${allowed.join(", ")}, received ${JSON.stringify(value)}`,
    );
  }
  return value as Parsed<F, T>;
}

/**
 * A whole number of at least `min`: what was given, else the flag's default.
 *
 * @param flag The flag.
 * @param values The parsed flags.
 * @param min The least value.
 * @param max The greatest value.
 * @returns The number, or `undefined` when absent and without a default.
 * @throws {UsageError} Naming the flag and the value.
 */
export function count<F extends Flag>(flag: F, values: FlagValues, min: number, max?: number): Parsed<F, number> {
  return number(flag, values, { integer: true, min, max });
}

/**
 * A number within bounds: what was given, else the flag's default.
 *
 * @param flag The flag.
 * @param values The parsed flags.
 * @param bounds Whether it must be whole, its least and greatest values, and whether the least is out.
 * @returns The number, or `undefined` when absent and without a default.
 * @throws {UsageError} Naming the flag, the bounds and the value.
 */
export function number<F extends Flag>(
  flag: F,
  values: FlagValues,
  bounds: { integer?: boolean; min: number; max?: number; above?: boolean },
): Parsed<F, number> {
  const value = raw(flag, values);
  return (value === undefined
    ? undefined
    : parseNumber(flag.name, value, bounds.integer ?? false, bounds.min, bounds.max, bounds.above)) as Parsed<
      F,
      number
    >;
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
 * @param above Whether `min` itself is out: the number must be above it.
 * @returns The number.
 * @throws {UsageError} Naming the flag, the bounds and the value.
 */
export function parseNumber(
  flag: string,
  raw: string,
  integer: boolean,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  above = false,
): number {
  const plain = raw.replace(/(?<=\d)_(?=\d)/g, "");
  const value = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(plain) ? Number(plain) : NaN;
  if (
    !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || (above && value === min) ||
    value > max
  ) {
    const what = above
      ? `a number above ${min}`
      : integer
      ? (min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : `an integer of at least ${min}`)
      : min < 0
      ? "a number"
      : min === 0
      ? "a number of 0 or more"
      : `a number of at least ${min}`;
    const bound = max < Number.MAX_SAFE_INTEGER ? `${above ? "," : ""} up to ${max}` : "";
    throw new UsageError(`Cannot run: --${flag} must be ${what}${bound}, received ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * A comma-separated list of positive integers, without repeats: what was
 * given, else the flag's default.
 *
 * @param flag The flag.
 * @param values The parsed flags.
 * @returns The numbers, or `undefined` when absent and without a default.
 * @throws {UsageError} Naming the flag and the value.
 */
export function parseList<F extends Flag>(flag: F, values: FlagValues): Parsed<F, number[]> {
  const value = raw(flag, values);
  if (value === undefined) return undefined as Parsed<F, number[]>;
  const items = value.split(",");
  if (items.some((item) => item.trim() === "")) {
    throw new UsageError(
      `Cannot run: --${flag.name} must be a comma-separated list of positive integers, received ${
        JSON.stringify(value)
      }`,
    );
  }
  return [...new Set(items.map((item) => parseNumber(flag.name, item.trim(), true, 1)))] as Parsed<F, number[]>;
}
