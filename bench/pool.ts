/**
 * truepar's pool against piscina and tinypool: the same worker count, the
 * same task file, interleaved and repeated, medians and ratios. Runs on the
 * runtime that runs it; `npm run bench:pool` runs it on all three.
 *
 *   bun bench/pool.ts [--json] [--repeat N]
 *
 * @module
 */

import os from "node:os";
import process from "node:process";
import { createPool } from "../core/pool.ts";
import { median, percentile } from "../core/stats.ts";
import { work } from "./_pool_tasks.mjs";
import { createAdapter } from "../runtimes/detect.ts";

const TASKS = new URL("./_pool_tasks.mjs", import.meta.url);
const WORKERS = 2;
const NOOP_TASKS = 100_000;
const SMALL_TASKS = 10_000;
const SMALL_TASK_US = 50;
const ROUND_TRIPS = 2_000;
const json = process.argv.includes("--json");
const repeatFlag = process.argv.indexOf("--repeat");
const REPEAT = repeatFlag === -1 ? 5 : Number(process.argv[repeatFlag + 1]);
const cores = os.cpus().length;

/** The little a pool must do for these scenarios. */
interface BenchPool {
  run(name: string, arg: unknown): Promise<unknown>;
  map?(name: string, args: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

type PoolMaker = () => Promise<BenchPool>;

const adapter = await createAdapter();
const runtime = adapter.runtime;
const makers = new Map<string, PoolMaker>();
const unavailable: { pool: string; reason: string }[] = [];

/** truepar's latency mode: idle workers and this thread stay awake this long. */
const SPIN_MICROS = 50;
for (const [name, spinMicros] of [["truepar", 0], ["truepar-spin", SPIN_MICROS]] as const) {
  makers.set(name, async () => {
    const pool = await createPool({ adapter, size: WORKERS, module: TASKS, spinMicros });
    return {
      run: (fn, arg) => pool.run(fn, arg),
      map: (fn, args) => pool.map(fn, args),
      close: () => pool.close(),
    };
  });
}
for (const name of ["piscina", "tinypool"] as const) {
  try {
    const maker = await loadCompetitor(name);
    const pool = await maker();
    // A probe of the scenarios' shape: many tasks in flight at once, not just one.
    const answers = await withTimeout(Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run("noop", i))), 10_000, "1,000 no-op tasks in flight did not finish within 10 s");
    await withTimeout(pool.close(), 5000, `${name} did not close`);
    if (!answers.every((answer, i) => answer === i)) throw new Error("no-op tasks did not return their arguments");
    makers.set(name, maker);
  } catch (error) {
    unavailable.push({ pool: name, reason: (error as Error).message.split("\n")[0]! });
  }
}

// A small task of about 50 µs on this machine, calibrated on the main thread.
for (let i = 0; i < 200; i++) work(10_000);
const calibrate = () => {
  const start = performance.now();
  for (let i = 0; i < 200; i++) work(100_000);
  return (performance.now() - start) / 200 / 100_000;
};
const smallIterations = Math.round((SMALL_TASK_US / 1000) / median([calibrate(), calibrate(), calibrate()]));
// The ideal: the same tasks run back to back inside a warm worker, with no messaging at all, split over the workers.
const alone = await createPool({ adapter, size: 1, module: TASKS });
await alone.run("workAlone", { iterations: smallIterations, count: 2_000 });
const smallTaskMs = median(await Promise.all([0, 1, 2].map(() => alone.run<number>("workAlone", { iterations: smallIterations, count: 2_000 })))) / 2_000;
await alone.close();
const idealSmallMs = (SMALL_TASKS * smallTaskMs) / WORKERS;
// What the machine gives with no messaging at all: each worker runs its share in one loop, both at once (measured in every round).
const ceilingSamples: number[] = [];

interface Result {
  runtime: string;
  pool: string;
  scenario: "noop" | "small-cpu" | "small-cpu-map" | "round-trip" | "cold-burst";
  median: number;
  unit: string;
  samples: number[];
  p99?: number;
  efficiency?: number;
  /** The no-messaging run's time over this one's: how close to what the machine gives with no pool at all. */
  ofNoMessaging?: number;
}

const samples = new Map<string, number[]>();
const roundTrips = new Map<string, number[]>();
const push = (key: string, value: number) => samples.set(key, [...(samples.get(key) ?? []), value]);

const trace = (step: string) => process.env.TRUEPAR_TRACE && process.stderr.write(`${step}\n`);
for (let round = 0; round < REPEAT; round++) {
  for (const [name, make] of makers) {
    trace(`${name} round ${round}`);
    const pool = await make();
    try {
      // Warm-up, untimed: every pool's workers get to optimize both tasks first.
      await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.run("noop", i)));
      await Promise.all(Array.from({ length: 4000 }, () => pool.run("work", smallIterations)));
      let start = performance.now();
      await Promise.all(Array.from({ length: NOOP_TASKS }, (_, i) => pool.run("noop", i)));
      push(`${name}|noop`, NOOP_TASKS / ((performance.now() - start) / 1000));

      start = performance.now();
      await Promise.all(Array.from({ length: SMALL_TASKS }, () => pool.run("work", smallIterations)));
      push(`${name}|small-cpu`, performance.now() - start);

      if (pool.map) {
        start = performance.now();
        await pool.map("work", Array.from({ length: SMALL_TASKS }, () => smallIterations));
        push(`${name}|small-cpu-map`, performance.now() - start);
      }
      if (name === "truepar") {
        const share = { iterations: smallIterations, count: SMALL_TASKS / WORKERS };
        start = performance.now();
        await Promise.all(Array.from({ length: WORKERS }, () => pool.run("workAlone", share)));
        ceilingSamples.push(performance.now() - start);
      }

      const trips: number[] = [];
      for (let i = 0; i < ROUND_TRIPS; i++) {
        const sent = performance.now();
        await pool.run("noop", i);
        trips.push((performance.now() - sent) * 1000);
      }
      roundTrips.set(name, [...(roundTrips.get(name) ?? []), ...trips]);
      push(`${name}|round-trip`, median(trips));
    } finally {
      await pool.close();
    }
    // The lazy-spawn problem: 2 × cores tasks on a pool just made.
    const start = performance.now();
    const cold = await make();
    await Promise.all(Array.from({ length: 2 * cores }, () => cold.run("work", smallIterations * 100)));
    push(`${name}|cold-burst`, performance.now() - start);
    await cold.close();
  }
}

const ceilingMs = median(ceilingSamples);
const results: Result[] = [];
for (const [key, values] of samples) {
  const [pool, scenario] = key.split("|") as [string, Result["scenario"]];
  const unit = { noop: "tasks/s", "small-cpu": "ms", "small-cpu-map": "ms", "round-trip": "µs", "cold-burst": "ms" }[scenario];
  const result: Result = { runtime: runtime.name, pool, scenario, median: median(values), unit, samples: values };
  if (scenario === "small-cpu" || scenario === "small-cpu-map") {
    result.efficiency = idealSmallMs / result.median;
    result.ofNoMessaging = ceilingMs / result.median;
  }
  if (scenario === "round-trip") result.p99 = percentile(roundTrips.get(pool)!, 99);
  results.push(result);
}

const record = {
  schema: "truepar.bench-pool/1",
  runtime,
  host: adapter.hostInfo(),
  workers: WORKERS,
  repeat: REPEAT,
  spinMicros: SPIN_MICROS,
  smallTask: { iterations: smallIterations, ms: smallTaskMs, idealBatchMs: idealSmallMs, noMessagingMs: ceilingMs, noMessagingEfficiency: idealSmallMs / ceilingMs },
  unavailable,
  results,
};
if (json) {
  console.log(JSON.stringify(record, null, 2));
} else {
  const get = (pool: string, scenario: string) => results.find((r) => r.pool === pool && r.scenario === scenario);
  console.log(`bench pool · ${runtime.name} ${runtime.version} · ${WORKERS} workers · ${cores} cores · medians of ${REPEAT} interleaved rounds · small task ${smallIterations} iterations ≈ ${(smallTaskMs * 1000).toFixed(0)} µs in a worker; efficiency = that × ${SMALL_TASKS} ÷ ${WORKERS} ÷ the time taken`);
  console.log(`${WORKERS} workers running their shares with no messaging: ${ceilingMs.toFixed(0)} ms (efficiency ${record.smallTask.noMessagingEfficiency.toFixed(2)}), the most any pool can reach here; truepar-spin is truepar with spinMicros ${SPIN_MICROS}`);
  for (const pool of makers.keys()) {
    const noop = get(pool, "noop")!;
    const small = get(pool, "small-cpu")!;
    const map = get(pool, "small-cpu-map");
    const trip = get(pool, "round-trip")!;
    const cold = get(pool, "cold-burst")!;
    console.log(`${pool.padEnd(12)} no-op ${Math.round(noop.median).toLocaleString("en").padStart(9)} tasks/s · ${SMALL_TASKS} small tasks ${small.median.toFixed(0).padStart(5)} ms (efficiency ${small.efficiency!.toFixed(2)}, ${small.ofNoMessaging!.toFixed(2)} of no messaging)${map ? ` · map ${map.median.toFixed(0)} ms (${map.efficiency!.toFixed(2)}, ${map.ofNoMessaging!.toFixed(2)})` : ""} · round trip p50 ${trip.median.toFixed(0)} µs p99 ${trip.p99!.toFixed(0)} µs · cold burst ${cold.median.toFixed(1)} ms`);
  }
  for (const ours of ["truepar", "truepar-spin"]) {
    for (const other of ["piscina", "tinypool"]) {
      if (!makers.has(other)) continue;
      const ratio = (scenario: string) => get(ours, scenario)!.median / get(other, scenario)!.median;
      console.log(`${ours} ÷ ${other}: no-op throughput ${ratio("noop").toFixed(2)}x · round trip p50 ${ratio("round-trip").toFixed(2)}x · small-task efficiency ${(get(ours, "small-cpu")!.efficiency! / get(other, "small-cpu")!.efficiency!).toFixed(2)}x · cold burst ${ratio("cold-burst").toFixed(2)}x`);
    }
  }
  for (const { pool, reason } of unavailable) console.log(`${pool}: does not run on ${runtime.name}: ${reason}`);
}
// A competitor that hung may hold threads its destroy() never stops: they must not hold this process.
if (unavailable.length > 0) process.exit(0);


async function loadCompetitor(name: "piscina" | "tinypool"): Promise<PoolMaker> {
  const filename = TASKS.href;
  if (name === "piscina") {
    const { Piscina } = await import("piscina");
    return () => {
      const pool = new Piscina({ filename, minThreads: WORKERS, maxThreads: WORKERS, idleTimeout: 60_000 });
      return Promise.resolve({ run: (fn: string, arg: unknown) => pool.run(arg, { name: fn }), close: () => pool.destroy() });
    };
  }
  const { Tinypool } = await import("tinypool");
  return () => {
    const pool = new Tinypool({ filename, minThreads: WORKERS, maxThreads: WORKERS, idleTimeout: 60_000 });
    return Promise.resolve({ run: (fn: string, arg: unknown) => pool.run(arg, { name: fn }), close: () => pool.destroy() });
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
