/**
 * A scaling record as text, in the article's style, and the speedup with its
 * interval as every table and line prints it.
 *
 * @module
 */

import type { AmdahlFit } from "../../core/measure/amdahl.ts";
import { BUDGET_PARTS, budgetInSpeedup, type BudgetParts, type TimeBudget } from "../../core/measure/budget.ts";
import type { RunPoint, RunRecord } from "./record.ts";
import type { RoundBeyond } from "../../core/measure/speedup.ts";
import { WIDTH, wrapLine } from "../_text.ts";

const LABELS = { sequential: "# sequential", async: "# in flight", workers: "# workers", processes: "# processes" };
const RULE = "-".repeat(60);

/**
 * Formats a scaling record as the article prints its results, then each
 * level's speedup, cold (pool start included) and steady (warmed pool), with
 * its interval, the cores busy, and whether it clears the noise floor.
 *
 * @param record A `truepar.run/1` record.
 * @returns Lines of text.
 */
export function formatRun(record: RunRecord): string {
  const { runtime, workload, strategy, tasks, noise } = record;
  const control = strategy === "sequential";
  const pooled = strategy === "workers" || strategy === "processes";
  const lines: string[] = [];
  for (const point of record.points) {
    lines.push(
      `[${
        LABELS[strategy]
      } = ${point.concurrency}, # tasks = ${tasks}, workload = ${workload.name}, runtime = ${runtime.name} ${runtime.version}]`,
    );
    lines.push(`Total time ${(point.medianMs / 1000).toFixed(4)} s`);
    const parts = [
      pooled ? `pool start ${point.startupMedianMs.toFixed(1)} ms` : "",
      `steady ${point.steadyMedianMs.toFixed(1)} ms`,
      point.coresBusy === null ? "" : `cores busy ${point.coresBusy.toFixed(2)}`,
    ].filter(Boolean);
    lines.push(`  median of ${point.samplesMs.length} · ${parts.join(" · ")}`);
    if (point !== record.points[0] || point.concurrency !== Math.min(...record.points.map((p) => p.concurrency))) {
      const what = control ? "ratio (a control: the same work at every level)" : "speedup";
      lines.push(
        `  ${what} ${formatSpeedup(point.speedup, point.speedupCI)} cold, pool start included · ${
          formatSpeedup(point.steadySpeedup, point.steadySpeedupCI)
        } steady · ${EVIDENCE[point.steadyEvidence]}`,
      );
      if (point.ceiling) {
        lines.push(
          `  the machine's ceiling: ${point.concurrency} independent processes ${
            formatSpeedup(point.ceiling.speedup, point.ceiling.speedupCI)
          }, so this is ${((point.steadySpeedup / point.ceiling.speedup) * 100).toFixed(0)}% of it`,
        );
      }
      for (const batch of ["steady", "cold"] as const) {
        const beyond = explainBeyond(point, batch);
        if (beyond !== undefined) lines.push(`  ${batch} interval: ${beyond}`);
      }
      if (point.budget && !control) {
        const ideal = point.concurrency / Math.min(...record.points.map((p) => p.concurrency));
        lines.push(`  time budget, steady: ${formatBudget(point.budget.steady, point.steadySpeedup, ideal)}`);
        lines.push(`  time budget, cold: ${formatBudget(point.budget.cold, point.speedup, ideal)}`);
      }
    }
    lines.push(RULE);
  }
  const coverage = Math.min(...record.points.slice(1).map((p) => p.speedupCoverage), 1);
  lines.push(
    `checksum ${record.points[0]?.checksum} · ${record.rounds} paired ${record.rounds === 1 ? "round" : "rounds"}${
      record.capped ? " (time cap reached before ±5%)" : ""
    } · seed ${record.seed}`,
  );
  if (record.amdahl) lines.push(formatAmdahl(record.amdahl));
  lines.push(
    `noise floor ±${
      (noise.floor * 100).toFixed(1)
    }% (the smallest level measured twice per round) · intervals [low–high] are ${
      coverage >= 0.95 ? "95%" : `${(coverage * 100).toFixed(0)}% (too few rounds for 95%: raise --repeat to 6)`
    }, distribution-free`,
  );
  return lines.map((line) => wrapLine(line, WIDTH)).join("\n");
}

const EVIDENCE = {
  speedup: "clears the noise floor",
  slowdown: "a slowdown beyond the noise floor",
  none: "no evidence of a speedup: within the noise floor",
};

/**
 * A speedup with its interval, as every table and line prints it.
 *
 * @param value The estimate.
 * @param ci Its interval.
 * @returns Such as `1.93x [1.90–1.95]`.
 */
export function formatSpeedup(value: number, ci: readonly [number, number]): string {
  return `${value.toFixed(2)}x [${ci[0].toFixed(2)}–${ci[1].toFixed(2)}]`;
}

/**
 * Amdahl's fit in one line.
 *
 * @param fit A record's or a report's fit.
 * @returns Such as `Amdahl's serial fraction 0.031 [0.012–0.048] (95%) · Gustafson's law fits better (0.020)`.
 */
export function formatAmdahl(fit: AmdahlFit): string {
  const interval = `[${fit.ci[0].toFixed(3)}–${fit.ci[1].toFixed(3)}] (${(fit.coverage * 100).toFixed(0)}%${
    fit.coverage < 0.95 ? ": raise --repeat to 6 for 95%" : ""
  })`;
  const other = fit.better === "gustafson"
    ? ` · Gustafson's law fits better (serial fraction ${fit.gustafson.toFixed(3)}): the work grew with the workers?`
    : "";
  const limit = fit.serialFraction < 0.001
    ? "no serial part this fit can see"
    : `at most ${(1 / fit.serialFraction).toFixed(1)}x with any number of cores`;
  return `Amdahl's serial fraction ${fit.serialFraction.toFixed(3)} ${interval}: ${limit}${other}`;
}

/** How each part of a time budget is named where it is printed. */
export const PART_NAMES: Readonly<Record<keyof BudgetParts, string>> = {
  startup: "start-up",
  messages: "messages",
  serial: "serial",
  imbalance: "imbalance",
  work: "work",
  runQueue: "run queue",
  stolen: "stolen",
  unexplained: "unexplained",
};

/**
 * A level's time budget in one line: the speedup of the ideal, then each
 * part's cost in speedup, the largest first (`work` with how much more CPU
 * time the same tasks took side by side), unexplained last.
 *
 * @param budget The level's budget.
 * @param speedup The speedup measured there.
 * @param ideal The ideal speedup (the level over the smallest).
 * @returns Such as `1.41x of 2: work 1.32x the CPU time −0.45 · imbalance −0.06 · messages −0.03 · unexplained −0.00`.
 */
export function formatBudget(budget: TimeBudget, speedup: number, ideal: number): string {
  const head = `${speedup.toFixed(2)}x of ${formatIdeal(ideal)}`;
  const inSpeedup = budgetInSpeedup(budget, speedup, ideal);
  // One worker slower than the other says more than an average: a core the host shares, or another JIT tier.
  const spread = budget.laneSpread !== null && budget.laneSpread >= 1.1
    ? ` (one worker ${budget.laneSpread.toFixed(2)}x another's)`
    : "";
  const name = (part: keyof BudgetParts) =>
    part === "work" && budget.workRatio !== null && Math.abs(budget.workRatio - 1) >= 0.005
      ? `work ${budget.workRatio.toFixed(2)}x the CPU time${spread}`
      : PART_NAMES[part];
  const parts = BUDGET_PARTS.filter((part) => part !== "unexplained" && budget.parts[part] !== null);
  if (inSpeedup === undefined) {
    // At the ideal, or past it: the parts in ms, a minus where a part gained time.
    const ms = (part: keyof BudgetParts) => `${name(part)} ${signed(-budget.parts[part]!, 1)} ms`;
    const shown = parts.filter((part) => Math.abs(budget.parts[part]!) >= 0.05).sort((a, b) =>
      Math.abs(budget.parts[b]!) - Math.abs(budget.parts[a]!)
    );
    const where = budget.lossMs <= 0
      ? `${(-budget.lossMs).toFixed(1)} ms under the ideal time`
      : `${budget.lossMs.toFixed(1)} ms over the ideal time`;
    return `${head}, ${where}${shown.length ? ` · ${[...shown.map(ms), ms("unexplained")].join(" · ")}` : ""}`;
  }
  const shown = parts.filter((part) => Math.abs(inSpeedup[part]!) >= 0.005).sort((a, b) =>
    Math.abs(inSpeedup[b]!) - Math.abs(inSpeedup[a]!)
  );
  return `${head} · ${
    [...shown, "unexplained" as const].map((part) => `${name(part)} ${signed(-inSpeedup[part]!, 2)}`).join(" · ")
  }`;
}

/** The ideal speedup as a level: `2`, or `1.5` between uneven levels. */
function formatIdeal(ideal: number): string {
  return Number.isInteger(ideal) ? String(ideal) : ideal.toFixed(2);
}

/** A number with its sign, `−` for a minus. */
function signed(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  return `${value < 0 && Number(text) !== 0 ? "−" : "+"}${text}`;
}

/**
 * Why an interval's end passes what the machine allows, when it does: the
 * rounds whose ratio went past it, and what their samples say.
 *
 * @param point A level.
 * @param batch The cold or the steady interval.
 * @returns One sentence, or `undefined` when the interval stays within the limit.
 */
export function explainBeyond(point: RunPoint, batch: "cold" | "steady"): string | undefined {
  const high = (batch === "cold" ? point.speedupCI : point.steadySpeedupCI)[1];
  const rounds = (point.limit?.roundsBeyond ?? []).filter((r) => r.batch === batch && r.ratio >= high - 1e-9);
  if (point.limit === undefined || rounds.length === 0) return undefined;
  return `its top, ${high.toFixed(2)}x, is past the ${point.limit.speedup.toFixed(2)}x this machine allows: ${
    rounds.map(describeRound).join("; ")
  }`;
}

function describeRound(round: RoundBeyond): string {
  const slow = round.baseMs > round.controlMs * 1.05;
  const why = slow
    ? `its smallest level's sample was slow (${round.baseMs.toFixed(1)} ms, its control ${
      round.controlMs.toFixed(1)
    } ms, the same work)`
    : `this level's sample ran faster than the cores allow (${round.levelMs.toFixed(1)} ms against ${
      round.baseMs.toFixed(1)
    } and ${round.controlMs.toFixed(1)} ms): a clock or a machine that changed speed`;
  return `round ${round.round + 1} gave ${round.ratio.toFixed(2)}x, ${why}`;
}
