/**
 * The overhead experiment's entry: what a worker and a process cost in
 * memory, start-up and round trips, and whether spawning leaks.
 *
 * @module
 */

import { runtimeRank, RUNTIMES } from "../../runtimes/registry.ts";
import { groupedBars } from "../_charts.ts";
import {
  type Experiment,
  type Metric,
  oncePerRuntime,
  type Profile,
  runtimeLabels,
  stepProgress,
  untilAborted,
} from "../_experiment.ts";
import { count, type Flag } from "../_flags.ts";
import { type MemoryMB, type OverheadRecord, runOverhead } from "./overhead.ts";

export * from "./overhead.ts";

/** `--experiment overhead`'s flags. */
export interface OverheadArgs {
  spawns: number;
  roundTrips: number;
  cycles: number;
}

const PROFILE_ARGS: Record<Profile, string[]> = {
  quick: ["--spawns", "10", "--round-trips", "500", "--cycles", "20"],
  full: [],
  smoke: ["--spawns", "1", "--round-trips", "10", "--cycles", "1"],
};

const FLAGS = {
  spawns: { name: "spawns", value: "N", help: "overhead: warm spawns timed per kind", default: "20" },
  roundTrips: {
    name: "round-trips",
    value: "N",
    help: "overhead: no-op round trips timed per kind (children: half as many)",
    default: "2000",
  },
  cycles: { name: "cycles", value: "N", help: "overhead: spawn/terminate cycles of the leak check", default: "50" },
} satisfies Record<string, Flag>;

/** The overhead experiment. */
export const overhead: Experiment<OverheadArgs, OverheadRecord, OverheadRecord[]> = {
  name: "overhead",
  schema: "truepar.overhead/1",
  flags: Object.values(FLAGS),
  parse: (values) => ({
    spawns: count(FLAGS.spawns, values, 1),
    roundTrips: count(FLAGS.roundTrips, values, 1),
    cycles: count(FLAGS.cycles, values, 1),
  }),
  run: (args, context) =>
    untilAborted(context.signal, runOverhead({ adapter: context.adapter, ...args, onStep: stepProgress(context, 8) })),
  format: formatOverhead,
  ...oncePerRuntime<OverheadRecord>("overhead", PROFILE_ARGS, runtimeRank),
  bencher: (records) => {
    const out: Record<string, Record<string, Metric>> = {};
    for (const record of records) {
      const name = `truepar/${record.runtime.name} ${record.runtime.version}/overhead`;
      const latency = (ms: { median: number; samples: number[] }, scale: number): Metric => ({
        value: ms.median * scale,
        lower_value: Math.min(...ms.samples) * scale,
        upper_value: Math.max(...ms.samples) * scale,
      });
      out[`${name}/worker start`] = { latency: latency(record.workerStartMs, 1e6) };
      if (record.processStartMs !== null) {
        out[`${name}/process start`] = { latency: latency(record.processStartMs, 1e6) };
      }
      out[`${name}/worker round trip`] = { latency: latency(record.roundTripUs, 1e3) };
      if (record.processRoundTripUs !== null) {
        out[`${name}/process round trip`] = { latency: latency(record.processRoundTripUs, 1e3) };
      }
      if (record.perWorkerMB.rss !== null) {
        out[`${name}/memory per worker`] = { "memory-mb": { value: record.perWorkerMB.rss } };
      }
    }
    return out;
  },
  present: (records) => {
    const label = runtimeLabels(records);
    const order = [...RUNTIMES.map((r) => r.name), ...records.map((r) => label(r))];
    return {
      verdict: [],
      lines: [],
      tables: [
        {
          id: "overhead",
          show: "markdown",
          title: "overhead · memory RSS / PSS in MB, latency medians",
          csv: "overhead.csv",
          ...overheadTable(records, label),
        },
        {
          show: "text",
          title:
            "overhead · MB per worker and per process (RSS / PSS), start ms, round trip µs; medians (report.md: the rest)",
          ...compactOverhead(records, label),
        },
      ],
      charts: [
        {
          file: "memory.svg",
          table: "overhead",
          title: "memory per worker and per process (MB, slope over 1, 2, 4, 8)",
          spec: groupedBars(
            "memory per worker and per process",
            "MB",
            records.flatMap((r) => [
              { runtime: label(r), series: "worker RSS", value: r.perWorkerMB.rss },
              { runtime: label(r), series: "worker PSS", value: r.perWorkerMB.pss },
              { runtime: label(r), series: "process RSS", value: r.perProcessMB?.rss },
              { runtime: label(r), series: "process PSS", value: r.perProcessMB?.pss },
            ]),
            order,
          ),
        },
        {
          file: "startup.svg",
          table: "overhead",
          title: "start-up latency, spawn to ready (median ms)",
          spec: groupedBars(
            "start-up latency",
            "ms",
            records.flatMap((r) => [
              { runtime: label(r), series: "worker", value: r.workerStartMs.median },
              { runtime: label(r), series: "process", value: r.processStartMs?.median },
            ]),
            order,
          ),
        },
      ],
      warnings: [],
    };
  },
  diff: {
    settings: (record) => record.settings as unknown as Record<string, unknown>,
    samples: (r) => [
      ["worker start (ms)", r.workerStartMs.samples],
      ["process start (ms)", r.processStartMs?.samples ?? []],
      ["worker round trip (µs)", r.roundTripUs.samples],
      ...(r.spinRoundTripUs === undefined
        ? []
        : [["worker round trip, spinning (µs)", r.spinRoundTripUs.samples] as [string, number[]]]),
      ["process round trip (µs)", r.processRoundTripUs?.samples ?? []],
    ],
  },
};

function overheadTable(
  records: readonly OverheadRecord[],
  label: (r: OverheadRecord) => string,
): { header: string[]; rows: string[][] } {
  const pair = (
    m: { rss: number; pss: number | null } | null,
  ) => (m === null ? "n/a" : `${m.rss.toFixed(1)} / ${m.pss?.toFixed(1) ?? "n/a"}`);
  return {
    header: [
      "runtime",
      "idle MB",
      "per worker MB",
      "per process MB",
      "worker start ms",
      "process start ms",
      "worker round trip µs",
      `spinning ${records[0]?.settings.spinMicros ?? "-"} µs`,
      "process round trip µs",
    ],
    rows: records.map((r) => [
      label(r),
      pair(r.idleMB),
      pair(r.perWorkerMB),
      pair(r.perProcessMB),
      `${r.workerStartMs.median.toFixed(1)} (p90 ${r.workerStartMs.p90.toFixed(1)})`,
      r.processStartMs === null
        ? "n/a"
        : `${r.processStartMs.median.toFixed(1)} (p90 ${r.processStartMs.p90.toFixed(1)})`,
      `${r.roundTripUs.median.toFixed(0)} (p99 ${r.roundTripUs.p99.toFixed(0)})`,
      r.spinRoundTripUs === undefined
        ? "-"
        : `${r.spinRoundTripUs.median.toFixed(0)} (p99 ${r.spinRoundTripUs.p99.toFixed(0)})`,
      r.processRoundTripUs === null
        ? "n/a"
        : `${r.processRoundTripUs.median.toFixed(0)} (p99 ${r.processRoundTripUs.p99.toFixed(0)})`,
    ]),
  };
}

/** The terminal's table: what a worker and a process cost, in 100 columns. */
function compactOverhead(
  records: readonly OverheadRecord[],
  label: (r: OverheadRecord) => string,
): { header: string[]; rows: string[][] } {
  const pair = (
    m: { rss: number; pss: number | null } | null,
  ) => (m === null ? "n/a" : `${m.rss.toFixed(1)} / ${m.pss?.toFixed(1) ?? "n/a"}`);
  return {
    header: ["runtime", "per worker", "per process", "start worker", "start process", "trip worker", "trip process"],
    rows: records.map((r) => [
      label(r),
      pair(r.perWorkerMB),
      pair(r.perProcessMB),
      r.workerStartMs.median.toFixed(1),
      r.processStartMs?.median.toFixed(1) ?? "n/a",
      r.roundTripUs.median.toFixed(0),
      r.processRoundTripUs?.median.toFixed(0) ?? "n/a",
    ]),
  };
}

/**
 * Formats an overhead record: the article's "Total memory" lines, then a table.
 *
 * @param record A `truepar.overhead/1` record.
 * @returns Lines of text.
 */
export function formatOverhead(record: OverheadRecord): string {
  const { runtime, memory, memorySource } = record;
  const source = memorySource === "smaps_rollup"
    ? "/proc/<pid>/smaps_rollup, read from outside"
    : "the runtime's memoryUsage() (no /proc)";
  // A runtime without child processes (a browser) has no process figures: they are n/a, not missing.
  const noProcesses = record.processStartMs === null;
  const lines = [`[overhead, runtime = ${runtime.name} ${runtime.version}, memory from ${source}]`];
  lines.push(`Idle ${runtime.name} ${noProcesses ? "page (its renderer process)" : "process"}: ${mb(record.idleMB)}`);
  for (
    const [kind, slope, per] of [["workers", memory.worker, record.perWorkerMB], [
      "processes",
      memory.process,
      record.perProcessMB,
    ]] as const
  ) {
    if (slope === null || per === null) {
      lines.push(
        `Memory of ${kind}: ${
          noProcesses
            ? `not applicable (${runtime.name} has no child processes)`
            : "unavailable (child processes cannot be read without /proc)"
        }`,
      );
      continue;
    }
    const last = slope.samples.at(-1)!;
    lines.push(
      `Total memory with ${last.count} ${kind}: ${mb(last)} · ${fixed(per.rss)} MB RSS${
        per.pss === null ? "" : `, ${fixed(per.pss)} MB PSS`
      } per ${kind.slice(0, -1).replace("processe", "process")} (slope over ${
        slope.samples.map((s) => s.count).join(", ")
      }; r² ${slope.fit.rss.r2.toFixed(4)})`,
    );
  }
  const rows: [string, string, string][] = [
    ["idle process (MB)", fixed(record.idleMB.rss), fixed(record.idleMB.pss)],
    ["per worker (MB)", fixed(record.perWorkerMB.rss), fixed(record.perWorkerMB.pss)],
    ["per process (MB)", fixed(record.perProcessMB?.rss ?? null), fixed(record.perProcessMB?.pss ?? null)],
  ];
  lines.push("", `${"memory".padEnd(22)}${"RSS".padStart(9)}${"PSS".padStart(9)}`);
  for (const [name, rss, pss] of rows) lines.push(`${name.padEnd(22)}${rss.padStart(9)}${pss.padStart(9)}`);
  lines.push(
    "",
    `${"latency".padEnd(22)}${"median".padStart(9)}${"p90".padStart(9)}${"p99".padStart(9)}${"cold".padStart(9)}${
      "per s".padStart(10)
    }`,
  );
  const latency = (
    name: string,
    l: { median: number; p90: number; p99: number; cold?: number; messagesPerSecond?: number },
  ) =>
    `${name.padEnd(22)}${fixed(l.median).padStart(9)}${fixed(l.p90).padStart(9)}${fixed(l.p99).padStart(9)}${
      (l.cold === undefined ? "" : fixed(l.cold)).padStart(9)
    }${(l.messagesPerSecond === undefined ? "" : Math.round(l.messagesPerSecond).toString()).padStart(10)}`;
  lines.push(latency("worker start (ms)", record.workerStartMs));
  const none = (name: string) => `${name.padEnd(22)}${"n/a".padStart(9)}`;
  lines.push(
    record.processStartMs === null ? none("process start (ms)") : latency("process start (ms)", record.processStartMs),
  );
  lines.push(latency("worker round trip (µs)", record.roundTripUs));
  lines.push(latency(`  spinning ${record.settings.spinMicros} µs`, record.spinRoundTripUs));
  lines.push(
    record.processRoundTripUs === null
      ? none("process round trip (µs)")
      : latency("process round trip (µs)", record.processRoundTripUs),
  );
  const leak = (kind: string, check: OverheadRecord["leak"]["worker"] | null) =>
    check === null
      ? `${kind}: ${noProcesses ? "n/a" : "unavailable"}`
      : `${kind} ${signed(check.deltaMB.rss)} MB RSS${
        check.deltaMB.pss === null ? "" : ` (${signed(check.deltaMB.pss)} MB PSS)`
      }`;
  lines.push(
    "",
    `Leak check, ${record.settings.cycles} spawn/terminate cycles: ${leak("workers", record.leak.worker)} · ${
      leak("processes", record.leak.process)
    }`,
  );
  return lines.join("\n");
}

function mb(m: MemoryMB): string {
  return `${fixed(m.rss)} MB RSS${m.pss === null ? "" : ` (${fixed(m.pss)} MB PSS)`}`;
}

function fixed(value: number | null): string {
  return value === null ? "n/a" : value.toFixed(1);
}

function signed(value: number): string {
  return (value >= 0 ? "+" : "") + value.toFixed(1);
}
