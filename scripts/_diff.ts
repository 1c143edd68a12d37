/**
 * `compare.ts --diff A B`: two result sets, cell by cell, with the changes
 * beyond the noise flagged.
 *
 * @module
 */

import { type SampleSummary, summarizeSamples } from "../core/measure/stats.ts";
import { experimentOf } from "../experiments/registry.ts";
import { type AnyRecord, type CellResult, ResultSetError } from "./_results.ts";

/** One cell measured in both sets. */
export interface CellChange {
  key: string;
  before: SampleSummary;
  after: SampleSummary;
  /** (after − before) / before, of the medians. */
  change: number;
  /** The 95% intervals of the medians do not overlap, and the medians differ by more than 2%. */
  significant: boolean;
}

/**
 * Compares the timed cells two result sets share: every scaling cell, and
 * the start-up and round-trip latencies of the overhead cells.
 *
 * @param before The older set's cells.
 * @param after The newer set's cells.
 * @returns The shared cells, and the keys found in one set only.
 */
export function diffResultSets(
  before: readonly CellResult[],
  after: readonly CellResult[],
): { changes: CellChange[]; cells: number; onlyBefore: string[]; onlyAfter: string[] } {
  const differing = differingParameters(before, after);
  if (differing.length > 0) {
    throw new ResultSetError(
      `Cannot compare result sets measured with different parameters: ${differing.slice(0, 4).join("; ")}${
        differing.length > 4 ? `; and ${differing.length - 4} more` : ""
      }`,
    );
  }
  const a = timedSamples(before);
  const b = timedSamples(after);
  const changes: CellChange[] = [];
  for (const [key, samples] of a) {
    const other = b.get(key);
    if (other === undefined) continue;
    const x = summarizeSamples(samples);
    const y = summarizeSamples(other);
    const change = (y.median - x.median) / x.median;
    const apart = y.ci95.low > x.ci95.high || y.ci95.high < x.ci95.low;
    changes.push({ key, before: x, after: y, change, significant: apart && Math.abs(change) > 0.02 });
  }
  const keys = (cells: readonly CellResult[]) => new Set(cells.map((c) => c.cell.key));
  const afterKeys = keys(after);
  return {
    changes: changes.sort((p, q) => Math.abs(q.change) - Math.abs(p.change)),
    cells: [...keys(before)].filter((key) => afterKeys.has(key)).length,
    onlyBefore: [...a.keys()].filter((key) => !b.has(key)),
    onlyAfter: [...b.keys()].filter((key) => !a.has(key)),
  };
}

/**
 * The cells both sets hold whose parameters differ: the workload's, the tasks,
 * the levels, or an experiment's settings.
 *
 * @param before The older set's cells.
 * @param after The newer set's cells.
 * @returns One line per cell: its key and what differs.
 */
export function differingParameters(before: readonly CellResult[], after: readonly CellResult[]): string[] {
  const settings = (record: AnyRecord): Record<string, unknown> =>
    experimentOf(record.schema)?.diff.settings(record) ?? {};
  const first = new Map(after.map((c) => [c.cell.key, settings(c.record)]));
  const lines: string[] = [];
  for (const key of new Set(before.map((c) => c.cell.key))) {
    const theirs = first.get(key);
    if (theirs === undefined) continue;
    const ours = settings(before.find((c) => c.cell.key === key)!.record);
    const names = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].filter((name) =>
      JSON.stringify(ours[name]) !== JSON.stringify(theirs[name])
    );
    if (names.length > 0) {
      lines.push(
        `${key}: ${
          names.map((name) => `${name} ${JSON.stringify(ours[name])} vs ${JSON.stringify(theirs[name])}`).join(", ")
        }`,
      );
    }
  }
  return lines;
}

function timedSamples(cells: readonly CellResult[]): Map<string, number[]> {
  const samples = new Map<string, number[]>();
  for (const { cell, record } of cells) {
    // The rounds of one cell pool into one sample set per measure.
    for (const [label, values] of experimentOf(record.schema)?.diff.samples(record) ?? []) {
      const key = `${cell.key} ${label}`;
      samples.set(key, [...(samples.get(key) ?? []), ...values]);
    }
  }
  return samples;
}

/**
 * The diff as text.
 *
 * @param diff From {@linkcode diffResultSets}.
 * @param names The two sets' names.
 * @returns Lines of text.
 */
export function formatDiff(diff: ReturnType<typeof diffResultSets>, names: [string, string]): string {
  const significant = diff.changes.filter((c) => c.significant);
  const lines = [
    `${names[0]} → ${
      names[1]
    }: ${diff.cells} cells in both (${diff.changes.length} measures), ${significant.length} changed beyond the noise (95% intervals of the medians apart, and more than 2%)`,
  ];
  for (const c of significant) {
    lines.push(
      `  ${c.change > 0 ? "slower" : "faster"} ${(Math.abs(c.change) * 100).toFixed(1).padStart(5)}%  ${c.key}: ${
        c.before.median.toFixed(2)
      } → ${c.after.median.toFixed(2)} (intervals ${c.before.ci95.low.toFixed(2)}–${
        c.before.ci95.high.toFixed(2)
      } and ${c.after.ci95.low.toFixed(2)}–${c.after.ci95.high.toFixed(2)})`,
    );
  }
  if (diff.onlyBefore.length) lines.push(`only in ${names[0]}: ${diff.onlyBefore.join(", ")}`);
  if (diff.onlyAfter.length) lines.push(`only in ${names[1]}: ${diff.onlyAfter.join(", ")}`);
  return lines.join("\n");
}
