/**
 * The scaling experiment's part of the report: every cell's levels pooled
 * over the matrix's rounds, the verdict, the tables, the noise floor and the
 * ceiling per runtime, the charts, the CSV and the warnings.
 *
 * @module
 */

import type { RunRecord as CoreRunRecord } from "./record.ts";
import {
  estimateSpeedup,
  type Evidence,
  isPrecise,
  judgeSpeedup,
  measureNoiseFloor,
  type NoiseFloor,
  pairedRatios,
  ranInParallel,
  type SpeedupEstimate,
} from "../../core/measure/speedup.ts";
import { median, type SampleSummary, summarizeSamples } from "../../core/measure/stats.ts";
import { STRATEGIES } from "./strategies.ts";
import { runtimeRank } from "../../runtimes/registry.ts";
import { rowLabel, strategiesOf, strategyName } from "./runtimes.ts";
import { WORKLOADS } from "../../core/workloads/mod.ts";
import type { ChartSpec, ReportCell, Section, Table, VerdictMatrix, Warning } from "../_experiment.ts";
import { runtimeLabels } from "../_experiment.ts";
import { amdahl, type AmdahlFit, fitAmdahl, pairedRounds } from "../../core/measure/amdahl.ts";
import { formatBudget, formatSpeedup, PART_NAMES } from "./format.ts";
import { BUDGET_PARTS, budgetInSpeedup, largestPart, poolBudgets, type TimeBudget } from "../../core/measure/budget.ts";

/** Records as read back: fields added since a result set was written may be missing. */
type RunRecord = Omit<CoreRunRecord, "points"> & {
  points: (
    & Omit<CoreRunRecord["points"][number], "steadySamplesMs" | "coresBusySamples">
    & Partial<Pick<CoreRunRecord["points"][number], "steadySamplesMs" | "coresBusySamples">>
  )[];
};

/** One level of one scaling cell, pooled over the matrix's rounds. */
export interface ScalingRow {
  key: string;
  /** The runtime's name and version. */
  runtime: string;
  version: string;
  /** How tables name it: its name, with its version where the report holds two versions of it. */
  label: string;
  /** The cores the run could use. */
  cores: number;
  /** The engine and its version, as the record names it. */
  engine: string;
  workload: string;
  params: Record<string, number>;
  /** A user's function: its arguments. */
  args?: unknown[];
  strategy: string;
  concurrency: number;
  /** The cell's smallest level: the speedups' base. */
  baseLevel: number;
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
  /** Above the cell's smallest level: where the time went, over every process that measured it; absent in records made before budgets. */
  budget?: { cold: TimeBudget; steady: TimeBudget };
  /** The most speedup the machine allows at this level (the cores' worth, or the level where the tasks wait). */
  limit?: number;
  /** Where the steady interval's top passes that limit by more than the noise floor: what produced it, in a sentence and in a few words. */
  beyond?: { text: string; short: string };
  checksum: string;
}

/** The scaling part of a report. */
export interface ScalingPart {
  rows: ScalingRow[];
  /** Amdahl's law fitted to every round of a cell with three levels or more, by cell key. */
  amdahl: Record<string, AmdahlFit>;
  /** Each runtime's noise floor, from every control it measured, by label. */
  noise: Record<string, NoiseFloor>;
}

/** Two runtimes on one V8 version: their single-thread figures should agree this closely. */
const SAME_ENGINE_TOLERANCE = 0.1;

/**
 * Pools every scaling cell's paired rounds.
 *
 * @param cells The scaling records of a result set.
 * @returns The rows and the noise floors.
 */
export function summarizeScaling(cells: readonly ReportCell<CoreRunRecord>[]): ScalingPart {
  const runs = cells.map((c) => ({ key: c.key, record: c.record as unknown as RunRecord }));
  const label = runtimeLabels(runs.map((r) => r.record));
  const noise: Record<string, NoiseFloor> = {};
  for (const runtime of new Set(runs.map((r) => label(r.record)))) {
    const ratios = runs.filter((r) => label(r.record) === runtime).flatMap((r) => r.record.noise?.ratios ?? []);
    noise[runtime] = measureNoiseFloor(ratios.length > 0 ? ratios : [1]);
  }
  const ceilings = new Map<string, SpeedupEstimate>();
  for (const { record } of runs) {
    for (const point of record.points) {
      if (point.ceiling === undefined) continue;
      const key = `${label(record)} ${point.concurrency}`;
      const base = record.points.find((p) => p.concurrency === Math.min(...record.points.map((q) => q.concurrency)))!;
      const earlier = ceilings.get(key)?.ratios ?? [];
      ceilings.set(
        key,
        estimateSpeedup([...earlier, ...pairedRatios(base.ceiling!.samplesMs, point.ceiling.samplesMs)]),
      );
    }
  }
  const rows: ScalingRow[] = [];
  const amdahl: Record<string, AmdahlFit> = {};
  for (const key of new Set(runs.map((r) => r.key))) {
    const records = runs.filter((r) => r.key === key).map((r) => r.record);
    const first = records[0]!;
    const levels = [...new Set(first.points.map((p) => p.concurrency))];
    const baseLevel = Math.min(...levels);
    const floor = noise[label(first)]!;
    // Amdahl's law, over every round of every process that measured the cell.
    const fit = levels.length < 3 ? undefined : fitAmdahl(
      records.flatMap((r) =>
        pairedRounds(
          r.points.map((p) => ({ concurrency: p.concurrency, steadyMs: p.steadySamplesMs ?? p.batchSamplesMs })),
        )
      ),
      baseLevel,
      first.host.cores,
    );
    if (fit) amdahl[key] = fit;
    for (const concurrency of levels) {
      const pooled = (pick: (p: RunRecord["points"][number]) => number[]) =>
        records.flatMap((r) => pick(r.points.find((p) => p.concurrency === concurrency)!));
      const ratios = (pick: (p: RunRecord["points"][number]) => number[]) =>
        records.flatMap((r) =>
          pairedRatios(
            pick(r.points.find((p) => p.concurrency === baseLevel)!),
            pick(r.points.find((p) => p.concurrency === concurrency)!),
          )
        );
      const cold = estimateSpeedup(ratios((p) => p.samplesMs));
      const warm = estimateSpeedup(ratios((p) => p.steadySamplesMs ?? p.batchSamplesMs));
      const busy = pooled((p) => (p.coresBusySamples ?? []).filter((v): v is number => v !== null));
      const point = first.points.find((p) => p.concurrency === concurrency)!;
      const budgets = records.map((r) => r.points.find((p) => p.concurrency === concurrency)?.budget);
      const budget = budgets.every((b) => b !== undefined) && budgets.length > 0
        ? { cold: poolBudgets(budgets.map((b) => b!.cold)), steady: poolBudgets(budgets.map((b) => b!.steady)) }
        : undefined;
      rows.push({
        key,
        runtime: first.runtime.name,
        version: first.runtime.version,
        label: label(first),
        cores: first.host.cores,
        engine: first.runtime.engine,
        workload: first.workload.name,
        params: first.workload.params,
        ...(first.workload.task && { args: first.workload.task.args }),
        strategy: first.strategy,
        concurrency,
        baseLevel,
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
        ceiling: first.workload.name === "cpu" ? ceilings.get(`${label(first)} ${concurrency}`) : undefined,
        noiseFloor: floor.floor,
        // Capped only if pooling every round still leaves the interval wider than ±5%.
        capped: records.some((r) => r.capped === true) && concurrency !== baseLevel && !isPrecise(warm, 0.05),
        checksum: point.checksum,
        ...(budget && { budget }),
        ...(point.limit && { limit: point.limit.speedup }),
        ...beyondLimit(
          records.map((r) => r.points.find((p) => p.concurrency === concurrency)!),
          warm.ci[1],
          floor.floor,
          budget?.steady.taskRatio,
        ),
      });
    }
  }
  rows.sort((a, b) =>
    order(a) - order(b) || a.label.localeCompare(b.label) || a.workload.localeCompare(b.workload) ||
    a.concurrency - b.concurrency
  );
  return { rows, noise, amdahl };
}

/**
 * The scaling part's verdict, tables, lines, charts and warnings.
 *
 * @param part From {@linkcode summarizeScaling}.
 * @returns The section.
 */
export function presentScaling(part: ScalingPart): Section {
  return {
    question: "Does cpu work run truly in parallel? (steady state)",
    verdict: writeVerdict(part.rows),
    matrix: verdictMatrix(part.rows),
    lines: noiseLines(part),
    tables: [
      ...compactTables(part.rows),
      ...scalingTables(part.rows),
      ...beyondTable(part.rows),
      ...budgetTable(part.rows),
      ...amdahlTable(part),
      everyCell(part.rows),
      csvTable(part.rows),
    ],
    charts: [...speedupCharts(part), ...budgetCharts(part.rows)],
    warnings: scalingWarnings(part.rows),
  };
}

function scalingWarnings(scaling: readonly ScalingRow[]): Warning[] {
  const warnings: Warning[] = [];
  const outliers = scaling.filter((row) => row.total.outliers > 0);
  if (outliers.length > 0) {
    warnings.push({
      severity: "warning",
      text: `${outliers.length} ${
        outliers.length === 1 ? "level" : "levels"
      } had an outlier sample (modified z-score above 14): the machine was busy; rerun, or raise the repeats`,
      cells: outliers.map((row) =>
        `${row.label} ${row.workload} ${
          rowStrategy(row)
        } at ${row.concurrency}: ${row.total.outliers} of ${row.total.n}`
      ),
    });
  }
  const capped = [...new Set(scaling.filter((r) => r.capped).map((r) => r.key))];
  if (capped.length > 0) {
    warnings.push({
      severity: "note",
      text: `${capped.length} ${
        capped.length === 1 ? "cell" : "cells"
      } hit their time cap before every steady interval was within ±5%`,
      cells: capped,
    });
  }
  for (const workload of new Set(scaling.map((r) => r.workload))) {
    const byParams = new Map<string, Set<string>>();
    for (const row of scaling.filter((r) => r.workload === workload)) {
      const params = JSON.stringify(row.args === undefined ? row.params : { args: row.args });
      byParams.set(params, (byParams.get(params) ?? new Set()).add(row.checksum));
    }
    for (const [params, checksums] of byParams) {
      if (checksums.size > 1) {
        warnings.push({
          severity: "error",
          text: `${workload} ${params}: cells disagree on the checksum (${
            [...checksums].join(" ≠ ")
          }): the results cannot be trusted`,
        });
      }
    }
  }
  // The same engine at the same version should run the single-thread loop alike: a gap there is the method's. At
  // different versions a gap may be the engine's, and is only noted.
  const singles = scaling.filter((r) =>
    r.workload === "cpu" && r.strategy === "sequential" && r.concurrency === 1 && r.engine.startsWith("v8 ")
  );
  for (const [i, a] of singles.entries()) {
    for (const b of singles.slice(i + 1)) {
      if (JSON.stringify(a.params) !== JSON.stringify(b.params) || a.label === b.label) continue;
      const gap = Math.abs(a.steady.median - b.steady.median) / Math.min(a.steady.median, b.steady.median);
      if (gap <= SAME_ENGINE_TOLERANCE) continue;
      const [va, vb] = [a, b].map((r) => r.engine.split(" ")[1]!.split(".").slice(0, 2).join("."));
      const figures = `${(gap * 100).toFixed(0)}% (${a.steady.median.toFixed(1)} vs ${
        b.steady.median.toFixed(1)
      } ms, steady)`;
      warnings.push(
        va === vb
          ? {
            severity: "warning",
            text:
              `${a.label} and ${b.label} run the same V8 (${va}), yet their single-thread cpu medians differ by ${figures}: suspect the method (a loader, JIT tiering, a busy machine) before the runtime`,
          }
          : {
            severity: "note",
            text:
              `${a.label} (V8 ${va}) and ${b.label} (V8 ${vb}) run different versions of V8; their single-thread cpu medians differ by ${figures}`,
          },
      );
    }
  }
  return warnings;
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
  for (const runtime of new Set(scaling.filter((r) => r.workload === "cpu").map((r) => r.label))) {
    const rows = scaling.filter((r) => r.label === runtime && r.workload === "cpu");
    // The question is asked where it can be answered yes: the most workers that each have a core, or the first level above one.
    const top = topLevel(rows);
    const answers = (["workers", "processes", "async"] as const).flatMap((strategy) => {
      const row = rows.find((r) => r.strategy === strategy && r.concurrency === top);
      if (row === undefined) return [];
      const where = strategy === "async" ? "on the event loop" : `in ${strategyName(rows[0]!.runtime, strategy)}`;
      const parallel = ranInParallel(row, top);
      const figures = `${boundedSpeedup(row)}${
        row.coresBusy === null ? "" : `, ${row.coresBusy.toFixed(2)} cores busy`
      }`;
      const answer = parallel
        ? "yes"
        : row.steadyEvidence === "slowdown"
        ? "no, slower"
        : row.steadyEvidence === "speedup"
        ? "partly (a speedup, with fewer cores busy than workers)"
        : "no";
      return [`${answer} ${where} (${figures})`];
    });
    // A run held to fewer cores names them.
    const cores = rows[0]!.label.includes(" · ") ? ` · ${rows[0]!.label.split(" · ")[1]}` : "";
    lines.push(
      `${rows[0]!.runtime} ${rows[0]!.version}${cores}: cpu work truly in parallel at ${top}? ${answers.join("; ")}`,
    );
    for (const strategy of ["workers", "processes"] as const) {
      const row = rows.find((r) => r.strategy === strategy && r.concurrency === top);
      const why = row && explainShortfall(row);
      if (why) lines.push(`  ${why}`);
    }
  }
  return lines;
}

/**
 * What put a pooled steady interval's top past what the machine allows: the
 * rounds, among every process's, whose ratio is that top.
 */
function beyondLimit(
  points: readonly RunRecord["points"][number][],
  high: number,
  floor: number,
  taskRatio?: number,
): { beyond?: ScalingRow["beyond"] } {
  const limit = points[0]?.limit?.speedup;
  if (limit === undefined || high <= limit * (1 + floor)) return {};
  const [round] = points.flatMap((p) =>
    (p.limit?.roundsBeyond ?? []).filter((r) => r.batch === "steady" && Math.abs(r.ratio - high) < 1e-9)
  );
  const shorter = taskRatio !== undefined && taskRatio < 1 / (1 + floor) ? taskRatio : undefined;
  const [why, short] = round === undefined
    ? ["a round past the limit, from a record made before rounds were named", "see its records"]
    : round.baseMs > round.controlMs * (1 + floor)
    ? [
      `a round whose smallest level's sample was slow (${round.baseMs.toFixed(1)} ms; its control, the same work, ${
        round.controlMs.toFixed(1)
      })`,
      "a slow sample at the smallest level",
    ]
    : shorter !== undefined
    ? [
      `a round whose tasks ran faster side by side (${shorter.toFixed(2)}x as long, over every round)`,
      "tasks faster side by side",
    ]
    : [
      `a round whose sample at this level ran faster than the cores allow (${
        round.levelMs.toFixed(1)
      } ms): a clock, or a machine that changed speed`,
      "a fast sample here",
    ];
  return {
    beyond: {
      text: `its interval's top, ${high.toFixed(2)}x, is past the ${limit.toFixed(2)}x this machine allows: ${why}`,
      short,
    },
  };
}

/**
 * The verdict as a matrix: per runtime, cpu work in workers, in processes and
 * on the event loop at the verdict's level, each cell its steady speedup, its
 * interval and cores busy, toned by whether it ran truly in parallel and
 * shaded by its share of what the machine allows there.
 */
function verdictMatrix(scaling: readonly ScalingRow[]): VerdictMatrix | undefined {
  const cpu = scaling.filter((r) => r.workload === "cpu");
  if (cpu.length === 0) return undefined;
  const columns = [["workers", "workers (threads)"], ["processes", "processes"], ["async", "event loop"]] as const;
  const runtimes = [...new Set(cpu.map((r) => r.label))];
  return {
    title:
      "Does cpu work run truly in parallel? Steady speedup at the machine's cores [95% CI], cores busy; shade: share of what the machine allows",
    columns: columns.map(([, name]) => name),
    rows: runtimes.map((runtime) => {
      const own = cpu.filter((r) => r.label === runtime);
      const top = topLevel(own);
      return {
        label: runtime,
        cells: columns.map(([strategy]) => {
          const row = own.find((r) => r.strategy === strategy && r.concurrency === top);
          if (row === undefined) return null;
          const parallel = ranInParallel(row, top);
          const tone = parallel
            ? "yes"
            : row.steadyEvidence === "slowdown"
            ? "slower"
            : row.steadyEvidence === "speedup"
            ? "partly"
            : "no";
          const limit = Math.min(top, row.cores) / Math.min(row.baseLevel, row.cores);
          return {
            text: `${formatLevel(row)} of ${top}`,
            tone,
            share: row.steadySpeedup / limit,
            title: explainShortfall(row) ?? pastLimit(row) ?? "",
          };
        }),
      };
    }),
  };
}

/** How a row's strategy is named: its runtime's own name for its workers (CPython's threads), or the strategy. */
function rowStrategy(row: ScalingRow): string {
  return strategyName(row.runtime, row.strategy);
}

/** Short of this share of the cores, or of the machine's ceiling, a speedup's largest loss is named. */
const SHORTFALL = 0.9;

/**
 * Why a level's steady speedup falls short of the machine, when it falls
 * short of 90% of its cores or of the machine's ceiling: the part of its
 * time budget that cost the most.
 *
 * @param row A level of a cell.
 * @returns One sentence, or `undefined` when the speedup is not short or has no budget.
 */
export function explainShortfall(row: ScalingRow): string | undefined {
  if (row.budget === undefined || row.limit === undefined || row.concurrency === row.baseLevel) return undefined;
  const ofCores = row.steadySpeedup / row.limit;
  const ofCeiling = row.ceiling === undefined ? undefined : row.steadySpeedup / row.ceiling.estimate;
  if (ofCores >= SHORTFALL && (ofCeiling === undefined || ofCeiling >= SHORTFALL)) return undefined;
  const ideal = row.concurrency / row.baseLevel;
  const largest = largestPart(row.budget.steady.parts);
  const inSpeedup = budgetInSpeedup(row.budget.steady, row.steadySpeedup, ideal);
  const against = [
    `${(ofCores * 100).toFixed(0)}% of ${row.limit.toFixed(0)} cores`,
    ...(ofCeiling === undefined
      ? []
      : [`${(ofCeiling * 100).toFixed(0)}% of the machine's ceiling (${row.ceiling!.estimate.toFixed(2)}x)`]),
  ].join(", ");
  if (largest === undefined) {
    return `${row.label} ${rowStrategy(row)} at ${row.concurrency}: ${
      row.steadySpeedup.toFixed(2)
    }x is ${against}; no part of its time budget cost time`;
  }
  const cost = inSpeedup?.[largest] === undefined
    ? `${row.budget.steady.parts[largest]!.toFixed(1)} ms`
    : `−${inSpeedup[largest]!.toFixed(2)}`;
  const { workRatio, laneSpread } = row.budget.steady;
  const spread = laneSpread !== null && laneSpread >= 1.1
    ? `, one worker ${laneSpread.toFixed(2)}x another's (a core the host shares, or another JIT tier)`
    : "";
  const what = largest === "work" && workRatio !== null
    ? `work: the same tasks took ${workRatio.toFixed(2)}x the CPU time side by side${spread}`
    : PART_NAMES[largest];
  return `${row.label} ${rowStrategy(row)} at ${row.concurrency}: ${
    row.steadySpeedup.toFixed(2)
  }x is ${against}; the largest loss is ${what} (${cost})`;
}

function order(row: { runtime: string; strategy?: string }): number {
  const strategy = row.strategy === undefined ? 0 : STRATEGIES.indexOf(row.strategy as never);
  return runtimeRank(row.runtime) * 10 + strategy;
}

/**
 * The scaling tables: per workload, runtimes as rows and strategy × level as
 * columns. At the smallest level, the cold median time; above it, the steady
 * speedup with its 95% interval and the cores busy, `~` where the interval
 * does not clear the noise floor. Sequential columns are the control.
 *
 * @param scaling The rows.
 * @returns One table per workload: a title, a header, rows and a note of the cold speedups.
 */
function scalingTables(scaling: readonly ScalingRow[]): Table[] {
  const strategy = (column: string) => (column.startsWith("control") ? "sequential" : column.split(" ")[0]!);
  const applies = (row: ScalingRow, column: string) =>
    strategiesOf(row.runtime, WORKLOADS.get(row.workload)?.blocks).includes(strategy(column) as never);
  const tables: Table[] = [];
  for (const workload of new Set(scaling.map((r) => r.workload))) {
    const rows = scaling.filter((r) => r.workload === workload);
    const label = (r: { strategy: string; concurrency: number }) =>
      `${r.strategy === "sequential" ? "control" : r.strategy} ${r.concurrency}`;
    const columns = [...new Set(rows.map(label))]
      .sort((a, b) => rank(a) - rank(b) || Number(a.split(" ")[1]) - Number(b.split(" ")[1]));
    const runtimes = [...new Set(rows.map((r) => r.label))];
    const paramsOf = (runtime: string) => {
      const row = rows.find((r) => r.label === runtime)!;
      return row.args !== undefined
        ? `args ${JSON.stringify(row.args)}`
        : Object.entries(row.params).map(([k, v]) => `${k}=${v}`).join(", ");
    };
    const distinctParams = new Set(runtimes.map(paramsOf));
    const notApplicable = runtimes.some((runtime) =>
      columns.some((column) => !applies(rows.find((r) => r.label === runtime)!, column))
    );
    tables.push({
      id: `scaling-${workload}`,
      show: "markdown",
      why: runtimes.map((runtime) => {
        const notes = rows.filter((r) => r.label === runtime).flatMap((r) => {
          const why = pastLimit(r);
          return why ? [`${rowStrategy(r)} ${r.concurrency}: ${why}`] : [];
        });
        return notes.length > 0 ? notes.join("; ") : undefined;
      }),
      title: `${workload} (${[...distinctParams].join(" / ")}; ${
        rows[0]!.tasks
      } tasks) · at 1: cold median s · above: steady speedup [95% CI] and cores busy; ~ within the noise floor${
        notApplicable
          ? "; n/a: not on that runtime (a browser has no child processes, and its page may not block its main thread)"
          : ""
      }`,
      header: ["runtime", ...columns],
      rows: runtimes.map((runtime) => [
        rowLabel(rows.find((r) => r.label === runtime)!.runtime, runtime),
        ...columns.map((column) => {
          const row = rows.find((r) => r.label === runtime && label(r) === column);
          if (row !== undefined) return formatLevel(row);
          return applies(rows.find((r) => r.label === runtime)!, column) ? "-" : "n/a";
        }),
      ]),
      note: `cold, a fresh pool per sample, start-up and warm-up included, as the article measures: ${
        rows.filter((r) => (r.strategy === "workers" || r.strategy === "processes") && r.concurrency > 1)
          .map((r) => `${r.label} ${rowStrategy(r)} ${r.concurrency}: ${formatSpeedup(r.speedup, r.speedupCI)}`).join(
            " · ",
          )
      }`,
    });
  }
  return tables;
}

/**
 * What a level's figure owes it to, where it passes what the machine allows
 * by more than the noise floor: its tasks running faster side by side (waits
 * that fire sooner), or a slow sample at the smallest level putting its
 * interval's top there.
 *
 * @param row A level of a cell.
 * @returns A few words, or `undefined` where it stays within the limit.
 */
export function pastLimit(row: ScalingRow): string | undefined {
  // The sequential control's figures are the noise floor's own: its line says so.
  if (row.limit === undefined || row.concurrency === row.baseLevel || row.strategy === "sequential") return undefined;
  // The estimate itself past the limit, beyond the noise (its interval's ends bounded there say the rest).
  if (row.steadySpeedup <= row.limit * (1 + row.noiseFloor) || row.steadySpeedupCI[0] <= row.limit) return undefined;
  const limit = `${Number(row.limit.toFixed(2))}x`;
  const ratio = row.budget?.steady.taskRatio;
  return ratio !== undefined && ratio < 1 / (1 + row.noiseFloor)
    ? `past ${limit}: its tasks took ${ratio.toFixed(2)}x as long side by side`
    : `past ${limit}, which its time budget does not explain`;
}

/**
 * The terminal's table per workload: runtimes as rows, the event loop,
 * workers and processes at the verdict's level (the most workers that each
 * have a core) as columns, each the steady speedup, its interval and the
 * cores busy. Every level, the cold figures and the budgets are report.md's.
 */
function compactTables(scaling: readonly ScalingRow[]): Table[] {
  const columns = [["async", "event loop"], ["workers", "workers"], ["processes", "processes"]] as const;
  return [...new Set(scaling.map((r) => r.workload))].map((workload) => {
    const rows = scaling.filter((r) => r.workload === workload);
    const runtimes = [...new Set(rows.map((r) => r.label))];
    const levels = new Set(runtimes.map((runtime) => topLevel(rows.filter((r) => r.label === runtime))));
    const at = (runtime: string, strategy: string) => {
      const own = rows.filter((r) => r.label === runtime);
      return own.find((r) => r.strategy === strategy && r.concurrency === topLevel(own));
    };
    const params = [
      ...new Set(
        rows.map((r) =>
          r.args !== undefined
            ? `args ${JSON.stringify(r.args)}`
            : Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(", ")
        ),
      ),
    ];
    return {
      title: `${workload} (${params.join(" / ")}; ${rows[0]!.tasks} tasks) · steady speedup at ${
        [...levels].join(" or ")
      } [95% CI], cores busy · ~ within the noise floor · + an interval's end bounded by what the machine allows · every level, cold figures, budgets: report.md`,
      header: ["runtime", ...columns.map(([, name]) => name)],
      rows: runtimes.map((runtime) => [
        rowLabel(rows.find((r) => r.label === runtime)!.runtime, runtime),
        ...columns.map(([strategy]) => {
          const row = at(runtime, strategy);
          if (row !== undefined) return formatLevel(row);
          return strategiesOf(rows.find((r) => r.label === runtime)!.runtime, WORKLOADS.get(workload)?.blocks).includes(
              strategy,
            )
            ? "-"
            : "n/a";
        }),
      ]),
      why: runtimes.map((runtime) => {
        const notes = columns.flatMap(([strategy, name]) => {
          const row = at(runtime, strategy);
          const why = row && pastLimit(row);
          return why ? [`${name} ${why}`] : [];
        });
        return notes.length > 0 ? notes.join("; ") : undefined;
      }),
      show: "text" as const,
    };
  });
}

function rank(column: string): number {
  return ["control", "async", "workers", "processes"].indexOf(column.split(" ")[0]!);
}

/** The noise floor and the ceiling per runtime, as lines. */
function noiseLines(part: ScalingPart): string[] {
  const rank = (label: string) => runtimeRank(part.rows.find((r) => r.label === label)?.runtime ?? label);
  return Object.entries(part.noise).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)).map(
    ([runtime, floor]) => {
      const ceiling = part.rows.find((r) => r.label === runtime && r.ceiling !== undefined && r.concurrency > 1);
      const ceilingText = ceiling?.ceiling
        ? ` · ceiling at ${ceiling.concurrency}: ${
          formatSpeedup(ceiling.ceiling.estimate, ceiling.ceiling.ci)
        } (${ceiling.concurrency} independent processes, no messages)`
        : "";
      return `${runtime}: noise floor ±${
        (floor.floor * 100).toFixed(1)
      }% from ${floor.ratios.length} control pairs${ceilingText}`;
    },
  );
}

/** Intervals whose top passed what the machine allows, bounded there in every table: what produced each. report.md's. */
function beyondTable(scaling: readonly ScalingRow[]): Table[] {
  const rows = scaling.filter((r) => r.beyond !== undefined && r.strategy !== "sequential");
  if (rows.length === 0) return [];
  return [{
    title: "Interval ends past what the machine allows (shown bounded there, marked +): the rounds that put them there",
    show: "markdown",
    header: ["runtime", "workload", "strategy", "c", "what produced it"],
    rows: rows.map((r) => [r.label, r.workload, rowStrategy(r), String(r.concurrency), r.beyond!.text]),
  }];
}

/**
 * One CSV row per scaling cell, with its spread: results.csv.
 *
 * @param scaling The rows.
 * @returns The table, shown nowhere, written as CSV.
 */
function csvTable(scaling: readonly ScalingRow[]): Table {
  const header = [
    "runtime",
    "version",
    "workload",
    "params",
    "strategy",
    "concurrency",
    "tasks",
    "n",
    "median_ms",
    "mad_ms",
    "ci95_low_ms",
    "ci95_high_ms",
    "min_ms",
    "max_ms",
    "cv",
    "speedup",
    "speedup_ci_low",
    "speedup_ci_high",
    "steady_median_ms",
    "steady_speedup",
    "steady_speedup_ci_low",
    "steady_speedup_ci_high",
    "ci_coverage",
    "evidence",
    "cores_busy",
    "noise_floor",
    "ceiling_speedup",
    "batch_median_ms",
    "batch_speedup",
    "startup_median_ms",
    "checksum",
    "limit_speedup",
    ...(["steady", "cold"] as const).flatMap((batch) =>
      ["ideal_ms", "loss_ms", ...BUDGET_PARTS.map((p) => `${snake(p)}_ms`), "work_ratio"].map((f) =>
        `${batch}_budget_${f}`
      )
    ),
  ];
  const budgetCells = (budget: TimeBudget | undefined) =>
    budget === undefined
      ? Array(BUDGET_PARTS.length + 3).fill("")
      : [budget.idealMs, budget.lossMs, ...BUDGET_PARTS.map((p) => budget.parts[p] ?? ""), budget.workRatio ?? ""];
  const rows = scaling.map((r) =>
    [
      r.runtime,
      r.version,
      r.workload,
      JSON.stringify(r.params),
      r.strategy,
      r.concurrency,
      r.tasks,
      r.total.n,
      r.total.median,
      r.total.mad,
      r.total.ci95.low,
      r.total.ci95.high,
      r.total.min,
      r.total.max,
      r.total.cv,
      r.speedup,
      r.speedupCI[0],
      r.speedupCI[1],
      r.steady.median,
      r.steadySpeedup,
      r.steadySpeedupCI[0],
      r.steadySpeedupCI[1],
      r.coverage,
      r.steadyEvidence,
      r.coresBusy ?? "",
      r.noiseFloor,
      r.ceiling?.estimate ?? "",
      r.batch.median,
      r.batchSpeedup,
      r.startupMedianMs,
      r.checksum,
      r.limit ?? "",
      ...budgetCells(r.budget?.steady),
      ...budgetCells(r.budget?.cold),
    ].map(String)
  );
  return { title: "every scaling cell, raw", header, rows, show: "none", csv: "results.csv" };
}

/**
 * One level of a cell as a table shows it: at the cell's smallest level the
 * cold median time, above it the steady speedup with its interval and the
 * cores busy, `~` where the interval does not clear the noise floor.
 *
 * @param row The level.
 * @returns Such as `0.119 s` or `1.93x [1.85–1.96] 2.0c`.
 */
export function formatLevel(row: ScalingRow): string {
  if (row.concurrency === row.baseLevel) return `${(row.total.median / 1000).toFixed(3)} s`;
  return `${row.steadyEvidence === "none" ? "~" : ""}${boundedSpeedup(row)}${
    row.coresBusy === null ? "" : ` ${row.coresBusy.toFixed(1)}c`
  }`;
}

/**
 * A level's steady speedup and interval as every table and line prints it:
 * an interval whose top passes what the machine allows is bounded there and
 * marked `+` (report.md names the rounds past it).
 *
 * @param row The level.
 * @returns Such as `1.93x [1.85–1.96]` or `1.89x [1.44–2.00+]`.
 */
export function boundedSpeedup(row: ScalingRow): string {
  const bounded = row.beyond !== undefined && row.limit !== undefined;
  const ci: [number, number] = bounded
    ? [row.steadySpeedupCI[0], Math.max(row.limit!, row.steadySpeedup)]
    : row.steadySpeedupCI;
  const speedup = formatSpeedup(row.steadySpeedup, ci);
  return bounded ? speedup.replace("]", "+]") : speedup;
}

/** Amdahl's fit per cell of three levels or more: the serial fraction, its interval, and the limit it sets. */
function amdahlTable(part: ScalingPart): Table[] {
  const keys = Object.keys(part.amdahl).filter((key) =>
    part.rows.some((r) => r.key === key && r.strategy !== "sequential")
  );
  if (keys.length === 0) return [];
  return [{
    show: "markdown",
    title:
      "Amdahl's law fitted to each cell's rounds (levels above the cores count as the cores): the serial fraction [interval], the speedup it allows at most",
    csv: "amdahl.csv",
    header: ["runtime", "workload", "strategy", "serial fraction", "interval", "coverage", "at most", "better fit"],
    rows: keys.map((key) => {
      const row = part.rows.find((r) => r.key === key)!;
      const fit = part.amdahl[key]!;
      return [
        row.label,
        row.workload,
        row.strategy,
        fit.serialFraction.toFixed(3),
        `${fit.ci[0].toFixed(3)}–${fit.ci[1].toFixed(3)}`,
        `${(fit.coverage * 100).toFixed(0)}%`,
        fit.serialFraction < 0.001 ? "-" : `${(1 / fit.serialFraction).toFixed(1)}x`,
        fit.better === "gustafson" ? `Gustafson (${fit.gustafson.toFixed(3)})` : "Amdahl",
      ];
    }),
  }];
}

/** Every cell with its spread: report.md's detail. */
function everyCell(scaling: readonly ScalingRow[]): Table {
  return {
    title: "Every scaling cell",
    note:
      "Speedups are medians of paired ratios with distribution-free 95% intervals (coverage given); the evidence column says whether the steady interval clears the runtime's noise floor; the last, the steady speedup as a share of what c independent processes of the same runtime gave (the machine's ceiling, cpu only).",
    show: "markdown",
    header: [
      "runtime",
      "workload",
      "strategy",
      "c",
      "pairs",
      "cold median ms",
      "MAD ms",
      "min–max ms",
      "CV",
      "cold speedup",
      "steady median ms",
      "steady speedup",
      "coverage",
      "evidence",
      "cores busy",
      "of the ceiling",
    ],
    rows: scaling.map((
      r,
    ) => [
      r.label,
      r.workload,
      r.strategy,
      String(r.concurrency),
      String(r.pairs),
      r.total.median.toFixed(1),
      r.total.mad.toFixed(1),
      `${r.total.min.toFixed(1)}–${r.total.max.toFixed(1)}`,
      r.total.cv.toFixed(3),
      formatSpeedup(r.speedup, r.speedupCI),
      r.steady.median.toFixed(1),
      formatSpeedup(r.steadySpeedup, r.steadySpeedupCI),
      `${(r.coverage * 100).toFixed(0)}%`,
      r.steadyEvidence,
      r.coresBusy?.toFixed(2) ?? "n/a",
      r.ceiling && r.concurrency !== r.baseLevel
        ? `${((r.steadySpeedup / r.ceiling.estimate) * 100).toFixed(0)}%`
        : "-",
    ]),
  };
}

/** One chart per workload: steady speedup against concurrency with its interval, a panel per strategy, the ideal dashed. */
function speedupCharts(part: ScalingPart): ChartSpec[] {
  const scaling = part.rows;
  const runtimes = [...new Set(scaling.map((r) => r.label))];
  // Amdahl's fitted curve, at each measured level, beside the measured points.
  const fitted = (rows: readonly ScalingRow[]) =>
    rows.flatMap((r) => {
      const fit = part.amdahl[r.key];
      if (fit === undefined) return [];
      return [{
        runtime: r.label,
        strategy: r.strategy,
        concurrency: r.concurrency,
        amdahl: amdahl(Math.min(r.concurrency, r.cores) / Math.min(r.baseLevel, r.cores), fit.serialFraction),
      }];
    });
  return [...new Set(scaling.map((r) => r.workload))].map((workload) => {
    const rows = scaling.filter((r) => r.workload === workload);
    const levels = [...new Set(rows.map((r) => r.concurrency))].sort((a, b) => a - b);
    const strategies = STRATEGIES.filter((strategy) => rows.some((r) => r.strategy === strategy));
    const color = { field: "runtime", type: "nominal", sort: runtimes } as const;
    return {
      file: `speedup-${workload}.svg`,
      table: `scaling-${workload}`,
      title:
        `${workload}: steady speedup against concurrency with its 95% interval, one panel per strategy (sequential: the control); dashed grey: ideal; dotted: Amdahl's law fitted`,
      spec: {
        title: `${workload}: speedup by concurrency`,
        data: {
          values: [
            ...rows.map((r) => ({
              runtime: r.label,
              strategy: r.strategy,
              concurrency: r.concurrency,
              speedup: r.steadySpeedup,
              low: r.steadySpeedupCI[0],
              high: r.steadySpeedupCI[1],
            })),
            ...strategies.flatMap((strategy) =>
              levels.map((c) => ({ runtime: "ideal", strategy, concurrency: c, speedup: c }))
            ),
            ...fitted(rows),
          ],
        },
        facet: { column: { field: "strategy", type: "nominal", sort: strategies, title: null } },
        spec: {
          width: 190,
          height: 190,
          layer: [
            {
              transform: [{ filter: "datum.runtime === 'ideal'" }],
              mark: { type: "line", color: "#999", strokeDash: [3, 3] },
              encoding: {
                x: { field: "concurrency", type: "quantitative" },
                y: { field: "speedup", type: "quantitative" },
              },
            },
            {
              transform: [{ filter: "datum.runtime !== 'ideal' && isValid(datum.speedup)" }],
              mark: { type: "line", point: true },
              encoding: {
                x: { field: "concurrency", type: "quantitative", axis: { tickMinStep: 1 }, title: "concurrency" },
                y: { field: "speedup", type: "quantitative", title: "speedup" },
                color,
              },
            },
            {
              transform: [{ filter: "isValid(datum.amdahl)" }],
              mark: { type: "line", strokeDash: [1, 2] },
              encoding: {
                x: { field: "concurrency", type: "quantitative" },
                y: { field: "amdahl", type: "quantitative" },
                color,
              },
            },
            {
              // The 95% interval, drawn so it shows at this size: a bar with its ends ticked, a little thicker than the line.
              transform: [{ filter: "datum.runtime !== 'ideal' && isValid(datum.low)" }],
              mark: { type: "errorbar", ticks: { size: 8 }, thickness: 2 },
              encoding: {
                x: { field: "concurrency", type: "quantitative" },
                y: { field: "low", type: "quantitative", title: "speedup" },
                y2: { field: "high" },
                color,
              },
            },
          ],
        },
      },
    };
  });
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

/**
 * Where each level's time went, steady and cold, for every cell above its
 * smallest level: report.md's table (results.csv has the parts in ms).
 *
 * @param scaling The rows.
 * @returns The table, or none when no row has a budget.
 */
function budgetTable(scaling: readonly ScalingRow[]): Table[] {
  const all = scaling.filter((r) =>
    r.budget !== undefined && r.concurrency !== r.baseLevel && r.strategy !== "sequential"
  );
  return [...new Set(all.map((r) => r.workload))].map((workload) =>
    budgetTableOf(workload, all.filter((r) => r.workload === workload))
  );
}

function budgetTableOf(workload: string, rows: readonly ScalingRow[]): Table {
  return {
    id: `budget-${workload}`,
    title:
      `${workload}: where the time went, each level against the ideal (the smallest level's time × its level ÷ this one), the loss in parts, in speedup`,
    note:
      "Each part is measured: start-up (pool start, cold only), messages (a worker's time before, between and after its tasks), serial (one event loop: the other lanes' turn), imbalance (workers idle while another ran its last tasks), work (the tasks' own CPU time, more side by side than alone), run queue (their threads runnable, waiting for a CPU), stolen (the hypervisor's steal, /proc/stat), unexplained (time inside the tasks none of these account for).",
    show: "markdown",
    header: ["runtime", "workload", "strategy", "c", "steady", "cold"],
    rows: rows.map((r) => {
      const ideal = r.concurrency / r.baseLevel;
      return [
        r.label,
        r.workload,
        rowStrategy(r),
        String(r.concurrency),
        formatBudget(r.budget!.steady, r.steadySpeedup, ideal),
        formatBudget(r.budget!.cold, r.speedup, ideal),
      ];
    }),
  };
}

/**
 * One stacked bar per runtime and strategy at the verdict's level (the most
 * workers that each have a core): the speedup reached, and what each part of
 * the time budget cost of the ideal, steady.
 *
 * @param scaling The rows.
 * @returns One chart per workload that has budgets.
 */
function budgetCharts(scaling: readonly ScalingRow[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const workload of new Set(scaling.map((r) => r.workload))) {
    const rows = scaling.filter((r) =>
      r.workload === workload && r.budget !== undefined && r.strategy !== "sequential" &&
      r.concurrency === topLevel(scaling.filter((s) => s.label === r.label && s.workload === workload))
    );
    const values = rows.flatMap((r) => {
      const ideal = r.concurrency / r.baseLevel;
      const parts = budgetInSpeedup(r.budget!.steady, r.steadySpeedup, ideal);
      const bar = `${r.label} ${rowStrategy(r)}`;
      return [
        { bar, part: "speedup reached", value: r.steadySpeedup, order: 0 },
        ...BUDGET_PARTS.flatMap((name, i) =>
          parts?.[name] === undefined || Math.abs(parts[name]!) < 0.005
            ? []
            : [{ bar, part: PART_NAMES[name], value: parts[name]!, order: i + 1 }]
        ),
      ];
    });
    if (values.length === 0) continue;
    const level = rows[0]!.concurrency;
    charts.push({
      file: `budget-${workload}.svg`,
      table: `budget-${workload}`,
      title:
        `${workload}: where the time went at ${level}, steady: the speedup reached and what each part cost of the ideal (${level}x over 1), one bar per runtime and strategy; a part below 0 gained time`,
      spec: {
        title: `${workload}: time budget at ${level}, in speedup`,
        width: 360,
        layer: [
          {
            data: { values },
            mark: "bar",
            encoding: {
              y: { field: "bar", type: "nominal", title: null, sort: null },
              x: { field: "value", type: "quantitative", title: "speedup", stack: "zero" },
              color: {
                field: "part",
                type: "nominal",
                sort: ["speedup reached", ...BUDGET_PARTS.map((name) => PART_NAMES[name])],
                scale: { scheme: "tableau10" },
              },
              order: { field: "order", type: "quantitative" },
              tooltip: [{ field: "bar" }, { field: "part" }, { field: "value", format: ".2f" }],
            },
          },
          // The ideal: the speedup reached and every loss add up to it.
          {
            data: { values: [{ ideal: level / rows[0]!.baseLevel }] },
            mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
            encoding: { x: { field: "ideal", type: "quantitative" } },
          },
        ],
      },
    });
  }
  return charts;
}

/** The level a runtime's verdict is read at: the most workers that each have a core, or the first level above one. */
function topLevel(rows: readonly ScalingRow[]): number {
  const levels = [...new Set(rows.map((r) => r.concurrency))].sort((a, b) => a - b);
  return levels.filter((level) => level > levels[0]! && level <= (rows[0]?.cores ?? 1)).at(-1) ?? levels[1] ??
    levels[0]!;
}

/**
 * Several hosts' scaling parts, one column per host: per workload, a row per
 * runtime, strategy and level; at the smallest level the cold median time,
 * above it the steady speedup with its interval and the cores busy.
 *
 * @param columns Each host's part.
 * @returns One table per workload.
 */
export function mergeScaling(columns: readonly { host: string; part: ScalingPart | undefined }[]): Table[] {
  const rowsOf = (part: ScalingPart | undefined) => part?.rows ?? [];
  const workloads = [...new Set(columns.flatMap((c) => rowsOf(c.part).map((r) => r.workload)))];
  return workloads.map((workload) => {
    const label = (r: ScalingRow) =>
      `${r.label} ${r.strategy === "sequential" ? "control" : r.strategy} ${r.concurrency}`;
    const all = columns.flatMap((c) => rowsOf(c.part).filter((r) => r.workload === workload));
    // In the registry's runtime order, then strategy and level, as every table.
    all.sort((a, b) => order(a) - order(b) || a.label.localeCompare(b.label) || a.concurrency - b.concurrency);
    const keys = [...new Set(all.map(label))];
    return {
      title:
        `${workload} · at the smallest level: cold median s · above: steady speedup [95% CI] and cores busy, per host`,
      header: ["runtime, strategy, level", ...columns.map((c) => c.host)],
      rows: keys.map((key) => [
        key,
        ...columns.map((c) => {
          const row = rowsOf(c.part).find((r) => r.workload === workload && label(r) === key);
          return row === undefined ? "-" : formatLevel(row);
        }),
      ]),
    };
  });
}
