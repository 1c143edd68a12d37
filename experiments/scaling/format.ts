/**
 * A scaling record as text, in the article's style, and the speedup with its
 * interval as every table and line prints it.
 *
 * @module
 */

import type { AmdahlFit } from "../../core/amdahl.ts";
import type { RunRecord } from "../../core/record.ts";

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
    lines.push(`[${LABELS[strategy]} = ${point.concurrency}, # tasks = ${tasks}, workload = ${workload.name}, runtime = ${runtime.name} ${runtime.version}]`);
    lines.push(`Total time ${(point.medianMs / 1000).toFixed(4)} s`);
    const parts = [
      pooled ? `pool start ${point.startupMedianMs.toFixed(1)} ms` : "",
      `steady ${point.steadyMedianMs.toFixed(1)} ms`,
      point.coresBusy === null ? "" : `cores busy ${point.coresBusy.toFixed(2)}`,
    ].filter(Boolean);
    lines.push(`  median of ${point.samplesMs.length} · ${parts.join(" · ")}`);
    if (point !== record.points[0] || point.concurrency !== Math.min(...record.points.map((p) => p.concurrency))) {
      const what = control ? "ratio (a control: the same work at every level)" : "speedup";
      lines.push(`  ${what} ${formatSpeedup(point.speedup, point.speedupCI)} cold, pool start included · ${formatSpeedup(point.steadySpeedup, point.steadySpeedupCI)} steady · ${EVIDENCE[point.steadyEvidence]}`);
      if (point.ceiling) lines.push(`  the machine's ceiling: ${point.concurrency} independent processes ${formatSpeedup(point.ceiling.speedup, point.ceiling.speedupCI)}, so this is ${((point.steadySpeedup / point.ceiling.speedup) * 100).toFixed(0)}% of it`);
    }
    lines.push(RULE);
  }
  const coverage = Math.min(...record.points.slice(1).map((p) => p.speedupCoverage), 1);
  lines.push(`checksum ${record.points[0]?.checksum} · ${record.rounds} paired ${record.rounds === 1 ? "round" : "rounds"}${record.capped ? " (time cap reached before ±5%)" : ""} · seed ${record.seed}`);
  if (record.amdahl) lines.push(formatAmdahl(record.amdahl));
  lines.push(`noise floor ±${(noise.floor * 100).toFixed(1)}% (the smallest level measured twice per round) · intervals [low–high] are ${coverage >= 0.95 ? "95%" : `${(coverage * 100).toFixed(0)}% (too few rounds for 95%: raise --repeat to 6)`}, distribution-free`);
  return lines.join("\n");
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
  const interval = `[${fit.ci[0].toFixed(3)}–${fit.ci[1].toFixed(3)}] (${(fit.coverage * 100).toFixed(0)}%${fit.coverage < 0.95 ? ": raise --repeat to 6 for 95%" : ""})`;
  const other = fit.better === "gustafson" ? ` · Gustafson's law fits better (serial fraction ${fit.gustafson.toFixed(3)}): the work grew with the workers?` : "";
  const limit = fit.serialFraction < 0.001 ? "no serial part this fit can see" : `at most ${(1 / fit.serialFraction).toFixed(1)}x with any number of cores`;
  return `Amdahl's serial fraction ${fit.serialFraction.toFixed(3)} ${interval}: ${limit}${other}`;
}
