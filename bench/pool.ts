/**
 * truepar's pool against piscina, tinypool, poolifier and workerpool: the
 * same worker count, the same tasks, interleaved and repeated, medians and
 * ratios; beside them the ceilings no pool can pass (two workers' shares with
 * no messaging; two threads handing a value back and forth through shared
 * memory). Each pool runs its rounds in a process of its own, and so do the
 * limits (bench/_pool_round.ts, on this runtime), so no figure carries what
 * another pool left in a process; the rounds still interleave. Runs on the
 * runtime that runs it; `npm run bench:pool` runs it on all three.
 *
 *   bun bench/pool.ts [--json] [--repeat N] [--idle-ms N] [--pools truepar,truepar-spin,piscina,…]
 *
 * @module
 */

import os from "node:os";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { createPool } from "../core/pool/pool.ts";
import { median, percentile } from "../core/measure/stats.ts";
import { work } from "./_pool_tasks.mjs";
import { createAdapter } from "../runtimes/detect.ts";
import { BENCH_POOLS, benchArgs, COMPETITORS } from "./_flags.ts";
import {
  COPIES,
  ECHO_BYTES,
  ECHO_IN_FLIGHT,
  ECHO_MAX_MS,
  ECHO_TASKS,
  ECHO_WARM_UP,
  IDLE_SETTLE_MS,
  LOAD_MS,
  LOAD_SHARE,
  NOOP_GROUP,
  NOOP_GROUPS,
  NOOP_GROUPS_WARM_UP,
  NOOP_TASKS,
  PING_PONGS,
  ROUND_TRIP_MAX_MS,
  ROUND_TRIPS,
  type RoundOutcome,
  type RoundSpec,
  SMALL_TASK_US,
  SMALL_TASKS,
  SPIN_MICROS,
  TASKS,
  WARM_UP,
  WORKERS,
} from "./_pool_scenarios.ts";

const args = benchArgs("pool");
/** The idle spell, once a pool has answered everything (its spin window over): what its threads burn doing nothing (`--idle-ms`). */
const IDLE_MS = args.idleMs;
/** A round that takes longer than this has hung: its pool's process is killed, and the pool left out from then on. */
const ROUND_LIMIT_MS = 60_000;
/** A probe (1,000 no-op tasks within 10 s) that takes longer than this has hung. */
const PROBE_LIMIT_MS = 30_000;
const json = args.json;
const REPEAT = args.repeat;
const cores = os.cpus().length;
/** A round's entry, started as this process was: the same executable, the same flags (Node's loader), on Deno `run -A`. */
const ROUND_COMMAND = [
  process.execPath,
  ...("Deno" in globalThis ? ["run", "-A"] : process.execArgv),
  fileURLToPath(new URL("./_pool_round.ts", import.meta.url)),
];

const adapter = await createAdapter();
const runtime = adapter.runtime;
/** Where the CPU times come from. */
const cpuSource = adapter.readCpu === undefined ? "process.cpuUsage" : (await adapter.readCpu("end")).source;

const unavailable: { pool: string; reason: string }[] = [];
/** Each pool's process, kept for every round: its code stays compiled from round to round, as in a program that keeps a pool. */
const processes = new Map<string, RoundProcess>();
// `--pools truepar,piscina`: only those (to compare two builds of truepar, say); every pool by default.
for (const name of BENCH_POOLS.filter((name) => args.pools.includes(name))) {
  const rounds = roundProcess(name);
  try {
    // Whether it runs here at all, in the scenarios' shape: 1,000 tasks in flight at once, not just one.
    await rounds.run({ kind: "probe", pool: name }, PROBE_LIMIT_MS);
    processes.set(name, rounds);
  } catch (error) {
    unavailable.push({ pool: name, reason: (error as Error).message });
    await rounds.close();
  }
}
const limitsProcess = roundProcess("limits");

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
const smallTaskMs = median(
  await Promise.all(
    [0, 1, 2].map(() => alone.run<number>("workAlone", { iterations: smallIterations, count: 2_000 })),
  ),
) / 2_000;
await alone.close();
const idealSmallMs = (SMALL_TASKS * smallTaskMs) / WORKERS;
// What the machine gives with no messaging at all: each worker runs its share in one loop, both at once (measured in every round).
const ceilingSamples: number[] = [];

interface Result {
  runtime: string;
  pool: string;
  scenario:
    | "noop"
    | "noop-group"
    | "noop-cpu"
    | "noop-map"
    | "small-cpu"
    | "small-cpu-map"
    | "round-trip"
    | "cold-burst"
    | "echo-1mb"
    | "echo-1mb-transfer"
    | "copy-1mb"
    | "under-load"
    | "idle";
  median: number;
  unit: string;
  samples: number[];
  p99?: number;
  efficiency?: number;
  /** The no-messaging run's time over this one's: how close to what the machine gives with no pool at all. */
  ofNoMessaging?: number;
  /** The echo: its rate over one thread's copying the same bytes in the same run. */
  ofCopy?: number;
}

const samples = new Map<string, number[]>();
const roundTrips = new Map<string, number[]>();
const loadLatencies = new Map<string, number[]>();
/** Tasks per ms the workers can take at full use, for the under-load scenario. */
const loadRate = (LOAD_SHARE * WORKERS) / smallTaskMs;
const gather = <T>(map: Map<string, T[]>, key: string, values: T[]) =>
  map.set(key, [...(map.get(key) ?? []), ...values]);
/** Adds a round's samples, round trips and latencies to the run's. */
const merge = (pool: string, outcome: RoundOutcome) => {
  for (const [key, value] of Object.entries(outcome.samples)) gather(samples, key, [value]);
  for (const [name, trips] of Object.entries(outcome.roundTrips)) gather(roundTrips, name, trips);
  if (outcome.loadLatencies.length > 0) gather(loadLatencies, pool, outcome.loadLatencies);
};

const trace = (step: string) => process.env.TRUEPAR_TRACE && process.stderr.write(`${step}\n`);
for (let round = 0; round < REPEAT; round++) {
  for (const [name, rounds] of processes) {
    trace(`${name} round ${round}`);
    const idleMs = round === REPEAT - 1 ? IDLE_MS : undefined;
    try {
      merge(name, await rounds.run({ kind: "pool", pool: name, smallIterations, loadRate, idleMs }, ROUND_LIMIT_MS));
    } catch (error) {
      // A pool that hangs or fails midway is left out from here on, with the reason, not waited for.
      unavailable.push({ pool: name, reason: `stopped in round ${round + 1}: ${(error as Error).message}` });
      processes.delete(name);
      await rounds.close();
      for (const key of [...samples.keys()]) if (key.startsWith(`${name}|`)) samples.delete(key);
      roundTrips.delete(name);
      loadLatencies.delete(name);
    }
  }
  trace(`limits round ${round}`);
  const limits = await limitsProcess.run({ kind: "limits", smallIterations }, ROUND_LIMIT_MS).catch((error: Error) => {
    // The limits are no other pool's: without them no figure has its measure, and the run ends.
    process.stderr.write(`the limits' round ${round + 1} failed on ${runtime.name}: ${error.message}\n`);
    process.exit(1);
  });
  ceilingSamples.push(limits.noMessagingMs!);
  merge("limits", limits);
}

/** The pools measured to the end, in the order they ran. */
const pools = [...processes.keys()];
await Promise.all([...processes.values(), limitsProcess].map((rounds) => rounds.close()));

const ceilingMs = median(ceilingSamples);
const copyGBs = median(samples.get("bare-copy|copy-1mb")!);
const results: Result[] = [];
for (const [key, values] of samples) {
  const [pool, scenario] = key.split("|") as [string, Result["scenario"]];
  const unit = {
    noop: "tasks/s",
    "noop-group": "tasks/s",
    "noop-cpu": "CPU µs/task",
    "noop-map": "items/s",
    "small-cpu": "ms",
    "small-cpu-map": "ms",
    "round-trip": "µs",
    "cold-burst": "ms",
    "echo-1mb": "GB/s",
    "echo-1mb-transfer": "GB/s",
    "copy-1mb": "GB/s",
    "under-load": "µs",
    idle: "cores/worker",
  }[scenario];
  const result: Result = { runtime: runtime.name, pool, scenario, median: median(values), unit, samples: values };
  if (scenario === "small-cpu" || scenario === "small-cpu-map") {
    result.efficiency = idealSmallMs / result.median;
    result.ofNoMessaging = ceilingMs / result.median;
  }
  if (scenario === "round-trip") result.p99 = percentile(roundTrips.get(pool)!, 99);
  if (scenario === "echo-1mb" || scenario === "echo-1mb-transfer") result.ofCopy = result.median / copyGBs;
  if (scenario === "under-load") {
    const all = loadLatencies.get(pool)!;
    result.median = percentile(all, 50);
    result.p99 = percentile(all, 99);
  }
  results.push(result);
}

const record = {
  schema: "truepar.bench-pool/1",
  runtime,
  host: adapter.hostInfo(),
  workers: WORKERS,
  repeat: REPEAT,
  spinMicros: SPIN_MICROS,
  echo: { bytes: ECHO_BYTES, tasks: ECHO_TASKS, warmUp: ECHO_WARM_UP, inFlight: ECHO_IN_FLIGHT, maxMs: ECHO_MAX_MS },
  underLoad: { share: LOAD_SHARE, tasksPerMs: loadRate, ms: LOAD_MS },
  roundTrip: { trips: ROUND_TRIPS, maxMs: ROUND_TRIP_MAX_MS, warmUp: WARM_UP },
  pingPong: { roundTrips: PING_PONGS, warmUp: WARM_UP },
  copy: { bytes: ECHO_BYTES, copies: COPIES },
  promises: { count: NOOP_TASKS, warmUpBursts: 1 },
  noopGroups: { inFlight: NOOP_GROUP, groups: NOOP_GROUPS, warmUp: NOOP_GROUPS_WARM_UP },
  idle: { ms: IDLE_MS, settleMs: IDLE_SETTLE_MS, cpu: cpuSource },
  /** Each pool's rounds, and the limits', in a process of their own. */
  isolation: "process-per-pool",
  smallTask: {
    iterations: smallIterations,
    ms: smallTaskMs,
    idealBatchMs: idealSmallMs,
    noMessagingMs: ceilingMs,
    noMessagingEfficiency: idealSmallMs / ceilingMs,
  },
  unavailable,
  results,
};
if (json) {
  console.log(JSON.stringify(record, null, 2));
} else {
  printText();
}

/** The record as a person reads it on a terminal: blocks of lines no wider than 100 columns. */
function printText(): void {
  const get = (pool: string, scenario: string) => results.find((r) => r.pool === pool && r.scenario === scenario);
  const us = (value: number) => value < 10 ? value.toFixed(2) : value.toFixed(0);
  console.log(
    `bench pool · ${runtime.name} ${runtime.version} · ${WORKERS} workers · ${cores} cores · medians of ${REPEAT} round${
      REPEAT === 1 ? "" : "s"
    }`,
  );
  console.log(
    `small task: ${smallIterations} iterations, ${
      (smallTaskMs * 1000).toFixed(0)
    } µs in a worker; efficiency: that × ${SMALL_TASKS} ÷ ${WORKERS} ÷ the time taken`,
  );
  console.log(
    `no messaging: ${WORKERS} workers run their shares in ${ceilingMs.toFixed(0)} ms (efficiency ${
      record.smallTask.noMessagingEfficiency.toFixed(2)
    }); truepar-spin: spinMicros ${SPIN_MICROS}`,
  );
  for (const pool of pools) {
    const noop = get(pool, "noop")!;
    const small = get(pool, "small-cpu")!;
    const map = get(pool, "small-cpu-map");
    const trip = get(pool, "round-trip")!;
    const echo = get(pool, "echo-1mb")!;
    const moved = get(pool, "echo-1mb-transfer");
    const load = get(pool, "under-load")!;
    const indent = "  ";
    const noopMap = get(pool, "noop-map");
    const group = get(pool, "noop-group")!;
    console.log(
      `\n${pool}: no-op ${Math.round(noop.median).toLocaleString("en")} tasks/s, ${NOOP_GROUP} at a time ${
        Math.round(group.median).toLocaleString("en")
      }${noopMap ? `, through map() ${Math.round(noopMap.median).toLocaleString("en")} items/s` : ""}`,
    );
    console.log(
      `${indent}CPU ${get(pool, "noop-cpu")!.median.toFixed(2)} µs a no-op task · idle ${
        get(pool, "idle")!.median.toFixed(3)
      } cores a worker`,
    );
    console.log(
      `${indent}${SMALL_TASKS} small tasks ${small.median.toFixed(0)} ms (efficiency ${small.efficiency!.toFixed(2)}, ${
        small.ofNoMessaging!.toFixed(2)
      } of no messaging)${map ? ` · map ${map.median.toFixed(0)} ms (${map.efficiency!.toFixed(2)})` : ""}`,
    );
    console.log(
      `${indent}round trip p50 ${us(trip.median)} µs, p99 ${trip.p99!.toFixed(0)} µs · under load p50 ${
        (load.median / 1000).toFixed(1)
      } ms, p99 ${(load.p99! / 1000).toFixed(1)} ms`,
    );
    console.log(
      `${indent}1 MiB echo ${echo.median.toFixed(2)} GB/s (${echo.ofCopy!.toFixed(2)} of a copy)${
        moved ? `, moved (transfer) ${moved.median.toFixed(2)} GB/s` : ""
      } · cold burst ${get(pool, "cold-burst")!.median.toFixed(1)} ms`,
    );
  }
  console.log("\nthe limits, no pool:");
  for (
    const [bare, how] of [
      ["bare-atomics-wait", "sleeping in Atomics.wait"],
      ["bare-atomics-spin", "spinning"],
      ["bare-atomics-spin-await", "spinning, a promise awaited each"],
    ]
  ) {
    const trip = get(bare!, "round-trip")!;
    console.log(
      `  two threads ${how}: round trip p50 ${us(trip.median)} µs, p99 ${trip.p99!.toFixed(1)} µs`,
    );
  }
  console.log(
    `  one thread copying 1 MiB: ${copyGBs.toFixed(2)} GB/s into one buffer, ${
      get("bare-copy-fresh", "copy-1mb")!.median.toFixed(2)
    } GB/s into a new one`,
  );
  console.log(
    `  promises made, awaited together and settled: ${
      Math.round(get("bare-promises", "noop")!.median).toLocaleString("en")
    } a second (no run() passes it)`,
  );
  if (pools.includes("truepar-spin")) {
    const spinTrip = get("truepar-spin", "round-trip")!.median;
    const times = (bare: string) => {
      const ratio = spinTrip / get(bare, "round-trip")!.median;
      return ratio.toFixed(ratio < 1 ? 2 : 1);
    };
    console.log(
      `  truepar-spin's round trip ÷ bare: ${times("bare-atomics-spin")}x spinning, ${
        times("bare-atomics-spin-await")
      }x spinning and awaiting, ${times("bare-atomics-wait")}x sleeping`,
    );
  }
  const others = COMPETITORS.filter((other) => pools.includes(other));
  if (others.length > 0) console.log("\ntruepar against the others (no-op throughput, round trip, efficiency, echo):");
  for (const ours of ["truepar", "truepar-spin"].filter((pool) => pools.includes(pool))) {
    for (const other of others) {
      const ratio = (scenario: string) => get(ours, scenario)!.median / get(other, scenario)!.median;
      console.log(
        `  ${ours} ÷ ${other}: ${ratio("noop").toFixed(2)}x · ${ratio("round-trip").toFixed(2)}x · ${
          (get(ours, "small-cpu")!.efficiency! / get(other, "small-cpu")!.efficiency!).toFixed(2)
        }x · ${ratio("echo-1mb").toFixed(2)}x · under load ${ratio("under-load").toFixed(2)}x · cold ${
          ratio("cold-burst").toFixed(2)
        }x`,
      );
    }
  }
  for (const { pool, reason } of unavailable) console.log(`${pool}: does not run on ${runtime.name}: ${reason}`);
}

/** A process of this runtime that runs one pool's rounds, or the limits', one at a time, for the whole bench. */
interface RoundProcess {
  /**
   * Runs one round there.
   *
   * @throws {Error} With the process's own last line when the round failed, what ended the process when it died, or
   * the time the round was given when it hung (the process is killed).
   */
  run(spec: RoundSpec, limitMs: number): Promise<RoundOutcome>;
  /** Ends it: its input closed, and killed if it has not exited within 5 s. */
  close(): Promise<void>;
}

/**
 * Starts a {@linkcode RoundProcess}: bench/_pool_round.ts, as this process was started.
 *
 * @param name Its pool's name, or `limits`: its one argument, so that `ps` tells them apart.
 */
function roundProcess(name: string): RoundProcess {
  const [command, ...rest] = ROUND_COMMAND;
  const child = execa(command!, [...rest, name], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
  });
  let said = "";
  child.stderr!.on("data", (chunk: Uint8Array) => {
    said = String(chunk).trim().split("\n").at(-1) || said;
  });
  // Writing to a process that died fails here; its end is what `run` reports.
  child.stdin!.on("error", () => {});
  let waiting: { resolve(outcome: RoundOutcome): void; reject(error: Error): void } | undefined;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const round = waiting;
    waiting = undefined;
    round?.resolve(JSON.parse(line) as RoundOutcome);
  });
  let ended: string | undefined;
  const exited = child.then((result) => {
    ended = said || `its process ended with ${result.signal ?? `exit code ${result.exitCode}`}`;
    waiting?.reject(new Error(ended));
    waiting = undefined;
  });
  return {
    run(spec, limitMs) {
      if (ended !== undefined) return Promise.reject(new Error(ended));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          child.kill("SIGKILL");
          reject(new Error(`a round did not end within ${limitMs / 1000} s`));
        }, limitMs);
        waiting = {
          resolve: (outcome) => (clearTimeout(timer), resolve(outcome)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        };
        child.stdin!.write(`${JSON.stringify(spec)}\n`);
      });
    },
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
