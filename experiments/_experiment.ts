/**
 * What an experiment is to truepar's scripts: one entry with its name, its
 * record's schema, its flags, how it runs, how its record reads as text, how
 * the comparison plans it, its part of the report and of a diff. The
 * scripts loop over {@linkcode EXPERIMENTS} in `registry.ts`; adding an
 * experiment is a folder with one such entry and a line there.
 *
 * @module
 */

import type { TopLevelSpec } from "vega-lite";
import type { HostInfo, RuntimeAdapter, RuntimeInfo } from "../core/adapter.ts";
import type { Flag, FlagValues } from "./_flags.ts";

/** The fields every record has. */
export interface ExperimentRecord {
  schema: string;
  runtime: RuntimeInfo;
  host: HostInfo;
}

/** What a run is handed besides its arguments. */
export interface RunContext {
  adapter: RuntimeAdapter;
  /** Ctrl-C: stop, and keep what finished where the experiment can. */
  signal: AbortSignal;
  /** How far the run is: done of total, and what runs now. */
  onProgress?(done: number, total: number, what: string): void;
  /** The record of what finished so far, printed if the run is interrupted. */
  onPartial?(record: ExperimentRecord): void;
}

/** The comparison's profiles: quick (the default: the whole report in minutes), full, and smoke (for tests). */
export const PROFILES = ["quick", "full", "smoke"] as const;

/** A profile's name. */
export type Profile = (typeof PROFILES)[number];

/** What the comparison's command line narrows, and the machine it plans for. */
export interface PlanOptions {
  /** The cores each cell may use (CPU affinity included). */
  cores: number;
  /** Scaling workloads; the profile's when absent. */
  workloads?: readonly string[];
  /** Scaling: a user's function instead of the workloads. */
  task?: { module: URL; export: string; args: unknown[] };
}

/** One cell of the comparison's matrix, as an experiment plans it for one runtime. */
export interface PlannedCell {
  /** Unique within the runtime, such as `scaling-cpu-workers`; the runtime's name goes in front. */
  key: string;
  workload?: string;
  strategy?: string;
  /** Scaling: the levels the cell measures in paired rounds. */
  concurrency?: number[];
  /** The flags of `scripts/run.ts` after `--experiment NAME`. */
  args: string[];
  /** Measured again in each round over the matrix, in a new order (scaling); otherwise once. */
  everyRound: boolean;
}

/** A table of the report. */
export interface Table {
  /** A name its chart refers to it by (`ChartSpec.table`). */
  id?: string;
  title: string;
  header: string[];
  rows: string[][];
  /** A line under the table. */
  note?: string;
  /**
   * Per row, what a figure of it that passes what the machine allows owes
   * that to: printed at the end of the row's line (a column in report.md).
   */
  why?: (string | undefined)[];
  /** Where it shows: everywhere (default), in the terminal only, in report.md only, or nowhere (a CSV file only). */
  show?: "all" | "text" | "markdown" | "none";
  /** Also written as this CSV file. */
  csv?: string;
}

/**
 * Something a reader should see; an `error` means the results cannot be
 * trusted. One per cause: `cells` lists where it applies (report.md shows
 * them; the terminal, how many).
 */
export interface Warning {
  severity: "error" | "warning" | "note";
  text: string;
  cells?: string[];
}

/** One measure of a benchmark in Bencher Metric Format: a value with its interval. */
export interface Metric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

/** A chart, as a Vega-Lite specification the report renders to SVG. */
export interface ChartSpec {
  /** The file name, such as `speedup-cpu.svg`. */
  file: string;
  title: string;
  spec: TopLevelSpec;
  /** The `id` of the table that holds the chart's figures: the page shows it with the chart. */
  table?: string;
}

/** One cell of a verdict matrix: its figures, and how it reads. */
export interface MatrixCell {
  text: string;
  /** `yes`: clears the noise floor and ran in parallel; `partly`; `no`: within the noise; `slower`: a slowdown beyond it. */
  tone: "yes" | "partly" | "no" | "slower";
  /** The speedup as a share of what the machine allows there (0–1 and a little above), for the cell's shade. */
  share?: number;
  /** More, for a tooltip. */
  title?: string;
}

/** The verdict as a small matrix: rows (runtimes) by columns (strategies), `null` where it does not apply. */
export interface VerdictMatrix {
  title: string;
  columns: string[];
  rows: { label: string; cells: (MatrixCell | null)[] }[];
}

/** An experiment's part of the report. */
export interface Section {
  /** The answers, one line each, shown first. */
  verdict: string[];
  /** The question they answer, shown above them. */
  question?: string;
  /** The verdict as a matrix, for the page. */
  matrix?: VerdictMatrix;
  /** Lines after the tables, such as the noise floor per runtime. */
  lines: string[];
  tables: Table[];
  charts: ChartSpec[];
  warnings: Warning[];
}

/** A record of a result set, with the cell and the round that measured it. */
export interface ReportCell<R> {
  key: string;
  round: number;
  record: R;
}

/** One experiment, everything the scripts need of it. */
export interface Experiment<Args, R extends ExperimentRecord, Part> {
  readonly name: string;
  /** The schema of its record, such as `truepar.overhead/1`. */
  readonly schema: string;
  /** Its flags, beside `--experiment`, `--json` and `--help`. */
  readonly flags: readonly Flag[];
  /**
   * Checks its flags' values.
   *
   * @throws {UsageError} Naming the flag and what it received.
   */
  parse(values: FlagValues): Args;
  /**
   * Checks what only the runtime can tell (that a module exports a function),
   * before anything runs.
   *
   * @throws {UsageError} Naming the flag and what it received.
   */
  check?(args: Args, adapter: RuntimeAdapter): Promise<void>;
  run(args: Args, context: RunContext): Promise<R>;
  /** The record as text, in the article's style. */
  format(record: R): string;
  /** What stderr says under a partial record printed after Ctrl-C. */
  interrupted?(record: R): string;
  /** The cells of the comparison on one runtime. */
  plan(profile: Profile, runtime: string, options: PlanOptions): PlannedCell[];
  /** Its report model, from every record of a result set. */
  summarize(cells: readonly ReportCell<R>[]): Part;
  /** Its tables, charts, lines and warnings; called only for an experiment a result set has records of. */
  present(part: Part): Section;
  /** Its benchmarks for a continuous-benchmarking service (`compare --export bencher`): name, then measure, then the metric. */
  bencher?(part: Part): Record<string, Record<string, Metric>>;
  /** Its tables of several hosts' result sets side by side (`compare --merge`), one column per host. */
  merge?(columns: readonly { host: string; part: Part }[]): Table[];
  /** What the comparison says of its plan before it runs, for each core count it holds cells to (such as the levels it chose). */
  describePlan?(profile: Profile, cores: number, held: boolean): string;
  /** What is wrong with the comparison's options for it, found before anything runs (a `--task` module that cannot load). */
  planProblem?(options: PlanOptions): Promise<string | undefined>;
  /** What `compare --diff` compares. */
  diff: {
    /** The parameters two result sets must share to be compared. */
    settings(record: R): Record<string, unknown>;
    /** The timed samples, by label. */
    samples(record: R): [string, number[]][];
  };
}

/**
 * Reports a run's steps as progress: each call names the step that starts.
 *
 * @param context The run's context.
 * @param total How many steps the run has.
 * @returns The function to call at each step.
 */
export function stepProgress(context: RunContext, total: number): (step: string) => void {
  let done = 0;
  return (step) => context.onProgress?.(done++, total, step);
}

/**
 * Settles with a run, or rejects with the signal's reason once it aborts: an
 * experiment not split into rounds has nothing to keep when interrupted.
 *
 * @param signal The run's signal.
 * @param run The run.
 * @returns The run's result.
 */
export function untilAborted<T>(signal: AbortSignal, run: Promise<T>): Promise<T> {
  const stopped = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  stopped.catch(() => {});
  return Promise.race([stopped, run]);
}

/**
 * The records of a result set in the registry's runtime order.
 *
 * @param cells The cells.
 * @param rank Where a runtime sorts.
 * @returns Their records.
 */
export function recordsInOrder<R extends ExperimentRecord>(
  cells: readonly ReportCell<R>[],
  rank: (name: string) => number,
): R[] {
  return cells.map((c) => c.record).sort((a, b) => rank(a.runtime.name) - rank(b.runtime.name));
}

/** What a label is made of: the runtime, and the cores the run could use. */
export interface Labelled {
  runtime: RuntimeInfo;
  host?: { cores: number };
}

/**
 * How tables name runtimes: a runtime is its name and version, so two
 * versions of one runtime are two rows, and a run held to fewer cores
 * (`--cpus`) is a row of its own; the name alone where nothing else differs.
 *
 * @param records Every record of a report.
 * @returns The label of each, such as `node`, `node 26.0.0` or `node · 1 core`.
 */
export function runtimeLabels(records: readonly Labelled[]): (record: Labelled) => string {
  const versions = new Map<string, Set<string>>();
  for (const r of records) {
    versions.set(r.runtime.name, (versions.get(r.runtime.name) ?? new Set()).add(r.runtime.version));
  }
  const cores = new Set(records.map((r) => r.host?.cores));
  return (record) => {
    const name = (versions.get(record.runtime.name)?.size ?? 1) > 1
      ? `${record.runtime.name} ${record.runtime.version}`
      : record.runtime.name;
    const n = record.host?.cores;
    return cores.size > 1 && n !== undefined ? `${name} · ${n} ${n === 1 ? "core" : "cores"}` : name;
  };
}

/**
 * The plan and the summary of an experiment measured once per runtime: one
 * cell each, in the first round, with the profile's flags; its report part
 * is its records in the registry's order.
 *
 * @param name The experiment's name, the cell's key.
 * @param profiles Its flags per profile.
 * @param rank Where a runtime sorts.
 * @returns `plan` and `summarize`, for the entry.
 */
export function oncePerRuntime<R extends ExperimentRecord>(
  name: string,
  profiles: Readonly<Record<Profile, string[]>>,
  rank: (name: string) => number,
): {
  plan(profile: Profile): PlannedCell[];
  summarize(cells: readonly ReportCell<R>[]): R[];
} {
  return {
    plan: (profile) => [{ key: name, args: profiles[profile], everyRound: false }],
    summarize: (cells) => recordsInOrder(cells, rank),
  };
}
