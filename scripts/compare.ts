/**
 * `npm start`: the cross-runtime comparison. Every runtime × experiment ×
 * workload × strategy × concurrency cell runs in a fresh process, the cells in
 * a seeded random order; each cell's record is written atomically as it
 * completes. Then the report: tables with their spread, warnings, CSV, SVG
 * charts and an index.html, under results/<timestamp>/.
 *
 *   npm start -- --profile full --runtimes node,deno
 *   npx tsx scripts/compare.ts --diff results/A results/B
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { $, type ProcessPromise } from "zx";
import { renderCharts, renderIndex } from "./_charts.ts";
import { COMPARE_USAGE, type CompareArgs, parseCompareArgs, UsageError } from "./compare_args.ts";
import { diffResultSets, formatDiff } from "./_diff.ts";
import { type Cell, MATRIX_ROUNDS, planCells, shuffle } from "./_matrix.ts";
import { buildReport, type Report } from "./_report.ts";
import { formatReportMarkdown, formatReportText, markdownTable, reportCsvs, textTable } from "./_render.ts";
import { type HostColumn, hostFingerprint, mergeHosts, toBencher } from "./_hosts.ts";
import { createProgress, exitQuietlyOnClosedPipe } from "./_progress.ts";
import { checkRecord, type Plan, readResultSet, ResultSetError, writeAtomically } from "./_results.ts";
import { runtimeMissing } from "./_runtimes.ts";
import { getRuntime } from "../runtimes/registry.ts";
import { allowedCpus, cpusProblem } from "./_cpus.ts";
import { EXPERIMENTS } from "../experiments/registry.ts";
import { WIDTH, wrapLine } from "../experiments/_text.ts";
import { fileURLToPath } from "node:url";

const CELL_TIMEOUT = "300s";
const root = path.resolve(fileURLToPath(new URL("../", import.meta.url)));

exitQuietlyOnClosedPipe();
let args: CompareArgs;
try {
  args = parseCompareArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\nSee scripts/compare.ts --help for the flags.\n`);
  process.exit(2);
}

if (args.help) {
  console.log(COMPARE_USAGE);
} else if (args.diff) {
  try {
    const [before, after] = args.diff.map((dir) => readResultSet(dir).cells);
    console.log(formatDiff(diffResultSets(before!, after!), args.diff));
  } catch (error) {
    if (!(error instanceof ResultSetError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
} else if (args.merge) {
  process.exitCode = merge(args.merge, args.out);
} else if (args.exportFrom !== undefined) {
  try {
    const { plan, cells } = readResultSet(args.exportFrom);
    exportBencher(args.exportFrom, buildReport(plan, cells));
  } catch (error) {
    if (!(error instanceof ResultSetError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
} else {
  // What an experiment can tell of the options before anything runs, then whether the cores asked for are there.
  let problem: string | undefined;
  for (const experiment of EXPERIMENTS.filter((e) => args.experiments.includes(e.name))) {
    problem ??= await experiment.planProblem?.({
      cores: allowedCpus().length,
      workloads: args.workloads,
      task: args.task,
    });
  }
  problem ??= args.cpus?.map(cpusProblem).find((p) => p !== undefined);
  if (problem) {
    process.stderr.write(`Cannot compare: ${problem}\nSee scripts/compare.ts --help for the flags.\n`);
    process.exit(2);
  }
  process.exitCode = await compare(args);
}

/** Writes a report as Bencher Metric Format beside it, and says how to send it. */
function exportBencher(dir: string, report: Report): void {
  const file = path.join(dir, "bencher.json");
  writeAtomically(file, JSON.stringify(toBencher(report), null, 2) + "\n");
  const testbed = report.environment.host ? hostFingerprint(report.environment.host) : "unknown-host";
  console.log(`bencher: ${path.relative(process.cwd(), file)} (Bencher Metric Format) · testbed ${testbed}`);
  console.log(`  bencher run --testbed ${testbed} --adapter json --file ${path.relative(process.cwd(), file)}`);
}

/** `--merge A B …`: one table per workload, one column per host. */
function merge(dirs: readonly string[], out: string | undefined): number {
  let columns: HostColumn[];
  try {
    columns = dirs.map((dir) => {
      const { plan, cells } = readResultSet(dir);
      const report = buildReport(plan, cells);
      return {
        source: dir,
        host: report.environment.host ? hostFingerprint(report.environment.host) : "unknown-host",
        report,
      };
    });
  } catch (error) {
    if (!(error instanceof ResultSetError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  // Two sets from one host: told apart by their order.
  const seen = new Map<string, number>();
  for (const column of columns) {
    const count = (seen.get(column.host) ?? 0) + 1;
    seen.set(column.host, count);
    if (count > 1) column.host = `${column.host} (${count})`;
  }
  const { tables, verdicts } = mergeHosts(columns);
  const lines = [
    ...columns.map((c) =>
      `${c.host}: ${c.source} · ${c.report.environment.host?.cpuModel ?? "?"}, ${
        c.report.environment.host?.cores ?? "?"
      } cores · ${c.report.environment.runtimes.map((r) => `${r.name} ${r.version}`).join(", ")}`
    ),
    "",
    ...verdicts,
  ];
  console.log([...lines, ...tables.flatMap((t) => ["", t.title, textTable(t.header, t.rows)])].join("\n"));
  const dir = path.resolve(out ?? path.join(resultsRoot(), `merge-${new Date().toISOString().replace(/[:.]/g, "-")}`));
  mkdirSync(dir, { recursive: true });
  const markdown = [
    "# truepar: hosts side by side",
    "",
    ...lines.map((l) => (l === "" ? "" : `- ${l}`)),
    ...tables.flatMap((t) => ["", `## ${t.title}`, "", markdownTable(t.header, t.rows)]),
  ];
  writeAtomically(path.join(dir, "merge.md"), markdown.join("\n") + "\n");
  console.log(`\nmerged: ${path.relative(process.cwd(), path.join(dir, "merge.md"))}`);
  return 0;
}

/**
 * A comparison in four phases: the rows it can have, the plan of runs, the
 * runs (each cell in a fresh process), and the report from what finished.
 */
async function compare(args: CompareArgs): Promise<number> {
  const seed = args.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!;
  const out = path.resolve(args.out ?? path.join(resultsRoot(), new Date().toISOString().replace(/[:.]/g, "-")));
  mkdirSync(path.join(out, "cells"), { recursive: true });
  $.cwd = root;
  $.quiet = true;
  const { runtimes, notes } = rows(args);
  const { plan, runs } = planRuns(args, runtimes, seed, out);
  const { failures, interrupted } = await runCells(runs, seed, out);
  const { report, finished } = await writeReport(out, plan, notes);
  console.log("");
  console.log(formatReportText(report));
  if (failures.length) console.log(`\nfailed cells:\n${failures.map((f) => wrapLine(`  ${f}`, WIDTH)).join("\n")}`);
  console.log(
    `\nreport: ${path.relative(process.cwd(), path.join(out, "index.html"))} · ${
      path.relative(process.cwd(), path.join(out, "report.md"))
    }`,
  );
  if (args.export === "bencher") exportBencher(out, report);
  if (interrupted) {
    console.log(`interrupted: ${finished} of ${runs.length} runs finished and kept`);
    return 130;
  }
  const distrust = report.warnings.some((w) => w.severity === "error");
  return failures.length === 0 && !distrust ? 0 : 1;
}

/** The runtimes that get a row, and a note for each asked for that cannot. */
function rows(args: CompareArgs): { runtimes: string[]; notes: string[] } {
  const notes: string[] = [];
  const runtimes = args.runtimes.filter((runtime) => {
    const { interpreter, install } = getRuntime(runtime);
    if (args.task !== undefined && interpreter !== undefined) {
      notes.push(`${runtime}: no row, --task is a JavaScript function and ${runtime} runs ${interpreter.language}`);
      return false;
    }
    const missing = runtimeMissing(runtime);
    if (missing === undefined) return true;
    // An optional runtime asked for by name, or any other one missing, is said; an optional one not asked for is simply not there.
    if (install === undefined || args.runtimesGiven) notes.push(`${runtime}: no row, ${missing}`);
    return false;
  });
  return { runtimes, notes };
}

/** One run of one cell in one round. */
interface CellRun {
  cell: Cell;
  round: number;
  name: string;
}

/**
 * The cells and the order of their runs: every cell in round 1; those
 * measured every round (scaling's) again in each later round, each round in
 * a new order, so drift hits every cell alike. Writes plan.json and says it.
 */
function planRuns(args: CompareArgs, runtimes: string[], seed: number, out: string): { plan: Plan; runs: CellRun[] } {
  const cores = allowedCpus().length;
  const matrix = (args.cpus ?? [undefined]).flatMap((cpus) =>
    planCells({
      profile: args.profile,
      runtimes,
      experiments: args.experiments,
      workloads: args.workloads,
      task: args.task,
      cores,
      cpus,
    })
  );
  const rounds = MATRIX_ROUNDS[args.profile];
  const runs = Array.from({ length: rounds }, (_, index) => {
    const round = index + 1;
    return shuffle(matrix.filter((cell) => round === 1 || cell.everyRound), (seed + index) >>> 0)
      .map((cell) => ({ cell, round, name: `${cell.key}@${round}` }));
  }).flat();
  const plan: Plan = {
    schema: "truepar.compare/1",
    profile: args.profile,
    seed,
    rounds,
    startedAt: new Date().toISOString(),
    order: runs.map((run) => run.name),
    cells: matrix.map(({ command: _, everyRound: __, ...cell }) => cell),
  };
  writeAtomically(path.join(out, "plan.json"), JSON.stringify(plan, null, 2));
  console.log(
    wrapLine(
      `truepar compare · driver node ${process.versions.node} · profile ${args.profile} · seed ${seed} · ${matrix.length} cells × up to ${rounds} rounds = ${runs.length} runs, each in a fresh process · results in ${
        path.relative(process.cwd(), out) || "."
      }/`,
      WIDTH,
    ),
  );
  for (
    const experiment of EXPERIMENTS.filter((e) => args.experiments.includes(e.name) && e.describePlan !== undefined)
  ) {
    console.log(
      wrapLine(
        (args.cpus ?? [cores]).map((n) => experiment.describePlan!(args.profile, n, args.cpus !== undefined)).join(
          "; ",
        ),
        WIDTH,
      ),
    );
  }
  return { plan, runs };
}

/**
 * Runs the cells one at a time, each in a fresh process, keeping each
 * record as it comes (cells/<name>.json). Ctrl-C or SIGTERM ends the one
 * running and the rest are not started; what finished is kept.
 */
async function runCells(
  runs: readonly CellRun[],
  seed: number,
  out: string,
): Promise<{ failures: string[]; interrupted: boolean }> {
  let current: ProcessPromise | undefined;
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    current?.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const bar = createProgress({ format: " {bar} {value}/{total} runs | ETA {eta_formatted} | {cell}", etaBuffer: 20 });
  bar?.update(0, runs.length, { cell: "" });
  const failures: string[] = [];
  for (const [index, { cell, name }] of runs.entries()) {
    if (interrupted) break;
    bar?.update(index, runs.length, { cell: name });
    const started = performance.now();
    const [command, ...rest] = cell.command;
    // Each round's process orders its own paired rounds with a seed of its own, recorded in its record.
    const cellSeed = String((seed + Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    const seedFlag = cell.everyRound ? ["--seed", cellSeed] : [];
    current = $({
      nothrow: true,
      timeout: CELL_TIMEOUT,
      env: { ...process.env, TRUEPAR_COMPARE: out, NO_COLOR: "1" },
    })`${command!} ${[...rest, ...seedFlag]}`;
    const result = await current;
    current = undefined;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const failure = interrupted ? "interrupted" : describeFailure(name, result);
    if (failure === undefined) {
      writeAtomically(path.join(out, "cells", `${name}.json`), result.stdout);
      if (!bar) {
        process.stderr.write(`  ${String(index + 1).padStart(3)}/${runs.length} ${name.padEnd(46)} ${seconds} s\n`);
      }
    } else {
      failures.push(`${name}: ${failure}`);
      process.stderr.write(`${wrapLine(`  ${name}: ${failure}`, WIDTH)}\n`);
    }
  }
  bar?.stop();
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  return { failures, interrupted };
}

/** The report from the records that finished: report.md, index.html, the charts, the CSVs and environment.json. */
async function writeReport(
  out: string,
  plan: Plan,
  notes: readonly string[],
): Promise<{ report: Report; finished: number }> {
  const { cells: finished } = readResultSet(out);
  const report = buildReport(plan, finished);
  report.warnings.push(...notes.map((text) => ({ severity: "note" as const, text })));
  const charts = finished.length > 0 ? await renderCharts(report) : [];
  for (const chart of charts) writeFileSync(path.join(out, chart.file), chart.svg);
  writeAtomically(path.join(out, "environment.json"), JSON.stringify(report.environment, null, 2));
  writeAtomically(path.join(out, "report.md"), formatReportMarkdown(report, charts.map((c) => c.file)));
  for (const { file, csv } of reportCsvs(report)) writeAtomically(path.join(out, file), csv);
  writeAtomically(path.join(out, "index.html"), renderIndex(report, charts));
  return { report, finished: finished.length };
}

/**
 * Where result sets go without `--out`: results/ of the folder it runs in (the
 * checkout with npm start, the user's project with npx truepar compare), or
 * `TRUEPAR_RESULTS`.
 */
function resultsRoot(): string {
  return process.env.TRUEPAR_RESULTS || "results";
}

function describeFailure(
  name: string,
  result: { exitCode: number | null; signal: string | null; stdout: string; stderr: string },
): string | undefined {
  if (result.exitCode !== 0) {
    const last = result.stderr.trim().split("\n").at(-1) ?? "";
    const how = result.signal
      ? `killed by ${result.signal}${result.signal === "SIGTERM" ? ` (timeout ${CELL_TIMEOUT}?)` : ""}`
      : `exit code ${result.exitCode}`;
    return `${how}${last ? `: ${last}` : ""}`;
  }
  try {
    checkRecord(JSON.parse(result.stdout), `the output of ${name}`);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
