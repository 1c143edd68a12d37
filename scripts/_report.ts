/**
 * From a result set to the report's model: each experiment summarizes its
 * records and presents its part (tables, charts, lines, warnings); the
 * report gathers them with the environment and the runs that are missing.
 * Rendering is `_render.ts`'s and `_charts.ts`'s.
 *
 * @module
 */

import type { RuntimeInfo } from "../core/adapter.ts";
import type { ReportCell, Section, VerdictMatrix, Warning } from "../experiments/_experiment.ts";
import { EXPERIMENTS } from "../experiments/registry.ts";
import { runtimeRank } from "../runtimes/registry.ts";
import type { CellResult, Plan } from "./_results.ts";

export type { Section, Table, Warning } from "../experiments/_experiment.ts";

/** Everything a report shows. */
export interface Report {
  plan: Plan;
  environment: {
    host: CellResult["record"]["host"] | undefined;
    /** Every runtime measured, by name and version, in the registry's order. */
    runtimes: RuntimeInfo[];
  };
  /** Each experiment's model, by experiment name: what its section was drawn from. */
  parts: Record<string, unknown>;
  /** Each experiment's section, in the registry's order, for those with records. */
  sections: (Section & { experiment: string })[];
  /** The answers, from every section, shown first. */
  verdict: string[];
  /** The same, under the question each section answers. */
  answers: { question: string; lines: string[] }[];
  /** The answers as matrices, for the page. */
  matrices: VerdictMatrix[];
  warnings: Warning[];
  /** Runs of the plan with no record: failed, or not reached. */
  missing: string[];
}

/**
 * Summarizes a result set.
 *
 * @param plan Its plan.
 * @param cells Its finished runs.
 * @returns The report's content.
 */
export function buildReport(plan: Plan, cells: readonly CellResult[]): Report {
  const parts: Record<string, unknown> = {};
  const sections: Report["sections"] = [];
  for (const experiment of EXPERIMENTS) {
    const own: ReportCell<never>[] = cells.filter((c) => c.record.schema === experiment.schema)
      .map((c) => ({ key: c.cell.key, round: c.round, record: c.record as never }));
    if (own.length === 0) continue;
    const part = experiment.summarize(own);
    parts[experiment.name] = part;
    sections.push({ experiment: experiment.name, ...experiment.present(part) });
  }
  const runtimes = new Map<string, RuntimeInfo>();
  for (const { record } of cells) runtimes.set(`${record.runtime.name} ${record.runtime.version}`, record.runtime);
  const done = new Set(cells.map((c) => `${c.cell.key}@${c.round}`));
  return {
    plan,
    environment: {
      // The machine: where some runs were held to fewer cores (--cpus), the record that saw them all.
      host: cells.map((c) => c.record.host).reduce<CellResult["record"]["host"] | undefined>(
        (
          a,
          b,
        ) => (a === undefined || b.cores > a.cores ||
            (b.cores === a.cores && a.topology === undefined && b.topology !== undefined)
          ? b
          : a),
        undefined,
      ),
      runtimes: [...runtimes.values()].sort((a, b) =>
        runtimeRank(a.name) - runtimeRank(b.name) || a.version.localeCompare(b.version)
      ),
    },
    parts,
    sections,
    verdict: sections.flatMap((s) => s.verdict),
    answers: sections.filter((s) => s.verdict.length > 0).map((s) => ({
      question: s.question ?? s.experiment,
      lines: s.verdict,
    })),
    matrices: sections.flatMap((s) => (s.matrix ? [s.matrix] : [])),
    warnings: sections.flatMap((s) => s.warnings),
    missing: plan.order.filter((name) => !done.has(name) && !done.has(`${name}@1`)),
  };
}
