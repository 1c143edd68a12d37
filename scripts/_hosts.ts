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
import { formatLevel, type ScalingPart, type ScalingRow } from "../experiments/scaling/mod.ts";
import type { OverheadRecord } from "../experiments/overhead/mod.ts";
import { STRATEGIES } from "../experiments/scaling/strategies.ts";
import { runtimeRank } from "../runtimes/registry.ts";
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
    text.toLowerCase().replace(/\([^)]*\)|@.*$|\bprocessor\b/g, "").split(/[^a-z0-9]+/).filter(Boolean).slice(0, 5).join("-");
  const hash = createHash("sha256").update(JSON.stringify([host.cpuModel, host.cores, host.memoryBytes, host.os, host.arch])).digest("hex").slice(0, 6);
  return [host.os, host.arch, `${host.cores}c`, `${Math.round(host.memoryBytes / 2 ** 30)}g`, slug(host.cpuModel), hash].filter(Boolean).join("-");
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
  if (t === undefined) return `${host.cpuModel} · ${cores} (what they are unknown: no /sys here) · ${host.os} ${host.arch}`;
  const smt = t.smtSiblings.length === 0 ? "no SMT siblings" : `SMT siblings ${t.smtSiblings.map((group) => group.join("+")).join(", ")}`;
  const vm = !t.virtualized ? "no hypervisor" : t.stolenSinceBoot === null ? "a VM" : `a VM, ${(t.stolenSinceBoot * 100).toFixed(2)}% stolen since boot`;
  return `${host.cpuModel} · ${cores} (${t.physicalCores} physical, ${smt}) · ${vm} · ${host.os} ${host.arch}`;
}

/** One Bencher measure: a value with its interval. */
export interface Metric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

/**
 * A report in Bencher Metric Format: one benchmark per scaling cell level
 * (`latency` in ns, the steady median and its 95% interval; `speedup` and
 * `cores-busy` above the smallest level) and per overhead latency.
 *
 * @param report A report.
 * @returns The BMF object: benchmark name, then measure slug, then the metric.
 */
export function toBencher(report: Report): Record<string, Record<string, Metric>> {
  const out: Record<string, Record<string, Metric>> = {};
  const scaling = report.parts.scaling as ScalingPart | undefined;
  for (const row of scaling?.rows ?? []) {
    const measures: Record<string, Metric> = {
      latency: { value: row.steady.median * 1e6, lower_value: row.steady.ci95.low * 1e6, upper_value: row.steady.ci95.high * 1e6 },
    };
    if (row.concurrency !== row.baseLevel) {
      measures.speedup = { value: row.steadySpeedup, lower_value: row.steadySpeedupCI[0], upper_value: row.steadySpeedupCI[1] };
      if (row.coresBusy !== null) measures["cores-busy"] = { value: row.coresBusy };
    }
    out[`truepar/${row.runtime} ${row.version}/${row.workload}/${row.strategy}/${row.concurrency}`] = measures;
  }
  for (const record of (report.parts.overhead as OverheadRecord[] | undefined) ?? []) {
    const name = `truepar/${record.runtime.name} ${record.runtime.version}/overhead`;
    const latency = (ms: { median: number; samples: number[] }, scale: number): Metric => ({
      value: ms.median * scale,
      lower_value: Math.min(...ms.samples) * scale,
      upper_value: Math.max(...ms.samples) * scale,
    });
    out[`${name}/worker start`] = { latency: latency(record.workerStartMs, 1e6) };
    if (record.processStartMs !== null) out[`${name}/process start`] = { latency: latency(record.processStartMs, 1e6) };
    out[`${name}/worker round trip`] = { latency: latency(record.roundTripUs, 1e3) };
    if (record.processRoundTripUs !== null) out[`${name}/process round trip`] = { latency: latency(record.processRoundTripUs, 1e3) };
    if (record.perWorkerMB.rss !== null) out[`${name}/memory per worker`] = { "memory-mb": { value: record.perWorkerMB.rss } };
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
 * Several result sets, one column per host: per workload, a row per runtime,
 * strategy and level, at the smallest level the cold median time, above it
 * the steady speedup with its interval and the cores busy.
 *
 * @param columns The result sets.
 * @returns The tables, and the verdict of each host.
 */
export function mergeHosts(columns: readonly HostColumn[]): { tables: { title: string; header: string[]; rows: string[][] }[]; verdicts: string[] } {
  const rowsOf = (column: HostColumn) => (column.report.parts.scaling as ScalingPart | undefined)?.rows ?? [];
  const workloads = [...new Set(columns.flatMap((c) => rowsOf(c).map((r) => r.workload)))];
  const tables = workloads.map((workload) => {
    const label = (r: ScalingRow) => `${r.label} ${r.strategy === "sequential" ? "control" : r.strategy} ${r.concurrency}`;
    const all = columns.flatMap((c) => rowsOf(c).filter((r) => r.workload === workload));
    // In the registry's runtime order, then strategy and level, as every table.
    all.sort((a, b) => runtimeRank(a.runtime) - runtimeRank(b.runtime) || a.label.localeCompare(b.label) || STRATEGIES.indexOf(a.strategy as never) - STRATEGIES.indexOf(b.strategy as never) || a.concurrency - b.concurrency);
    const keys = [...new Set(all.map(label))];
    return {
      title: `${workload} · at the smallest level: cold median s · above: steady speedup [95% CI] and cores busy, per host`,
      header: ["runtime, strategy, level", ...columns.map((c) => c.host)],
      rows: keys.map((key) => [key, ...columns.map((c) => {
        const row = rowsOf(c).find((r) => r.workload === workload && label(r) === key);
        return row === undefined ? "-" : formatLevel(row);
      })]),
    };
  });
  return { tables, verdicts: columns.flatMap((c) => c.report.verdict.map((line) => `${c.host}: ${line}`)) };
}
