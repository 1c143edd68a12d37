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
import { COMPARE_USAGE, parseCompareArgs, type CompareArgs, UsageError } from "./compare_args.ts";
import { diffResultSets, formatDiff } from "./_diff.ts";
import { MATRIX_ROUNDS, planCells, shuffle } from "./_matrix.ts";
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
    problem ??= await experiment.planProblem?.({ cores: allowedCpus().length, workloads: args.workloads, task: args.task });
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
      return { source: dir, host: report.environment.host ? hostFingerprint(report.environment.host) : "unknown-host", report };
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
    ...columns.map((c) => `${c.host}: ${c.source} · ${c.report.environment.host?.cpuModel ?? "?"}, ${c.report.environment.host?.cores ?? "?"} cores · ${c.report.environment.runtimes.map((r) => `${r.name} ${r.version}`).join(", ")}`),
    "",
    ...verdicts,
  ];
  console.log([...lines, ...tables.flatMap((t) => ["", t.title, textTable(t.header, t.rows)])].join("\n"));
  const dir = path.resolve(out ?? path.join(resultsRoot(), `merge-${new Date().toISOString().replace(/[:.]/g, "-")}`));
  mkdirSync(dir, { recursive: true });
  const markdown = ["# truepar: hosts side by side", "", ...lines.map((l) => (l === "" ? "" : `- ${l}`)), ...tables.flatMap((t) => ["", `## ${t.title}`, "", markdownTable(t.header, t.rows)])];
  writeAtomically(path.join(dir, "merge.md"), markdown.join("\n") + "\n");
  console.log(`\nmerged: ${path.relative(process.cwd(), path.join(dir, "merge.md"))}`);
  return 0;
}

async function compare(args: CompareArgs): Promise<number> {
  const seed = args.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!;
  const out = path.resolve(args.out ?? path.join(resultsRoot(), new Date().toISOString().replace(/[:.]/g, "-")));
  mkdirSync(path.join(out, "cells"), { recursive: true });
  $.cwd = root;
  $.quiet = true;

  const notes: string[] = [];
  let runtimes = args.runtimes;
  for (const runtime of runtimes.filter((r) => args.task !== undefined && getRuntime(r).interpreter !== undefined)) {
    runtimes = runtimes.filter((r) => r !== runtime);
    notes.push(`${runtime}: no row, --task is a JavaScript function and ${runtime} runs ${getRuntime(runtime).interpreter!.language}`);
  }
  for (const runtime of runtimes) {
    const missing = runtimeMissing(runtime);
    if (missing === undefined) continue;
    runtimes = runtimes.filter((r) => r !== runtime);
    // An optional runtime asked for by name, or any other one missing, is said; an optional one not asked for is simply not there.
    if (getRuntime(runtime).install === undefined || args.runtimesGiven) notes.push(`${runtime}: no row, ${missing}`);
  }
  const cores = allowedCpus().length;
  const matrix = (args.cpus ?? [undefined]).flatMap((cpus) =>
    planCells({ profile: args.profile, runtimes, experiments: args.experiments, workloads: args.workloads, task: args.task, cores, cpus })
  );

  // Every cell in round 1; the cells measured every round (scaling) again in each later round, each round in a new order, so drift hits every cell alike.
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
  console.log(wrapLine(`truepar compare · driver node ${process.versions.node} · profile ${args.profile} · seed ${seed} · ${matrix.length} cells × up to ${rounds} rounds = ${runs.length} runs, each in a fresh process · results in ${path.relative(process.cwd(), out) || "."}/`, WIDTH));
  for (const experiment of EXPERIMENTS.filter((e) => args.experiments.includes(e.name) && e.describePlan !== undefined)) {
    console.log(wrapLine((args.cpus ?? [cores]).map((n) => experiment.describePlan!(args.profile, n, args.cpus !== undefined)).join("; "), WIDTH));
  }

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
    current = $({ nothrow: true, timeout: CELL_TIMEOUT, env: { ...process.env, TRUEPAR_COMPARE: out, NO_COLOR: "1" } })`${command!} ${[...rest, ...seedFlag]}`;
    const result = await current;
    current = undefined;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const failure = interrupted ? "interrupted" : describeFailure(name, result);
    if (failure === undefined) {
      writeAtomically(path.join(out, "cells", `${name}.json`), result.stdout);
      if (!bar) process.stderr.write(`  ${String(index + 1).padStart(3)}/${runs.length} ${name.padEnd(46)} ${seconds} s\n`);
    } else {
      failures.push(`${name}: ${failure}`);
      process.stderr.write(`${wrapLine(`  ${name}: ${failure}`, WIDTH)}\n`);
    }
  }
  bar?.stop();
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);

  const { cells: finished } = readResultSet(out);
  const report = buildReport(plan, finished);
  report.warnings.push(...notes.map((text) => ({ severity: "note" as const, text })));
  const charts = finished.length > 0 ? await renderCharts(report) : [];
  for (const chart of charts) writeFileSync(path.join(out, chart.file), chart.svg);
  writeAtomically(path.join(out, "environment.json"), JSON.stringify(report.environment, null, 2));
  writeAtomically(path.join(out, "report.md"), formatReportMarkdown(report, charts.map((c) => c.file)));
  for (const { file, csv } of reportCsvs(report)) writeAtomically(path.join(out, file), csv);
  writeAtomically(path.join(out, "index.html"), renderIndex(report, charts));
  console.log("");
  console.log(formatReportText(report));
  if (failures.length) console.log(`\nfailed cells:\n${failures.map((f) => wrapLine(`  ${f}`, WIDTH)).join("\n")}`);
  console.log(`\nreport: ${path.relative(process.cwd(), path.join(out, "index.html"))} · ${path.relative(process.cwd(), path.join(out, "report.md"))}`);
  if (args.export === "bencher") exportBencher(out, report);
  if (interrupted) {
    console.log(`interrupted: ${finished.length} of ${runs.length} runs finished and kept`);
    return 130;
  }
  const distrust = report.warnings.some((w) => w.severity === "error");
  return failures.length === 0 && !distrust ? 0 : 1;
}

/**
 * Where result sets go without `--out`: results/ of the folder it runs in (the
 * checkout with npm start, the user's project with npx truepar compare), or
 * `TRUEPAR_RESULTS`.
 */
function resultsRoot(): string {
  return process.env.TRUEPAR_RESULTS || "results";
}

function describeFailure(name: string, result: { exitCode: number | null; signal: string | null; stdout: string; stderr: string }): string | undefined {
  if (result.exitCode !== 0) {
    const last = result.stderr.trim().split("\n").at(-1) ?? "";
    const how = result.signal ? `killed by ${result.signal}${result.signal === "SIGTERM" ? ` (timeout ${CELL_TIMEOUT}?)` : ""}` : `exit code ${result.exitCode}`;
    return `${how}${last ? `: ${last}` : ""}`;
  }
  try {
    checkRecord(JSON.parse(result.stdout), `the output of ${name}`);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
