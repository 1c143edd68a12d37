/**
 * Records as text, in the article's style: what run.ts prints, and what
 * compare.ts reuses.
 *
 * @module
 */

import type { KernelsRecord } from "../core/kernels_experiment.ts";
import type { MemoryMB, OverheadRecord } from "../core/overhead.ts";
import type { RunRecord } from "../core/record.ts";
import type { SyncRecord } from "../core/sync_experiment.ts";

const LABELS = { sequential: "# sequential", async: "# in flight", workers: "# workers", processes: "# processes" };
const RULE = "-".repeat(60);
/** A kernel call shorter than this is mostly timer and call overhead. */
const MIN_TIMED_MS = 10;

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
 * Formats an overhead record: the article's "Total memory" lines, then a table.
 *
 * @param record A `truepar.overhead/1` record.
 * @returns Lines of text.
 */
export function formatOverhead(record: OverheadRecord): string {
  const { runtime, memory, memorySource } = record;
  const source = memorySource === "smaps_rollup" ? "/proc/<pid>/smaps_rollup, read from outside" : "the runtime's memoryUsage() (no /proc)";
  const lines = [`[overhead, runtime = ${runtime.name} ${runtime.version}, memory from ${source}]`];
  lines.push(`Idle ${runtime.name} process: ${mb(record.idleMB)}`);
  for (const [kind, slope, per] of [["workers", memory.worker, record.perWorkerMB], ["processes", memory.process, record.perProcessMB]] as const) {
    if (slope === null || per === null) {
      lines.push(`Memory of ${kind}: unavailable (child processes cannot be read without /proc)`);
      continue;
    }
    const last = slope.samples.at(-1)!;
    lines.push(`Total memory with ${last.count} ${kind}: ${mb(last)} · ${fixed(per.rss)} MB RSS${per.pss === null ? "" : `, ${fixed(per.pss)} MB PSS`} per ${kind.slice(0, -1).replace("processe", "process")} (slope over ${slope.samples.map((s) => s.count).join(", ")}; r² ${slope.fit.rss.r2.toFixed(4)})`);
  }
  const rows: [string, string, string][] = [
    ["idle process (MB)", fixed(record.idleMB.rss), fixed(record.idleMB.pss)],
    ["per worker (MB)", fixed(record.perWorkerMB.rss), fixed(record.perWorkerMB.pss)],
    ["per process (MB)", fixed(record.perProcessMB?.rss ?? null), fixed(record.perProcessMB?.pss ?? null)],
  ];
  lines.push("", `${"memory".padEnd(22)}${"RSS".padStart(9)}${"PSS".padStart(9)}`);
  for (const [name, rss, pss] of rows) lines.push(`${name.padEnd(22)}${rss.padStart(9)}${pss.padStart(9)}`);
  lines.push("", `${"latency".padEnd(22)}${"median".padStart(9)}${"p90".padStart(9)}${"p99".padStart(9)}${"cold".padStart(9)}${"per s".padStart(10)}`);
  const latency = (name: string, l: { median: number; p90: number; p99: number; cold?: number; messagesPerSecond?: number }) =>
    `${name.padEnd(22)}${fixed(l.median).padStart(9)}${fixed(l.p90).padStart(9)}${fixed(l.p99).padStart(9)}${(l.cold === undefined ? "" : fixed(l.cold)).padStart(9)}${(l.messagesPerSecond === undefined ? "" : Math.round(l.messagesPerSecond).toString()).padStart(10)}`;
  lines.push(latency("worker start (ms)", record.workerStartMs));
  lines.push(latency("process start (ms)", record.processStartMs));
  lines.push(latency("worker round trip (µs)", record.roundTripUs));
  lines.push(latency(`  spinning ${record.settings.spinMicros} µs`, record.spinRoundTripUs));
  lines.push(latency("process round trip (µs)", record.processRoundTripUs));
  const leak = (kind: string, check: OverheadRecord["leak"]["worker"] | null) =>
    check === null ? `${kind}: unavailable` : `${kind} ${signed(check.deltaMB.rss)} MB RSS${check.deltaMB.pss === null ? "" : ` (${signed(check.deltaMB.pss)} MB PSS)`}`;
  lines.push("", `Leak check, ${record.settings.cycles} spawn/terminate cycles: ${leak("workers", record.leak.worker)} · ${leak("processes", record.leak.process)}`);
  return lines.join("\n");
}

/**
 * Formats a sync record: what happened in each demonstration.
 *
 * @param record A `truepar.sync/1` record.
 * @returns Lines of text.
 */
export function formatSync(record: SyncRecord): string {
  const { runtime, lostUpdates: lost, eventLoopRace: race, thief, semaphore } = record;
  const seen = (t: { expected: number; observed: number; lost: number }) =>
    `expected ${t.expected}, observed ${t.observed}${t.lost === 0 ? "" : ` (${t.lost} lost)`}`;
  return [
    `[sync, runtime = ${runtime.name} ${runtime.version}, # workers = ${lost.workers}]`,
    `Lost updates: ${lost.workers} workers each add 1 to one shared Int32 ${lost.iterations} times`,
    `  plain i32[0]++       ${seen(lost.plain)}${lost.plain.lost === 0 ? ": the race did not happen this time (it needs the workers to overlap on the counter); run again, or raise --iterations" : ""}`,
    `  Atomics.add          ${seen(lost.atomic)}`,
    `  ++ under Mutex       ${seen(lost.mutex)}`,
    `Read, await, write on one event loop, no threads: ${race.deposits} deposits of 1, ${seen(race)}`,
    `The thief: a second worker unlocks the vault its owner holds and withdraws ${thief.amount} of ${thief.vault}`,
    `  naive lock, no owner balance ${thief.naive.balance}${thief.naive.error === null ? ": stolen" : `: ${thief.naive.error}`}`,
    `  Mutex, with owner    balance ${thief.safe.balance}${thief.safe.error === null ? ": stolen" : `: ${thief.safe.error}`}`,
    `The semaphore: ${semaphore.parties} workers meant to enter one at a time, after ${semaphore.extraReleases} extra releases`,
    `  Semaphore(1)         ${semaphore.plain.maxInside} inside at once${semaphore.plain.refused ? "; the extra releases were refused" : ""}`,
    `  BoundedSemaphore(1)  ${semaphore.bounded.maxInside} inside at once${semaphore.bounded.refused ? `; refused: ${semaphore.bounded.error}` : ""}`,
  ].join("\n");
}

/**
 * Formats a kernels record: ns per step per variant, the ratios to native C,
 * the worker speedups, tiering and the shared-memory run.
 *
 * @param record A `truepar.kernels/1` record.
 * @returns Lines of text.
 */
export function formatKernels(record: KernelsRecord): string {
  const { runtime, native, sharedMemory: shared } = record;
  const lines = [
    `[kernels, runtime = ${runtime.name} ${runtime.version}, native = ${native.available ? native.compiler : `none (${native.reason})`}]`,
    `${"kernel".padEnd(11)}${"js".padStart(8)}${"wasm".padStart(8)}${"simd".padStart(8)}${"native".padStart(8)}  ns/step · wasm÷native · js÷native · 1→2 workers js, wasm · checksums`,
  ];
  const ns = (value?: number) => (value === undefined ? "-" : value.toFixed(2)).padStart(8);
  for (const k of record.kernels) {
    const { js, wasm, wasmSimd, native: c } = k.nsPerStep;
    const ratio = (value: number) => (c === undefined ? "-" : `${(value / c).toFixed(2)}x`);
    lines.push(`${k.name.padEnd(11)}${ns(js)}${ns(wasm)}${ns(wasmSimd)}${ns(c)}  ${ratio(wasm)} · ${ratio(js)} · ${k.workerSpeedup.js.toFixed(2)}x, ${k.workerSpeedup.wasm.toFixed(2)}x · ${k.agree ? `all ${k.checksums.js}` : `DISAGREE ${JSON.stringify(k.checksums)}`}`);
  }
  const shortest = Math.min(...record.kernels.flatMap((k) => Object.values(k.samplesMs).flatMap((samples) => samples ?? [])));
  if (shortest < MIN_TIMED_MS) {
    lines.push(`warning: the shortest timed call took ${shortest.toFixed(2)} ms, under ${MIN_TIMED_MS} ms: too short to time reliably, so the ratios above are not to be trusted; use --scale 0.5 or more`);
  }
  lines.push("", "First call against warmed-up calls (ms): one long call runs in the tier it started in unless the engine can switch mid-call");
  for (const k of record.kernels) {
    const tiers = Object.entries(k.tiering).map(([variant, t]) => `${variant} ${t.firstCallMs.toFixed(0)} → ${t.warmMedianMs.toFixed(0)}`);
    lines.push(`  ${k.name.padEnd(11)}${tiers.join(" · ")}`);
  }
  lines.push(
    "",
    `Shared memory: ${shared.workers} workers render a ${shared.params.width}×${shared.params.height} Mandelbrot into one WebAssembly.Memory, rows from an atomic counter (${shared.rowsPerWorker.join(" + ")} rows)`,
    `  ${shared.singleMs.toFixed(1)} ms alone, ${shared.sharedMs.toFixed(1)} ms shared: ${shared.speedup.toFixed(2)}x · total ${shared.checksum} · ${shared.matchesSingle ? "image identical to one worker's" : "DIFFERS from one worker's"}`,
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
