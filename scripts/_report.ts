/**
 * From a result set to what a reader sees: tables with their spread, the
 * warnings, the CSV and the Markdown report.
 *
 * @module
 */

import type { KernelsRecord } from "../core/kernels_experiment.ts";
import type { OverheadRecord } from "../core/overhead.ts";
import type { RunRecord } from "../core/record.ts";
import { type SampleSummary, summarizeSamples } from "../core/stats.ts";
import { STRATEGIES } from "../core/strategies.ts";
import type { SyncRecord } from "../core/sync_experiment.ts";
import type { CellResult, Plan } from "./_results.ts";

/** One scaling cell, summarized. */
export interface ScalingRow {
  key: string;
  runtime: string;
  version: string;
  workload: string;
  params: Record<string, number>;
  strategy: string;
  concurrency: number;
  tasks: number;
  total: SampleSummary;
  batch: SampleSummary;
  startupMedianMs: number;
  /** Median at the smallest concurrency of the same runtime, workload and strategy, over this one's. */
  speedup: number;
  batchSpeedup: number;
  checksum: string;
}

/** Everything a report shows. */
export interface Report {
  plan: Plan;
  environment: {
    host: CellResult["record"]["host"] | undefined;
    runtimes: { name: string; version: string; engine: string }[];
  };
  scaling: ScalingRow[];
  overhead: OverheadRecord[];
  kernels: KernelsRecord[];
  sync: SyncRecord[];
  warnings: string[];
  /** Cells of the plan with no record: failed, or not reached. */
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
 * @param cells Its finished cells.
 * @returns The report's content.
 */
export function buildReport(plan: Plan, cells: readonly CellResult[]): Report {
  const warnings: string[] = [];
  const scaling: ScalingRow[] = [];
  for (const { cell, record } of cells) {
    if (record.schema !== "truepar.run/1") continue;
    const run = record as unknown as RunRecord;
    const point = run.points[0]!;
    const row: ScalingRow = {
      key: cell.key,
      runtime: run.runtime.name,
      version: run.runtime.version,
      workload: run.workload.name,
      params: run.workload.params,
      strategy: run.strategy,
      concurrency: point.concurrency,
      tasks: run.tasks,
      total: summarizeSamples(point.samplesMs),
      batch: summarizeSamples(point.batchSamplesMs),
      startupMedianMs: point.startupMedianMs,
      speedup: 1,
      batchSpeedup: 1,
      checksum: point.checksum,
    };
    scaling.push(row);
    const label = `${row.runtime} ${row.workload} ${row.strategy} at ${row.concurrency}`;
    if (row.total.outliers > 0) {
      warnings.push(`${label}: ${row.total.outliers} of ${row.total.n} samples are statistical outliers (modified z-score above 14): the machine was busy; rerun, or raise the repeats`);
    }
    if (row.total.firstSlower) {
      warnings.push(`${label}: the first timed sample was much slower than the rest: warm-up was too short`);
    }
  }
  for (const row of scaling) {
    const peers = scaling.filter((r) => r.runtime === row.runtime && r.workload === row.workload && r.strategy === row.strategy);
    const base = peers.reduce((a, b) => (b.concurrency < a.concurrency ? b : a));
    row.speedup = base.total.median / row.total.median;
    row.batchSpeedup = base.batch.median / row.batch.median;
  }
  scaling.sort((a, b) => order(a) - order(b) || a.concurrency - b.concurrency);

  for (const workload of new Set(scaling.map((r) => r.workload))) {
    const byParams = new Map<string, Set<string>>();
    for (const row of scaling.filter((r) => r.workload === workload)) {
      const params = JSON.stringify(row.params);
      byParams.set(params, (byParams.get(params) ?? new Set()).add(row.checksum));
    }
    for (const [params, checksums] of byParams) {
      if (checksums.size > 1) warnings.push(`${workload} ${params}: cells disagree on the checksum (${[...checksums].join(" ≠ ")}): the results cannot be trusted`);
    }
  }
  const single = (runtime: string) => scaling.find((r) => r.runtime === runtime && r.workload === "cpu" && r.strategy === "sequential" && r.concurrency === 1);
  const node = single("node");
  const deno = single("deno");
  if (node && deno && JSON.stringify(node.params) === JSON.stringify(deno.params)) {
    const gap = Math.abs(node.total.median - deno.total.median) / Math.min(node.total.median, deno.total.median);
    if (gap > SAME_ENGINE_TOLERANCE) {
      warnings.push(`node and deno both run V8, yet their single-thread cpu medians differ by ${(gap * 100).toFixed(0)}% (${node.total.median.toFixed(1)} vs ${deno.total.median.toFixed(1)} ms): suspect the method (a loader, JIT tiering, a busy machine), not the runtime`);
    }
  }

  const records = (schema: string) => cells.filter((c) => c.record.schema === schema).map((c) => c.record).sort((a, b) => order({ runtime: a.runtime.name }) - order({ runtime: b.runtime.name }));
  const runtimes = new Map<string, { name: string; version: string; engine: string }>();
  for (const { record } of cells) runtimes.set(record.runtime.name, record.runtime);
  const kernels = records("truepar.kernels/1") as unknown as KernelsRecord[];
  for (const record of kernels) {
    for (const kernel of record.kernels) {
      if (!kernel.agree) warnings.push(`${record.runtime.name} kernel ${kernel.name}: the variants disagree on the checksum ${JSON.stringify(kernel.checksums)}`);
    }
  }
  const done = new Set(cells.map((c) => c.cell.key));
  return {
    plan,
    environment: { host: cells[0]?.record.host, runtimes: [...runtimes.values()].sort((a, b) => order({ runtime: a.name }) - order({ runtime: b.name })) },
    scaling,
    overhead: records("truepar.overhead/1") as unknown as OverheadRecord[],
    kernels,
    sync: records("truepar.sync/1") as unknown as SyncRecord[],
    warnings,
    missing: plan.order.filter((key) => !done.has(key)),
  };
}

function order(row: { runtime: string; workload?: string; strategy?: string }): number {
  const runtime = RUNTIME_ORDER.indexOf(row.runtime);
  const strategy = row.strategy === undefined ? 0 : STRATEGIES.indexOf(row.strategy as never);
  return (runtime === -1 ? 99 : runtime) * 10 + strategy;
}

/**
 * The scaling tables: per workload, runtimes as rows and strategy × concurrency
 * as columns, each cell `median ±MAD speedup`.
 *
 * @param report The report.
 * @returns One table per workload: a title, a header and rows.
 */
export function scalingTables(report: Report): { title: string; header: string[]; rows: string[][]; note: string }[] {
  const tables = [];
  for (const workload of new Set(report.scaling.map((r) => r.workload))) {
    const rows = report.scaling.filter((r) => r.workload === workload);
    const columns = [...new Set(rows.map((r) => `${r.strategy} ${r.concurrency}`))]
      .sort((a, b) => STRATEGIES.indexOf(a.split(" ")[0] as never) - STRATEGIES.indexOf(b.split(" ")[0] as never) || Number(a.split(" ")[1]) - Number(b.split(" ")[1]));
    const runtimes = [...new Set(rows.map((r) => r.runtime))];
    const paramsOf = (runtime: string) => Object.entries(rows.find((r) => r.runtime === runtime)!.params).map(([k, v]) => `${k}=${v}`).join(", ");
    const distinctParams = new Set(runtimes.map(paramsOf));
    tables.push({
      title: `${workload} (${[...distinctParams].join(" / ")}; ${rows[0]!.tasks} tasks) · median s ±MAD and speedup, pool start included`,
      header: ["runtime", ...columns],
      rows: runtimes.map((runtime) => [
        runtime === "cpython" ? "cpython (threads)" : runtime,
        ...columns.map((column) => {
          const row = rows.find((r) => r.runtime === runtime && `${r.strategy} ${r.concurrency}` === column);
          return row === undefined ? "-" : `${(row.total.median / 1000).toFixed(3)}±${(row.total.mad / 1000).toFixed(3)} ${row.speedup.toFixed(2)}x`;
        }),
      ]),
      note: rows.filter((r) => (r.strategy === "workers" || r.strategy === "processes") && r.concurrency > 1 && r.runtime !== "cpython")
        .map((r) => `${r.runtime} ${r.strategy} ${r.concurrency}: ${r.batchSpeedup.toFixed(2)}x`).join(" · "),
    });
  }
  return tables;
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
  out.push(`profile ${report.plan.profile} · seed ${report.plan.seed} · ${report.plan.order.length} cells, each in a fresh process, in seeded random order`);
  for (const table of scalingTables(report)) {
    out.push("", table.title, textTable(table.header, table.rows));
    if (table.note) out.push(`  from pool ready: ${table.note}`);
  }
  for (const [title, table] of [
    ["overhead · memory RSS / PSS in MB, latency medians", report.overhead.length && overheadTable(report)],
    ["kernels · ns per step, medians", report.kernels.length && kernelsTable(report)],
    ["sync · what each pitfall did, and each fix", report.sync.length && syncTable(report)],
  ] as const) {
    if (table) out.push("", title, textTable(table.header, table.rows));
  }
  if (report.warnings.length > 0) out.push("", "warnings:", ...report.warnings.map((w) => `  - ${w}`));
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
    `Profile \`${report.plan.profile}\`, seed ${report.plan.seed}, started ${report.plan.startedAt}. Every cell ran in a fresh process, the cells in seeded random order, so drift hits every runtime alike.`,
    "",
    host ? `Host: ${host.cpuModel}, ${host.cores} cores, ${(host.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${host.os} ${host.arch}.` : "",
    "",
    ...runtimes.map((r) => `- ${r.name} ${r.version} (${r.engine})`),
  ];
  for (const table of scalingTables(report)) {
    out.push("", `## ${table.title}`, "", markdownTable(table.header, table.rows));
    if (table.note) out.push("", `Speedup from the pool being ready (steady state): ${table.note}.`);
  }
  out.push("", "## Every scaling cell", "", markdownTable(
    ["runtime", "workload", "strategy", "c", "n", "median ms", "MAD ms", "95% CI of median (coverage)", "min ms", "max ms", "CV", "speedup", "from ready"],
    report.scaling.map((r) => [r.runtime, r.workload, r.strategy, String(r.concurrency), String(r.total.n), r.total.median.toFixed(1), r.total.mad.toFixed(1),
      `${r.total.ci95.low.toFixed(1)}–${r.total.ci95.high.toFixed(1)} (${(r.total.ci95.coverage * 100).toFixed(0)}%)`, r.total.min.toFixed(1), r.total.max.toFixed(1),
      r.total.cv.toFixed(3), `${r.speedup.toFixed(2)}x`, `${r.batchSpeedup.toFixed(2)}x`]),
  ));
  for (const [title, table] of [
    ["Overhead (memory RSS / PSS in MB)", report.overhead.length && overheadTable(report)],
    ["Kernels (ns per step)", report.kernels.length && kernelsTable(report)],
    ["Sync", report.sync.length && syncTable(report)],
  ] as const) {
    if (table) out.push("", `## ${title}`, "", markdownTable(table.header, table.rows));
  }
  if (charts.length > 0) out.push("", "## Charts", "", ...charts.map((chart) => `![${chart}](${chart})`));
  out.push("", "## Warnings", "", ...(report.warnings.length ? report.warnings.map((w) => `- ${w}`) : ["None."]));
  if (report.missing.length) out.push("", `Missing cells (failed or not reached): ${report.missing.join(", ")}.`);
  return out.join("\n") + "\n";
}

/**
 * One CSV row per scaling cell, with its spread.
 *
 * @param report The report.
 * @returns The CSV text, header first.
 */
export function toCsv(report: Report): string {
  const header = ["runtime", "version", "workload", "params", "strategy", "concurrency", "tasks", "n", "median_ms", "mad_ms", "ci95_low_ms", "ci95_high_ms", "min_ms", "max_ms", "cv", "speedup", "batch_median_ms", "batch_speedup", "startup_median_ms", "checksum"];
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const rows = report.scaling.map((r) => [
    r.runtime, r.version, r.workload, JSON.stringify(r.params), r.strategy, r.concurrency, r.tasks, r.total.n, r.total.median, r.total.mad,
    r.total.ci95.low, r.total.ci95.high, r.total.min, r.total.max, r.total.cv, r.speedup, r.batch.median, r.batchSpeedup, r.startupMedianMs, r.checksum,
  ].map((value) => quote(String(value))).join(","));
  return [header.join(","), ...rows].join("\n") + "\n";
}
