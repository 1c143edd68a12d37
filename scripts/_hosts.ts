/**
 * Results that travel between machines: each host named by a fingerprint,
 * a result set as Bencher Metric Format JSON (what continuous-benchmarking
 * services ingest, the fingerprint as the testbed), and several result sets
 * from different hosts in one table, one column per host.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { HostInfo } from "../core/adapter.ts";
import type { Metric, Table } from "../experiments/_experiment.ts";
import { EXPERIMENTS } from "../experiments/registry.ts";
import type { Report } from "./_report.ts";

/**
 * A host's fingerprint: what it is, readable, and a hash of all of it, so two
 * machines of one model with different memory are two hosts.
 *
 * @param host A record's host.
 * @returns Such as `linux-x64-2c-24g-amd-epyc-3f9a1c`.
 */
export function hostFingerprint(host: HostInfo): string {
  // The model's first words, without "(R)", "@ 2.30GHz" or "Processor".
  const slug = (text: string) =>
    text.toLowerCase().replace(/\([^)]*\)|@.*$|\bprocessor\b/g, "").split(/[^a-z0-9]+/).filter(Boolean).slice(0, 5)
      .join("-");
  const hash = createHash("sha256").update(
    JSON.stringify([host.cpuModel, host.cores, host.memoryBytes, host.os, host.arch]),
  ).digest("hex").slice(0, 6);
  return [host.os, host.arch, `${host.cores}c`, `${Math.round(host.memoryBytes / 2 ** 30)}g`, slug(host.cpuModel), hash]
    .filter(Boolean).join("-");
}

/**
 * A host in one line, as the machine describes itself: the model, the cores
 * this process may use and what they are (physical cores, SMT siblings), and
 * whether a hypervisor runs it and has taken time away.
 *
 * @param host A record's host.
 * @returns Such as `AMD EPYC · 2 cores (2 physical, no SMT siblings) · a VM, 0.02% stolen since boot · linux x64`.
 */
export function describeHost(host: HostInfo): string {
  const cores = `${host.cores} ${host.cores === 1 ? "core" : "cores"}`;
  const t = host.topology;
  if (t === undefined) {
    return `${host.cpuModel} · ${cores} (what they are unknown: no /sys here) · ${host.os} ${host.arch}`;
  }
  const smt = t.smtSiblings.length === 0
    ? "no SMT siblings"
    : `SMT siblings ${t.smtSiblings.map((group) => group.join("+")).join(", ")}`;
  const vm = !t.virtualized
    ? "no hypervisor"
    : t.stolenSinceBoot === null
    ? "a VM"
    : `a VM, ${(t.stolenSinceBoot * 100).toFixed(2)}% stolen since boot`;
  return `${host.cpuModel} · ${cores} (${t.physicalCores} physical, ${smt}) · ${vm} · ${host.os} ${host.arch}`;
}

/**
 * A report in Bencher Metric Format: what each experiment's entry makes of
 * its part (scaling: a benchmark per cell level; overhead: its latencies).
 *
 * @param report A report.
 * @returns The BMF object: benchmark name, then measure slug, then the metric.
 */
export function toBencher(report: Report): Record<string, Record<string, Metric>> {
  const out: Record<string, Record<string, Metric>> = {};
  for (const experiment of EXPERIMENTS) {
    const part = report.parts[experiment.name];
    if (part !== undefined && experiment.bencher) Object.assign(out, experiment.bencher(part as never));
  }
  return out;
}

/** A result set as one host's column. */
export interface HostColumn {
  /** The folder it was read from. */
  source: string;
  /** The host's fingerprint; with ` (2)` after it where two sets come from one host. */
  host: string;
  report: Report;
}

/**
 * Several result sets, one column per host: each experiment's entry makes
 * its tables of them (scaling: per workload, a row per runtime, strategy and
 * level); and each host's verdict.
 *
 * @param columns The result sets.
 * @returns The tables, and the verdict of each host.
 */
export function mergeHosts(columns: readonly HostColumn[]): { tables: Table[]; verdicts: string[] } {
  const tables = EXPERIMENTS.flatMap((experiment) => {
    const parts = columns.flatMap((
      c,
    ) => (c.report.parts[experiment.name] === undefined
      ? []
      : [{ host: c.host, part: c.report.parts[experiment.name] as never }])
    );
    return parts.length > 0 && experiment.merge
      ? experiment.merge(
        columns.map((c) => ({ host: c.host, part: (c.report.parts[experiment.name] ?? undefined) as never })),
      )
      : [];
  });
  return { tables, verdicts: columns.flatMap((c) => c.report.verdict.map((line) => `${c.host}: ${line}`)) };
}
