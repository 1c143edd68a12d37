/**
 * `npm start`: runs scripts/run.ts under Node, Deno and Bun as subprocesses,
 * for the cpu, io and io-blocking workloads under the four strategies, checks
 * that every cell agrees on the checksum, and prints one table per workload.
 * Raw records go under results/<timestamp>/.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import process from "node:process";
import { $ } from "zx";
import type { OverheadRecord } from "../core/overhead.ts";
import type { RunRecord } from "../core/record.ts";
import { STRATEGIES } from "../core/strategies.ts";
import { RUNTIME_NAMES, scriptCommand } from "./_runtimes.ts";

/** The quick matrix: about a minute and a half on a 2-core machine. */
const WORKLOADS: { name: string; flags: string[] }[] = [
  { name: "cpu", flags: ["--iterations", "30000000"] },
  { name: "io", flags: ["--waits", "10", "--wait-ms", "2"] },
  { name: "io-blocking", flags: ["--waits", "10", "--wait-ms", "2"] },
];
const CONCURRENCY = [1, 2];
const COMMON = ["--tasks", "12", "--repeat", "3", "--warmup", "1", "--concurrency", CONCURRENCY.join(","), "--json"];
const CELL_TIMEOUT = "120s";

const root = new URL("../", import.meta.url).pathname;
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const outDir = `${root}results/${stamp}`;
await mkdir(outDir, { recursive: true });
$.cwd = root;
$.quiet = true;

console.log(`truepar compare · driver node ${process.versions.node} · results in results/${stamp}/`);
const versions = new Map<string, string>();
const failures = new Map<string, string>();
const records: RunRecord[] = [];
const overheads: OverheadRecord[] = [];
const OVERHEAD_FLAGS = ["--experiment", "overhead", "--spawns", "20", "--round-trips", "1000", "--cycles", "50", "--json"];

for (const runtime of RUNTIME_NAMES) {
  const [command] = scriptCommand(runtime, "");
  if (command.includes("/") && !existsSync(command)) {
    failures.set(runtime, `missing: ${command} not found (run npm install)`);
    continue;
  }
  for (const workload of WORKLOADS) {
    for (const strategy of STRATEGIES) {
      const cell = `${runtime} ${workload.name} ${strategy}`;
      const [cmd, ...args] = scriptCommand(runtime, "scripts/run.ts");
      const started = performance.now();
      const result = await $({ nothrow: true, timeout: CELL_TIMEOUT })`${cmd} ${args} --workload ${workload.name} --strategy ${strategy} ${workload.flags} ${COMMON}`;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (result.exitCode !== 0) {
        const reason = result.signal ? `killed by ${result.signal} (timeout ${CELL_TIMEOUT}?)` : `exit code ${result.exitCode}`;
        const detail = result.stderr.trim().split("\n").at(-1) ?? "";
        failures.set(runtime, `failed: ${cell}: ${reason}${detail ? `: ${detail}` : ""}`);
        process.stderr.write(`  ${cell.padEnd(32)} FAILED (${reason})\n`);
        continue;
      }
      const record = JSON.parse(result.stdout) as RunRecord;
      records.push(record);
      versions.set(runtime, `${record.runtime.version} (${record.runtime.engine})`);
      await writeFile(`${outDir}/${runtime}-${workload.name}-${strategy}.json`, result.stdout);
      process.stderr.write(`  ${cell.padEnd(32)} ${seconds} s\n`);
    }
  }
  const [cmd, ...args] = scriptCommand(runtime, "scripts/run.ts");
  const result = await $({ nothrow: true, timeout: CELL_TIMEOUT })`${cmd} ${args} ${OVERHEAD_FLAGS}`;
  if (result.exitCode === 0) {
    overheads.push(JSON.parse(result.stdout) as OverheadRecord);
    await writeFile(`${outDir}/${runtime}-overhead.json`, result.stdout);
    process.stderr.write(`  ${`${runtime} overhead`.padEnd(32)} done\n`);
  } else {
    failures.set(runtime, `failed: ${runtime} overhead: exit code ${result.exitCode}: ${result.stderr.trim().split("\n").at(-1) ?? ""}`);
  }
}

const host = records[0]?.host;
if (host) console.log(`host: ${host.cpuModel} · ${host.cores} cores · ${(host.memoryBytes / 2 ** 30).toFixed(0)} GiB · ${host.os} ${host.arch}`);
for (const [runtime, version] of versions) console.log(`${runtime} ${version}`);

let disagree = false;
for (const workload of WORKLOADS) {
  const cells = records.filter((r) => r.workload.name === workload.name);
  const checksums = new Set(cells.flatMap((r) => r.points.map((p) => p.checksum)));
  if (checksums.size > 1) disagree = true;
  const params = Object.entries(cells[0]?.workload.params ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
  console.log(`\n${workload.name} (${params}; ${cells[0]?.tasks ?? "?"} tasks) · median s and speedup, pool start included · checksum ${[...checksums].join(" ≠ ") || "-"}`);
  const header = ["runtime", ...STRATEGIES.flatMap((s) => CONCURRENCY.map((c) => `${s} ${c}`))];
  const rows = RUNTIME_NAMES.map((runtime) => {
    if (failures.has(runtime) && !cells.some((r) => r.runtime.name === runtime)) return [runtime, failures.get(runtime)!];
    return [runtime, ...STRATEGIES.flatMap((strategy) => {
      const record = cells.find((r) => r.runtime.name === runtime && r.strategy === strategy);
      return CONCURRENCY.map((c) => {
        const point = record?.points.find((p) => p.concurrency === c);
        return point ? `${(point.medianMs / 1000).toFixed(3)} ${point.speedup.toFixed(2)}x` : "failed";
      });
    })];
  });
  printTable(header, rows);
  const steady = cells.filter((r) => r.strategy === "workers" || r.strategy === "processes")
    .map((r) => `${r.runtime.name} ${r.strategy} ${r.points.at(-1)!.batchSpeedup.toFixed(2)}x (start ${r.points.at(-1)!.startupMedianMs.toFixed(0)} ms)`);
  if (steady.length) console.log(`  from pool ready, at ${CONCURRENCY.at(-1)}: ${steady.join(" · ")}`);
}

if (overheads.length > 0) {
  console.log(`\noverhead · memory in MB as RSS / PSS (RSS counts shared pages in every process), from ${overheads[0]!.memorySource}; medians of ${overheads[0]!.settings.spawns} spawns and ${overheads[0]!.settings.roundTrips} round trips`);
  const pair = (m: { rss: number; pss: number | null } | null) => (m === null ? "n/a" : `${m.rss.toFixed(1)} / ${m.pss?.toFixed(1) ?? "n/a"}`);
  printTable(
    ["runtime", "idle", "per worker", "per process", "worker start", "process start", "worker round trip", "process round trip"],
    RUNTIME_NAMES.map((runtime) => {
      const r = overheads.find((o) => o.runtime.name === runtime);
      if (r === undefined) return [runtime, failures.get(runtime) ?? "not run"];
      return [runtime, pair(r.idleMB), pair(r.perWorkerMB), pair(r.perProcessMB), `${r.workerStartMs.median.toFixed(1)} ms`, `${r.processStartMs.median.toFixed(1)} ms`, `${r.roundTripUs.median.toFixed(0)} µs`, `${r.processRoundTripUs.median.toFixed(0)} µs`];
    }),
  );
}

for (const [runtime, reason] of failures) console.log(`\n${runtime}: ${reason}`);
if (disagree) console.log("\nchecksums disagree between cells: the results cannot be trusted");
console.log(`\nraw records: results/${stamp}/`);
process.exitCode = failures.size === 0 && !disagree ? 0 : 1;

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.length === 2 && i === 1 ? 0 : r[i]?.length ?? 0))));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(row.length === 2 ? `${row[0]!.padEnd(widths[0]!)}  ${row[1]}` : line(row));
}
