/**
 * From a result set to what a reader sees: tables with their spread, the
 * warnings, the CSV and the Markdown report.
 *
 * @module
 */

import type { KernelsRecord } from "../core/kernels_experiment.ts";
import type { OverheadRecord } from "../core/overhead.ts";
import type { RunRecord as CoreRunRecord } from "../core/record.ts";
import { estimateSpeedup, type Evidence, isPrecise, judgeSpeedup, ranInParallel, measureNoiseFloor, type NoiseFloor, pairedRatios, type SpeedupEstimate } from "../core/speedup.ts";
import { median, type SampleSummary, summarizeSamples } from "../core/stats.ts";
import { STRATEGIES } from "../core/strategies.ts";
import type { SyncRecord } from "../core/sync_experiment.ts";
import { formatSpeedup } from "./_format.ts";
import type { CellResult, Plan } from "./_results.ts";

/** Records as read back: fields added since a result set was written may be missing. */
type RunRecord = Omit<CoreRunRecord, "points"> & { points: (Omit<CoreRunRecord["points"][number], "steadySamplesMs" | "coresBusySamples"> & Partial<Pick<CoreRunRecord["points"][number], "steadySamplesMs" | "coresBusySamples">>)[] };

/** One level of one scaling cell, pooled over the matrix's rounds. */
export interface ScalingRow {
  key: string;
  runtime: string;
  version: string;
  workload: string;
  params: Record<string, number>;
  strategy: string;
  concurrency: number;
  tasks: number;
  /** Paired rounds pooled, over every process that measured the cell. */
  pairs: number;
  /** Cold samples (pool start included), pooled. */
  total: SampleSummary;
  /** From the pool being ready, first batch. */
  batch: SampleSummary;
  /** Steady samples (the warmed pool's second batch), pooled. */
  steady: SampleSummary;
  startupMedianMs: number;
  /** Cold speedup over the cell's smallest level: the median of every paired ratio. */
  speedup: number;
  speedupCI: [number, number];
  /** The intervals' true coverage. */
  coverage: number;
  evidence: Evidence;
  batchSpeedup: number;
  steadySpeedup: number;
  steadySpeedupCI: [number, number];
  steadyEvidence: Evidence;
  /** Median CPU time of the process tree over wall time, steady batches; `null` where not read. */
  coresBusy: number | null;
  /** What c independent processes gave on this runtime, from its cpu processes cell. */
  ceiling?: SpeedupEstimate;
  /** The runtime's noise floor, from the controls of all its cells. */
  noiseFloor: number;
  /** A process of this cell stopped at its time cap, and the pooled steady interval is still wider than ±5%. */
  capped: boolean;
  checksum: string;
}

/** Something a reader should see; an `error` means the results cannot be trusted. */
export interface Warning {
  severity: "error" | "warning" | "note";
  text: string;
}

/** Everything a report shows. */
export interface Report {
  plan: Plan;
  environment: {
    host: CellResult["record"]["host"] | undefined;
    runtimes: { name: string; version: string; engine: string }[];
  };
  /** One line per runtime: the answers, from the cpu workload. */
  verdict: string[];
  scaling: ScalingRow[];
  /** Each runtime's noise floor, from every control it measured. */
  noise: Record<string, NoiseFloor>;
  overhead: OverheadRecord[];
  kernels: KernelsRecord[];
  sync: SyncRecord[];
  warnings: Warning[];
  /** Runs of the plan with no record: failed, or not reached. */
  missing: string[];
}

/** The order rows are listed in. */
const RUNTIME_ORDER = ["node", "deno", "bun", "cpython"];
/** Node and Deno run the same engine: their single-thread figures should agree this closely. */
const SAME_ENGINE_TOLERANCE = 0.1;

/**
 * Summarizes a result set.
 *
 * @param plan Its plan.
 * @param cells Its finished runs.
 * @returns The report's content.
 */
export function buildReport(plan: Plan, cells: readonly CellResult[]): Report {
  const warnings: Warning[] = [];
  const runs = cells.filter((c) => c.record.schema === "truepar.run/1").map((c) => ({ key: c.cell.key, record: c.record as unknown as RunRecord }));
  const noise: Record<string, NoiseFloor> = {};
  for (const runtime of new Set(runs.map((r) => r.record.runtime.name))) {
    const ratios = runs.filter((r) => r.record.runtime.name === runtime).flatMap((r) => r.record.noise?.ratios ?? []);
    noise[runtime] = measureNoiseFloor(ratios.length > 0 ? ratios : [1]);
  }
  const ceilings = new Map<string, SpeedupEstimate>();
  for (const { record } of runs) {
    for (const point of record.points) {
      if (point.ceiling === undefined) continue;
      const key = `${record.runtime.name} ${point.concurrency}`;
      const base = record.points.find((p) => p.concurrency === Math.min(...record.points.map((q) => q.concurrency)))!;
      const earlier = ceilings.get(key)?.ratios ?? [];
      ceilings.set(key, estimateSpeedup([...earlier, ...pairedRatios(base.ceiling!.samplesMs, point.ceiling.samplesMs)]));
    }
  }
  const scaling: ScalingRow[] = [];
  for (const key of new Set(runs.map((r) => r.key))) {
    const records = runs.filter((r) => r.key === key).map((r) => r.record);
    const first = records[0]!;
    const levels = [...new Set(first.points.map((p) => p.concurrency))];
    const baseLevel = Math.min(...levels);
    const floor = noise[first.runtime.name]!;
    for (const concurrency of levels) {
      const pooled = (pick: (p: RunRecord["points"][number]) => number[]) => records.flatMap((r) => pick(r.points.find((p) => p.concurrency === concurrency)!));
      const ratios = (pick: (p: RunRecord["points"][number]) => number[]) =>
        records.flatMap((r) => pairedRatios(pick(r.points.find((p) => p.concurrency === baseLevel)!), pick(r.points.find((p) => p.concurrency === concurrency)!)));
      const cold = estimateSpeedup(ratios((p) => p.samplesMs));
      const warm = estimateSpeedup(ratios((p) => p.steadySamplesMs ?? p.batchSamplesMs));
      const busy = pooled((p) => (p.coresBusySamples ?? []).filter((v): v is number => v !== null));
      const point = first.points.find((p) => p.concurrency === concurrency)!;
      scaling.push({
        key,
        runtime: first.runtime.name,
        version: first.runtime.version,
        workload: first.workload.name,
        params: first.workload.params,
        strategy: first.strategy,
        concurrency,
        tasks: first.tasks,
        pairs: cold.ratios.length,
        total: summarizeSamples(pooled((p) => p.samplesMs)),
        batch: summarizeSamples(pooled((p) => p.batchSamplesMs)),
        steady: summarizeSamples(pooled((p) => p.steadySamplesMs ?? p.batchSamplesMs)),
        startupMedianMs: median(pooled((p) => p.startupSamplesMs)),
        speedup: cold.estimate,
        speedupCI: cold.ci,
        coverage: cold.coverage,
        evidence: concurrency === baseLevel ? "none" : judgeSpeedup(cold.ci, floor),
        batchSpeedup: median(ratios((p) => p.batchSamplesMs)),
        steadySpeedup: warm.estimate,
        steadySpeedupCI: warm.ci,
        steadyEvidence: concurrency === baseLevel ? "none" : judgeSpeedup(warm.ci, floor),
        coresBusy: busy.length > 0 ? median(busy) : null,
        ceiling: first.workload.name === "cpu" ? ceilings.get(`${first.runtime.name} ${concurrency}`) : undefined,
        noiseFloor: floor.floor,
        // Capped only if pooling every round still leaves the interval wider than ±5%.
        capped: records.some((r) => r.capped === true) && concurrency !== baseLevel && !isPrecise(warm, 0.05),
        checksum: point.checksum,
      });
    }
  }
  scaling.sort((a, b) => order(a) - order(b) || a.workload.localeCompare(b.workload) || a.concurrency - b.concurrency);
  for (const row of scaling) {
    const label = `${row.runtime} ${row.workload} ${row.strategy} at ${row.concurrency}`;
    if (row.total.outliers > 0) {
      warnings.push({ severity: "warning", text: `${label}: ${row.total.outliers} of ${row.total.n} samples are statistical outliers (modified z-score above 14): the machine was busy; rerun, or raise the repeats` });
    }
  }
  const capped = [...new Set(scaling.filter((r) => r.capped).map((r) => r.key))];
  if (capped.length > 0) warnings.push({ severity: "note", text: `cells that hit their time cap before every steady interval was within ±5%: ${capped.join(", ")}` });

  for (const workload of new Set(scaling.map((r) => r.workload))) {
    const byParams = new Map<string, Set<string>>();
    for (const row of scaling.filter((r) => r.workload === workload)) {
      const params = JSON.stringify(row.params);
      byParams.set(params, (byParams.get(params) ?? new Set()).add(row.checksum));
    }
    for (const [params, checksums] of byParams) {
      if (checksums.size > 1) warnings.push({ severity: "error", text: `${workload} ${params}: cells disagree on the checksum (${[...checksums].join(" ≠ ")}): the results cannot be trusted` });
    }
  }
  const single = (runtime: string) => scaling.find((r) => r.runtime === runtime && r.workload === "cpu" && r.strategy === "sequential" && r.concurrency === 1);
  const node = single("node");
  const deno = single("deno");
  if (node && deno && JSON.stringify(node.params) === JSON.stringify(deno.params)) {
    const gap = Math.abs(node.steady.median - deno.steady.median) / Math.min(node.steady.median, deno.steady.median);
    if (gap > SAME_ENGINE_TOLERANCE) {
      warnings.push({ severity: "warning", text: `node and deno both run V8 (at different versions), yet their single-thread cpu medians differ by ${(gap * 100).toFixed(0)}% (${node.steady.median.toFixed(1)} vs ${deno.steady.median.toFixed(1)} ms, steady): suspect the method (a loader, JIT tiering, a busy machine) before the runtime` });
    }
  }

  const records = (schema: string) => cells.filter((c) => c.record.schema === schema).map((c) => c.record).sort((a, b) => order({ runtime: a.runtime.name }) - order({ runtime: b.runtime.name }));
  const runtimes = new Map<string, { name: string; version: string; engine: string }>();
  for (const { record } of cells) runtimes.set(record.runtime.name, record.runtime);
  const kernels = records("truepar.kernels/1") as unknown as KernelsRecord[];
  for (const record of kernels) {
    for (const kernel of record.kernels) {
      if (!kernel.agree) warnings.push({ severity: "error", text: `${record.runtime.name} kernel ${kernel.name}: the variants disagree on the checksum ${JSON.stringify(kernel.checksums)}` });
    }
  }
  const done = new Set(cells.map((c) => `${c.cell.key}@${c.round}`));
  return {
    plan,
    environment: { host: cells[0]?.record.host, runtimes: [...runtimes.values()].sort((a, b) => order({ runtime: a.name }) - order({ runtime: b.name })) },
    verdict: writeVerdict(scaling),
    scaling,
    noise,
    overhead: records("truepar.overhead/1") as unknown as OverheadRecord[],
    kernels,
    sync: records("truepar.sync/1") as unknown as SyncRecord[],
    warnings,
    missing: plan.order.filter((name) => !done.has(name) && !done.has(`${name}@1`)),
  };
}

/**
 * The answers, one line per runtime, from the cpu workload at its largest
 * level: does cpu work run truly in parallel in workers, in processes, on
 * the event loop — with the steady speedup, its interval and the cores busy.
 *
 * @param scaling The report's rows.
 * @returns One line per runtime.
 */
export function writeVerdict(scaling: readonly ScalingRow[]): string[] {
  const lines: string[] = [];
  for (const runtime of new Set(scaling.filter((r) => r.workload === "cpu").map((r) => r.runtime))) {
    const rows = scaling.filter((r) => r.runtime === runtime && r.workload === "cpu");
    const top = Math.max(...rows.map((r) => r.concurrency));
    const answers = (["workers", "processes", "async"] as const).flatMap((strategy) => {
      const row = rows.find((r) => r.strategy === strategy && r.concurrency === top);
      if (row === undefined) return [];
      const where = strategy === "async" ? "on the event loop" : runtime === "cpython" && strategy === "workers" ? "in threads" : `in ${strategy}`;
      const parallel = ranInParallel(row, top);
      const figures = `${formatSpeedup(row.steadySpeedup, row.steadySpeedupCI)}${row.coresBusy === null ? "" : `, ${row.coresBusy.toFixed(2)} cores busy`}`;
      return [`${parallel ? "yes" : row.steadyEvidence === "none" ? "no" : "no, slower"} ${where} (${figures})`];
    });
    const version = rows[0]!.version;
    lines.push(`${runtime} ${version}: cpu work truly in parallel at ${top}? ${answers.join("; ")}`);
  }
  return lines;
}

function order(row: { runtime: string; workload?: string; strategy?: string }): number {
  const runtime = RUNTIME_ORDER.indexOf(row.runtime);
  const strategy = row.strategy === undefined ? 0 : STRATEGIES.indexOf(row.strategy as never);
  return (runtime === -1 ? 99 : runtime) * 10 + strategy;
}

/**
 * The scaling tables: per workload, runtimes as rows and strategy × level as
 * columns. At the smallest level, the cold median time; above it, the steady
 * speedup with its 95% interval and the cores busy, `~` where the interval
 * does not clear the noise floor. Sequential columns are the control.
 *
 * @param report The report.
 * @returns One table per workload: a title, a header, rows and a note of the cold speedups.
 */
export function scalingTables(report: Report): { title: string; header: string[]; rows: string[][]; note: string }[] {
  const tables = [];
  for (const workload of new Set(report.scaling.map((r) => r.workload))) {
    const rows = report.scaling.filter((r) => r.workload === workload);
    const label = (r: { strategy: string; concurrency: number }) => `${r.strategy === "sequential" ? "control" : r.strategy} ${r.concurrency}`;
    const columns = [...new Set(rows.map(label))]
      .sort((a, b) => rank(a) - rank(b) || Number(a.split(" ")[1]) - Number(b.split(" ")[1]));
    const runtimes = [...new Set(rows.map((r) => r.runtime))];
    const paramsOf = (runtime: string) => Object.entries(rows.find((r) => r.runtime === runtime)!.params).map(([k, v]) => `${k}=${v}`).join(", ");
    const distinctParams = new Set(runtimes.map(paramsOf));
    tables.push({
      title: `${workload} (${[...distinctParams].join(" / ")}; ${rows[0]!.tasks} tasks) · at 1: cold median s · above: steady speedup [95% CI] and cores busy; ~ within the noise floor`,
      header: ["runtime", ...columns],
      rows: runtimes.map((runtime) => [
        runtime === "cpython" ? "cpython (threads)" : runtime,
        ...columns.map((column) => {
          const row = rows.find((r) => r.runtime === runtime && label(r) === column);
          if (row === undefined) return "-";
          const base = row.concurrency === Math.min(...rows.filter((r) => r.key === row.key).map((r) => r.concurrency));
          if (base) return `${(row.total.median / 1000).toFixed(3)} s`;
          return `${row.steadyEvidence === "none" ? "~" : ""}${formatSpeedup(row.steadySpeedup, row.steadySpeedupCI)}${row.coresBusy === null ? "" : ` ${row.coresBusy.toFixed(1)}c`}`;
        }),
      ]),
      note: rows.filter((r) => (r.strategy === "workers" || r.strategy === "processes") && r.concurrency > 1)
        .map((r) => `${r.runtime} ${r.strategy} ${r.concurrency}: ${formatSpeedup(r.speedup, r.speedupCI)}`).join(" · "),
    });
  }
  return tables;
}

function rank(column: string): number {
  return ["control", "async", "workers", "processes"].indexOf(column.split(" ")[0]!);
}

/** The noise floor and the ceiling per runtime, as lines. */
function noiseLines(report: Report): string[] {
  return Object.entries(report.noise).map(([runtime, floor]) => {
    const ceiling = report.scaling.find((r) => r.runtime === runtime && r.ceiling !== undefined && r.concurrency > 1);
    const ceilingText = ceiling?.ceiling ? ` · ceiling at ${ceiling.concurrency}: ${formatSpeedup(ceiling.ceiling.estimate, ceiling.ceiling.ci)} (${ceiling.concurrency} independent processes, no messages)` : "";
    return `${runtime}: noise floor ±${(floor.floor * 100).toFixed(1)}% from ${floor.ratios.length} control pairs${ceilingText}`;
  });
}

/**
 * Lays a table out in columns of text.
 *
 * @param header The column names.
 * @param rows The rows.
 * @returns The lines.
 */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** The overhead table's header and rows. */
export function overheadTable(report: Report): { header: string[]; rows: string[][] } {
  const pair = (m: { rss: number; pss: number | null } | null) => (m === null ? "n/a" : `${m.rss.toFixed(1)} / ${m.pss?.toFixed(1) ?? "n/a"}`);
  return {
    header: ["runtime", "idle MB", "per worker MB", "per process MB", "worker start ms", "process start ms", "worker round trip µs", `spinning ${report.overhead[0]?.settings.spinMicros ?? "-"} µs`, "process round trip µs"],
    rows: report.overhead.map((r) => [
      r.runtime.name, pair(r.idleMB), pair(r.perWorkerMB), pair(r.perProcessMB),
      `${r.workerStartMs.median.toFixed(1)} (p90 ${r.workerStartMs.p90.toFixed(1)})`,
      `${r.processStartMs.median.toFixed(1)} (p90 ${r.processStartMs.p90.toFixed(1)})`,
      `${r.roundTripUs.median.toFixed(0)} (p99 ${r.roundTripUs.p99.toFixed(0)})`,
      r.spinRoundTripUs === undefined ? "-" : `${r.spinRoundTripUs.median.toFixed(0)} (p99 ${r.spinRoundTripUs.p99.toFixed(0)})`,
      `${r.processRoundTripUs.median.toFixed(0)} (p99 ${r.processRoundTripUs.p99.toFixed(0)})`,
    ]),
  };
}

/** The kernels table's header and rows. */
export function kernelsTable(report: Report): { header: string[]; rows: string[][] } {
  const ns = (value?: number) => (value === undefined ? "-" : value.toFixed(2));
  return {
    header: ["runtime", "kernel", "js ns", "wasm ns", "simd ns", "native ns", "wasm÷native", "1→2 workers js", "1→2 workers wasm", "checksums"],
    rows: report.kernels.flatMap((r) => r.kernels.map((k) => [
      r.runtime.name, k.name, ns(k.nsPerStep.js), ns(k.nsPerStep.wasm), ns(k.nsPerStep.wasmSimd), ns(k.nsPerStep.native),
      k.nsPerStep.native === undefined ? "-" : `${(k.nsPerStep.wasm / k.nsPerStep.native).toFixed(2)}x`,
      `${k.workerSpeedup.js.toFixed(2)}x`, `${k.workerSpeedup.wasm.toFixed(2)}x`, k.agree ? "agree" : "DISAGREE",
    ])),
  };
}

/** The sync table's header and rows. */
export function syncTable(report: Report): { header: string[]; rows: string[][] } {
  return {
    header: ["runtime", "plain ++ lost", "Atomics.add lost", "Mutex lost", "event loop lost", "thief: naive / Mutex balance", "semaphore: plain / bounded inside"],
    rows: report.sync.map((r) => [
      r.runtime.name,
      `${r.lostUpdates.plain.lost} of ${r.lostUpdates.plain.expected}`, String(r.lostUpdates.atomic.lost), String(r.lostUpdates.mutex.lost),
      `${r.eventLoopRace.lost} of ${r.eventLoopRace.expected}`,
      `${r.thief.naive.balance} / ${r.thief.safe.balance}`,
      `${r.semaphore.plain.maxInside} / ${r.semaphore.bounded.maxInside}`,
    ]),
  };
}

/**
 * The report as text for the terminal.
 *
 * @param report The report.
 * @returns Lines of text.
 */
export function formatReportText(report: Report): string {
  const out: string[] = [];
  const { host, runtimes } = report.environment;
  if (host) out.push(`host: ${host.cpuModel} · ${host.cores} cores · ${(host.memoryBytes / 2 ** 30).toFixed(0)} GiB · ${host.os} ${host.arch}`);
  for (const r of runtimes) out.push(`${r.name} ${r.version} (${r.engine})`);
  out.push(`profile ${report.plan.profile} · seed ${report.plan.seed} · ${report.plan.order.length} runs in ${report.plan.rounds ?? 1} rounds over the matrix, each in a fresh process, in seeded random order`);
  if (report.verdict.length > 0) out.push("", "verdict (cpu work, steady state):", ...report.verdict.map((v) => `  ${v}`));
  for (const table of scalingTables(report)) {
    out.push("", table.title, textTable(table.header, table.rows));
    if (table.note) out.push(`  cold (fresh pool, start-up included): ${table.note}`);
  }
  if (Object.keys(report.noise).length > 0) out.push("", ...noiseLines(report));
  for (const [title, table] of [
    ["overhead · memory RSS / PSS in MB, latency medians", report.overhead.length && overheadTable(report)],
    ["kernels · ns per step, medians", report.kernels.length && kernelsTable(report)],
    ["sync · what each pitfall did, and each fix", report.sync.length && syncTable(report)],
  ] as const) {
    if (table) out.push("", title, textTable(table.header, table.rows));
  }
  if (report.warnings.length > 0) out.push("", "warnings:", ...report.warnings.map((w) => `  - ${w.severity}: ${w.text}`));
  if (report.missing.length > 0) out.push("", `missing cells (failed or not reached): ${report.missing.join(", ")}`);
  return out.join("\n");
}

/**
 * The report as Markdown, with every cell's spread.
 *
 * @param report The report.
 * @param charts The SVG files to show.
 * @returns The Markdown text.
 */
export function formatReportMarkdown(report: Report, charts: string[]): string {
  const { host, runtimes } = report.environment;
  const out = [
    "# truepar report",
    "",
    `Profile \`${report.plan.profile}\`, seed ${report.plan.seed}, started ${report.plan.startedAt}. The matrix ran in ${report.plan.rounds ?? 1} rounds, every cell in a fresh process each round, in a new seeded order each round, so drift hits every runtime alike; inside a cell the levels alternate in paired rounds with a control.`,
    "",
    ...(report.verdict.length > 0 ? ["## Verdict: does cpu work run truly in parallel?", "", ...report.verdict.map((v) => `- ${v}`), ""] : []),
    host ? `Host: ${host.cpuModel}, ${host.cores} cores, ${(host.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${host.os} ${host.arch}.` : "",
    "",
    ...runtimes.map((r) => `- ${r.name} ${r.version} (${r.engine})`),
  ];
  for (const table of scalingTables(report)) {
    out.push("", `## ${table.title}`, "", markdownTable(table.header, table.rows));
    if (table.note) out.push("", `Cold speedups (a fresh pool per sample, start-up and warm-up included, as the article measures): ${table.note}.`);
  }
  if (Object.keys(report.noise).length > 0) out.push("", ...noiseLines(report).map((line) => `- ${line}`));
  out.push("", "## Every scaling cell", "", "Speedups are medians of paired ratios with distribution-free 95% intervals (coverage given); the evidence column says whether the steady interval clears the runtime's noise floor.", "", markdownTable(
    ["runtime", "workload", "strategy", "c", "pairs", "cold median ms", "MAD ms", "min–max ms", "CV", "cold speedup", "steady median ms", "steady speedup", "coverage", "evidence", "cores busy"],
    report.scaling.map((r) => [r.runtime, r.workload, r.strategy, String(r.concurrency), String(r.pairs), r.total.median.toFixed(1), r.total.mad.toFixed(1),
      `${r.total.min.toFixed(1)}–${r.total.max.toFixed(1)}`, r.total.cv.toFixed(3), formatSpeedup(r.speedup, r.speedupCI), r.steady.median.toFixed(1),
      formatSpeedup(r.steadySpeedup, r.steadySpeedupCI), `${(r.coverage * 100).toFixed(0)}%`, r.steadyEvidence, r.coresBusy?.toFixed(2) ?? "n/a"]),
  ));
  for (const [title, table] of [
    ["Overhead (memory RSS / PSS in MB)", report.overhead.length && overheadTable(report)],
    ["Kernels (ns per step)", report.kernels.length && kernelsTable(report)],
    ["Sync", report.sync.length && syncTable(report)],
  ] as const) {
    if (table) out.push("", `## ${title}`, "", markdownTable(table.header, table.rows));
  }
  if (charts.length > 0) out.push("", "## Charts", "", ...charts.map((chart) => `![${chart}](${chart})`));
  out.push("", "## Warnings", "", ...(report.warnings.length ? report.warnings.map((w) => `- ${w.severity}: ${w.text}`) : ["None."]));
  if (report.missing.length) out.push("", `Missing cells (failed or not reached): ${report.missing.join(", ")}.`);
  return out.join("\n") + "\n";
}

/**
 * The overhead, kernels and sync tables as CSV files, one per experiment
 * that has records: the same columns as the report's tables.
 *
 * @param report The report.
 * @returns File name and CSV text, for each.
 */
export function experimentCsvs(report: Report): { file: string; csv: string }[] {
  const files: { file: string; csv: string }[] = [];
  for (const [file, table] of [
    ["overhead.csv", report.overhead.length && overheadTable(report)],
    ["kernels.csv", report.kernels.length && kernelsTable(report)],
    ["sync.csv", report.sync.length && syncTable(report)],
  ] as const) {
    if (table) files.push({ file, csv: [table.header, ...table.rows].map((row) => row.map(quoteCsv).join(",")).join("\n") + "\n" });
  }
  return files;
}

function quoteCsv(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One CSV row per scaling cell, with its spread.
 *
 * @param report The report.
 * @returns The CSV text, header first.
 */
export function toCsv(report: Report): string {
  const header = ["runtime", "version", "workload", "params", "strategy", "concurrency", "tasks", "n", "median_ms", "mad_ms", "ci95_low_ms", "ci95_high_ms", "min_ms", "max_ms", "cv",
    "speedup", "speedup_ci_low", "speedup_ci_high", "steady_median_ms", "steady_speedup", "steady_speedup_ci_low", "steady_speedup_ci_high", "ci_coverage", "evidence",
    "cores_busy", "noise_floor", "ceiling_speedup", "batch_median_ms", "batch_speedup", "startup_median_ms", "checksum"];
  const rows = report.scaling.map((r) => [
    r.runtime, r.version, r.workload, JSON.stringify(r.params), r.strategy, r.concurrency, r.tasks, r.total.n, r.total.median, r.total.mad,
    r.total.ci95.low, r.total.ci95.high, r.total.min, r.total.max, r.total.cv, r.speedup, r.speedupCI[0], r.speedupCI[1], r.steady.median, r.steadySpeedup,
    r.steadySpeedupCI[0], r.steadySpeedupCI[1], r.coverage, r.steadyEvidence, r.coresBusy ?? "", r.noiseFloor, r.ceiling?.estimate ?? "",
    r.batch.median, r.batchSpeedup, r.startupMedianMs, r.checksum,
  ].map((value) => quoteCsv(String(value))).join(","));
  return [header.join(","), ...rows].join("\n") + "\n";
}
