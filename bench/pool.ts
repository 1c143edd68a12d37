/**
 * truepar's pool against piscina, tinypool, poolifier and workerpool: the
 * same worker count, the same tasks, interleaved and repeated, medians and
 * ratios; beside them the ceilings no pool can pass (two workers' shares with
 * no messaging; two threads handing a value back and forth through shared
 * memory). Runs on the runtime that runs it; `npm run bench:pool` runs it on
 * all three.
 *
 *   bun bench/pool.ts [--json] [--repeat N] [--idle-ms N] [--pools truepar,truepar-spin,piscina,…]
 *
 * @module
 */

import os from "node:os";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createPool } from "../core/pool/pool.ts";
import { median, percentile } from "../core/measure/stats.ts";
import { work } from "./_pool_tasks.mjs";
import { createAdapter } from "../runtimes/detect.ts";
import { benchArgs, COMPETITORS } from "./_flags.ts";

const TASKS = new URL("./_pool_tasks.mjs", import.meta.url);
const WORKERS = 2;
const NOOP_TASKS = 100_000;
/**
 * No-op tasks a few at a time: groups of this many awaited together, as a
 * program awaits the calls of one request (Knitting publishes 100 calls in
 * flight), `NOOP_GROUPS` groups timed after `NOOP_GROUPS_WARM_UP` untimed.
 * They run before the 100,000 no-ops: the collector's work on those, on its
 * own threads, took a core from the pool's threads for ~150 ms after them
 * here (read from /proc/self/task: the pool's thread and its worker waited
 * 25–43 ms to run during 300 groups).
 */
const NOOP_GROUP = 100;
const NOOP_GROUPS = 200;
const NOOP_GROUPS_WARM_UP = 100;
const SMALL_TASKS = 10_000;
const SMALL_TASK_US = 50;
/**
 * Round trips one at a time: this many, or as many as end within the time
 * limit; the first half warms up, as in the bare ping-pong (a pool just made
 * took 15,000–20,000 trips to settle at its steady round trip here, on every
 * runtime: its code is compiled as it runs).
 */
const ROUND_TRIPS = 60_000;
const WARM_UP = 1 / 2;
const ROUND_TRIP_MAX_MS = 2000;
/**
 * The echo: a 1 MiB payload, copied to the worker and back, this many tasks
 * with this many in flight, or as many as end within the time limit; first,
 * untimed, the warm-up's many the same way (the path a megabyte takes is
 * compiled as it runs, as the round trip's is: cold, truepar's first 200 echoes
 * on a pool just made ran 0.5–0.7x as fast as the next 200 on Deno and Bun
 * here, 0.7–1.0x on Node).
 */
const ECHO_BYTES = 1 << 20;
const ECHO_TASKS = 200;
const ECHO_WARM_UP = 200;
const ECHO_IN_FLIGHT = 8;
const ECHO_MAX_MS = 2000;
/** Under load: small tasks arriving at this share of the workers' capacity, each millisecond's due at once, for this long. */
const LOAD_SHARE = 0.5;
const LOAD_MS = 500;
/** The bare ping-pong: round trips per sample. */
const PING_PONGS = 60_000;
/** The copy limit: one thread copying the echo's payload into a buffer of its own, this many times a sample. */
const COPIES = 400;
const args = benchArgs("pool");
/** The idle spell, once a pool has answered everything (its spin window over): what its threads burn doing nothing (`--idle-ms`). */
const IDLE_MS = args.idleMs;
const IDLE_SETTLE_MS = 100;
/** A pool's round that takes longer than this has hung: the pool is left out from then on. */
const ROUND_LIMIT_MS = 60_000;
const json = args.json;
const REPEAT = args.repeat;
const cores = os.cpus().length;

/** The little a pool must do for these scenarios. */
interface BenchPool {
  run(name: string, arg: unknown): Promise<unknown>;
  map?(name: string, args: unknown[]): Promise<unknown[]>;
  /** Runs a task whose argument's buffer is moved to the worker, not copied (where the pool can). */
  moving?(name: string, arg: Uint8Array): Promise<unknown>;
  close(): Promise<void>;
}

type PoolMaker = () => Promise<BenchPool>;

const adapter = await createAdapter();
const runtime = adapter.runtime;
/** Where the CPU times come from. */
const cpuSource = adapter.readCpu === undefined ? "process.cpuUsage" : (await adapter.readCpu("end")).source;

const makers = new Map<string, PoolMaker>();
const unavailable: { pool: string; reason: string }[] = [];

/** truepar's latency mode: idle workers and this thread stay awake this long. */
const SPIN_MICROS = 50;
for (const [name, spinMicros] of [["truepar", 0], ["truepar-spin", SPIN_MICROS]] as const) {
  makers.set(name, async () => {
    const pool = await createPool({ adapter, size: WORKERS, module: TASKS, spinMicros });
    return {
      run: (fn, arg) => pool.run(fn, arg),
      moving: (fn, arg) => pool.run(fn, arg, { transfer: [arg.buffer as ArrayBuffer] }),
      map: (fn, args) => pool.map(fn, args),
      close: () => pool.close(),
    };
  });
}
// `--pools truepar,piscina`: only those (to compare two builds of truepar, say); every pool by default.
const only: readonly string[] = args.pools;
for (const name of makers.keys()) if (!only.includes(name)) makers.delete(name);
for (const name of COMPETITORS.filter((name) => only.includes(name))) {
  try {
    const maker = await loadCompetitor(name);
    const pool = await maker();
    // A probe of the scenarios' shape: many tasks in flight at once, not just one.
    const answers = await withTimeout(
      Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run("noop", i))),
      10_000,
      "1,000 no-op tasks in flight did not finish within 10 s",
    );
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
const payload = new Uint8Array(ECHO_BYTES).map((_, i) => i & 255);
/** Tasks per ms the workers can take at full use, for the under-load scenario. */
const loadRate = (LOAD_SHARE * WORKERS) / smallTaskMs;
const push = (key: string, value: number) => samples.set(key, [...(samples.get(key) ?? []), value]);

const trace = (step: string) => process.env.TRUEPAR_TRACE && process.stderr.write(`${step}\n`);
for (let round = 0; round < REPEAT; round++) {
  for (const [name, make] of makers) {
    trace(`${name} round ${round}`);
    try {
      await withTimeout(
        poolRound(name, make, round),
        ROUND_LIMIT_MS,
        `a round did not end within ${ROUND_LIMIT_MS / 1000} s`,
      );
    } catch (error) {
      // A pool that hangs or fails midway is left out from here on, with the reason, not waited for.
      unavailable.push({
        pool: name,
        reason: `stopped in round ${round + 1}: ${(error as Error).message.split("\n")[0]}`,
      });
      makers.delete(name);
      for (const key of [...samples.keys()]) if (key.startsWith(`${name}|`)) samples.delete(key);
      roundTrips.delete(name);
      loadLatencies.delete(name);
    }
  }
  trace(`no messaging round ${round}`);
  ceilingSamples.push(await noMessaging());
  trace(`copy round ${round}`);
  push("bare-copy|copy-1mb", copyRate(false));
  push("bare-copy-fresh|copy-1mb", copyRate(true));
  push("bare-promises|noop", await promiseRate());
  for (const how of ["wait", "spin", "spin-await"] as const) {
    trace(`ping-pong round ${round}`);
    const trips = await pingPong(how);
    const name = `bare-atomics-${how}`;
    roundTrips.set(name, [...(roundTrips.get(name) ?? []), ...trips]);
    push(`${name}|round-trip`, median(trips));
  }
}

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

// A competitor that hung may hold threads its destroy() never stops: they must not hold this process.
if (unavailable.length > 0) process.exit(0);

/** One round of every scenario on one pool, made fresh; and the cold burst on another. */
async function poolRound(name: string, make: PoolMaker, round: number): Promise<void> {
  // A round that hung and was left out may still end later: what it measures then is not kept.
  const keep = (key: string, value: number) => makers.has(name) && push(key, value);
  const pool = await make();
  try {
    // Warm-up, untimed: every pool's workers get to optimize both tasks first.
    await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.run("noop", i)));
    await Promise.all(Array.from({ length: 4000 }, () => pool.run("work", smallIterations)));
    // A few at a time first, before the 100,000 no-ops leave the collector work that competes for the cores.
    let start = 0;
    for (let group = -NOOP_GROUPS_WARM_UP; group < NOOP_GROUPS; group++) {
      if (group === 0) start = performance.now();
      await Promise.all(Array.from({ length: NOOP_GROUP }, (_, i) => pool.run("noop", i)));
    }
    keep(`${name}|noop-group`, (NOOP_GROUP * NOOP_GROUPS) / ((performance.now() - start) / 1000));
    const cpuBefore = await readCpu("start");
    start = performance.now();
    await Promise.all(Array.from({ length: NOOP_TASKS }, (_, i) => pool.run("noop", i)));
    keep(`${name}|noop`, NOOP_TASKS / ((performance.now() - start) / 1000));
    // The pool's own cost per task: every thread's CPU time (this one's, the workers'), not the wall clock.
    keep(`${name}|noop-cpu`, ((await readCpu("end")) - cpuBefore) * 1000 / NOOP_TASKS);
    if (pool.map) {
      // The same no-op calls as items of one map(): many calls to a message, one promise for them all.
      const items = Array.from({ length: NOOP_TASKS }, (_, i) => i);
      start = performance.now();
      await pool.map("noop", items);
      keep(`${name}|noop-map`, NOOP_TASKS / ((performance.now() - start) / 1000));
    }

    start = performance.now();
    await Promise.all(Array.from({ length: SMALL_TASKS }, () => pool.run("work", smallIterations)));
    keep(`${name}|small-cpu`, performance.now() - start);

    if (pool.map) {
      start = performance.now();
      await pool.map("work", Array.from({ length: SMALL_TASKS }, () => smallIterations));
      keep(`${name}|small-cpu-map`, performance.now() - start);
    }

    const trips: number[] = [];
    const until = performance.now() + ROUND_TRIP_MAX_MS;
    for (let i = 0; i < ROUND_TRIPS && performance.now() < until; i++) {
      const sent = performance.now();
      await pool.run("noop", i);
      trips.push((performance.now() - sent) * 1000);
    }
    // The first half warms both sides up (the caller's loop too), as the bare ping-pong's does.
    trips.splice(0, Math.floor(trips.length * WARM_UP));
    if (makers.has(name)) roundTrips.set(name, [...(roundTrips.get(name) ?? []), ...trips]);
    keep(`${name}|round-trip`, median(trips));

    await echoes(pool, false, ECHO_WARM_UP);
    start = performance.now();
    const echoed = await echoes(pool);
    keep(`${name}|echo-1mb`, (echoed * ECHO_BYTES) / ((performance.now() - start) / 1000) / 1e9);
    if (pool.moving) {
      await echoes(pool, true, ECHO_WARM_UP);
      start = performance.now();
      const moved = await echoes(pool, true);
      keep(`${name}|echo-1mb-transfer`, (moved * ECHO_BYTES) / ((performance.now() - start) / 1000) / 1e9);
    }

    const latencies = await underLoad(pool);
    if (makers.has(name)) loadLatencies.set(name, [...(loadLatencies.get(name) ?? []), ...latencies]);
    keep(`${name}|under-load`, median(latencies));

    // Idle: once, in the last round; cores burned per worker while nothing is asked of it.
    if (round === REPEAT - 1) keep(`${name}|idle`, await idleCores());
  } finally {
    await withTimeout(pool.close(), 5000, "its pool did not close within 5 s");
  }
  // The lazy-spawn problem: 2 × cores tasks on a pool just made.
  const start = performance.now();
  const cold = await make();
  await Promise.all(Array.from({ length: 2 * cores }, () => cold.run("work", smallIterations * 100)));
  keep(`${name}|cold-burst`, performance.now() - start);
  await withTimeout(cold.close(), 5000, "its pool did not close within 5 s");
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
  for (const pool of makers.keys()) {
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
  if (makers.has("truepar-spin")) {
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
  const others = COMPETITORS.filter((other) => makers.has(other));
  if (others.length > 0) console.log("\ntruepar against the others (no-op throughput, round trip, efficiency, echo):");
  for (const ours of ["truepar", "truepar-spin"].filter((pool) => makers.has(pool))) {
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

async function loadCompetitor(name: (typeof COMPETITORS)[number]): Promise<PoolMaker> {
  const filename = TASKS.href;
  switch (name) {
    case "piscina": {
      const { Piscina } = await import("piscina");
      return () => {
        const pool = new Piscina({ filename, minThreads: WORKERS, maxThreads: WORKERS, idleTimeout: 60_000 });
        return Promise.resolve({
          run: (fn: string, arg: unknown) => pool.run(arg, { name: fn }),
          close: () => pool.destroy(),
        });
      };
    }
    case "tinypool": {
      const { Tinypool } = await import("tinypool");
      return () => {
        const pool = new Tinypool({ filename, minThreads: WORKERS, maxThreads: WORKERS, idleTimeout: 60_000 });
        return Promise.resolve({
          run: (fn: string, arg: unknown) => pool.run(arg, { name: fn }),
          close: () => pool.destroy(),
        });
      };
    }
    case "poolifier": {
      // Its worker file wraps the same tasks in poolifier's ThreadWorker; its defaults, as its own cross-pool benchmark uses them.
      const { FixedThreadPool } = await import("poolifier");
      const worker = fileURLToPath(new URL("./_poolifier_worker.mjs", import.meta.url));
      return () => {
        const pool = new FixedThreadPool(WORKERS, worker);
        return Promise.resolve({
          run: (fn: string, arg: unknown) => pool.execute(arg, fn),
          close: () => pool.destroy(),
        });
      };
    }
    case "workerpool": {
      const { default: workerpool } = await import("workerpool");
      const worker = fileURLToPath(new URL("./_workerpool_worker.mjs", import.meta.url));
      return () => {
        const pool = workerpool.pool(worker, { minWorkers: WORKERS, maxWorkers: WORKERS, workerType: "thread" });
        return Promise.resolve({
          run: (fn: string, arg: unknown) => Promise.resolve(pool.exec(fn, [arg])),
          close: () => pool.terminate().then(() => {}),
        });
      };
    }
  }
}

/**
 * Echoes the payload `tasks` times, `ECHO_IN_FLIGHT` at a time, or as
 * many times as end within `ECHO_MAX_MS` (a pool that copies slowly would
 * hold the bench for minutes); checks what came back; returns how many.
 * `moving`: each lane sends its own copy of the payload in the task's
 * `transfer` list, so it moves to the worker; the answer (a copy) is what
 * the lane moves next time.
 */
async function echoes(pool: BenchPool, moving = false, tasks = ECHO_TASKS): Promise<number> {
  let next = 0;
  let done = 0;
  const until = performance.now() + ECHO_MAX_MS;
  const lane = async () => {
    let bytes: Uint8Array = moving ? payload.slice() : payload;
    while (next++ < tasks && performance.now() < until) {
      const back = await (moving ? pool.moving!("echo", bytes) : pool.run("echo", bytes)) as Uint8Array;
      if (back.byteLength !== ECHO_BYTES || back[ECHO_BYTES - 1] !== payload[ECHO_BYTES - 1]) {
        throw new Error("the echo came back changed");
      }
      if (moving && bytes.byteLength !== 0) throw new Error("a buffer in transfer was copied, not moved");
      if (moving) bytes = back;
      done++;
    }
  };
  await Promise.all(Array.from({ length: ECHO_IN_FLIGHT }, lane));
  return done;
}

/**
 * Small tasks arriving at `loadRate` per ms: every millisecond or so the
 * tasks due by then are sent. Returns each task's latency, µs, from when it
 * was due (so a late send counts against the pool, not for it) to its answer.
 */
async function underLoad(pool: BenchPool): Promise<number[]> {
  const latencies: number[] = [];
  const answers: Promise<void>[] = [];
  const total = Math.round(loadRate * LOAD_MS);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) * loadRate) + 1);
    for (; sent < due; sent++) {
      const dueAt = start + sent / loadRate;
      answers.push(
        pool.run("work", smallIterations).then(() => void latencies.push((performance.now() - dueAt) * 1000)),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(answers);
  return latencies;
}

/** The small tasks with no messaging: each worker of a truepar pool runs its share in one loop, all at once; ms. */
async function noMessaging(): Promise<number> {
  const pool = await createPool({ adapter, size: WORKERS, module: TASKS });
  try {
    const share = { iterations: smallIterations, count: SMALL_TASKS / WORKERS };
    // Once to warm the loop up, then timed.
    await Promise.all(Array.from({ length: WORKERS }, () => pool.run("workAlone", { ...share, count: 200 })));
    const start = performance.now();
    await Promise.all(Array.from({ length: WORKERS }, () => pool.run("workAlone", share)));
    return performance.now() - start;
  } finally {
    await pool.close();
  }
}

/**
 * The ceiling: this thread and one worker hand a value back and forth through
 * a SharedArrayBuffer, `PING_PONGS` times, blocking in `Atomics.wait` or
 * spinning on `Atomics.load`; no pool in between. The worker is a truepar
 * pool's, running `pong` as its one task. `spin-await`: spinning, and this
 * side makes a promise for each answer, settles it and awaits it, the least
 * an API that returns a promise adds to a round trip. Returns each round
 * trip, µs.
 */
async function pingPong(how: "wait" | "spin" | "spin-await"): Promise<number[]> {
  const spin = how !== "wait";
  const pool = await createPool({ adapter, size: 1, module: TASKS });
  try {
    const shared = new SharedArrayBuffer(12);
    const cell = new Int32Array(shared);
    const served = pool.run<number>("pong", { shared, rounds: PING_PONGS, spin });
    if (Atomics.wait(cell, 2, 0, 10_000) === "timed-out") {
      throw new Error("the ping-pong worker did not start within 10 s");
    }
    const trips: number[] = new Array(PING_PONGS);
    for (let round = 0; round < PING_PONGS; round++) {
      const ping = 2 * round + 1;
      const sent = performance.now();
      Atomics.store(cell, 0, ping);
      if (how === "spin-await") {
        let answer!: (value: number) => void;
        const answered = new Promise<number>((resolve) => (answer = resolve));
        while (Atomics.load(cell, 0) !== ping + 1);
        answer(cell[1]!);
        await answered;
      } else if (spin) {
        while (Atomics.load(cell, 0) !== ping + 1);
      } else {
        Atomics.notify(cell, 0);
        while (Atomics.load(cell, 0) !== ping + 1) Atomics.wait(cell, 0, ping);
      }
      trips[round] = (performance.now() - sent) * 1000;
    }
    if (await served !== PING_PONGS || cell[1] !== PING_PONGS) throw new Error("the ping-pong lost a hand-off");
    // The first half warms both sides up.
    return trips.slice(Math.floor(PING_PONGS * WARM_UP));
  } finally {
    await pool.close();
  }
}

/** This process's CPU time, ms: every thread's, workers' included (and children's, where the adapter reads them). */
async function readCpu(edge: "start" | "end"): Promise<number> {
  if (adapter.readCpu !== undefined) return (await adapter.readCpu(edge)).ms;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Cores a pool's workers burn while idle: the process's CPU time over
 * `IDLE_MS` with nothing asked of the pool, once any spin window has passed,
 * per worker (this thread, waiting on a timer, burns next to nothing).
 */
async function idleCores(): Promise<number> {
  await sleep(IDLE_SETTLE_MS);
  const before = await readCpu("start");
  const start = performance.now();
  await sleep(IDLE_MS);
  const cpuMs = (await readCpu("end")) - before;
  return cpuMs / (performance.now() - start) / WORKERS;
}

/**
 * The copy limit: GB/s of one thread copying the payload, `COPIES` times,
 * into one buffer of its own (the bytes stay in the caches), or, `fresh`,
 * into a new buffer each time (`slice()`: what a receiver that owns what it
 * receives must do at least once).
 */
function copyRate(fresh: boolean): number {
  const into = new Uint8Array(ECHO_BYTES);
  let last = into;
  const copy = () => fresh ? (last = payload.slice()) : into.set(payload);
  for (let i = 0; i < 20; i++) copy();
  const start = performance.now();
  for (let i = 0; i < COPIES; i++) copy();
  const seconds = (performance.now() - start) / 1000;
  if (last[ECHO_BYTES - 1] !== payload[ECHO_BYTES - 1]) throw new Error("the copy came out changed");
  return (COPIES * ECHO_BYTES) / seconds / 1e9;
}

/**
 * The limit of one promise per task: `NOOP_TASKS` promises made (each its
 * resolve kept, the least a `run()` that returns a promise does), awaited
 * together with `Promise.all` and settled a turn later, as the no-op
 * scenario does, with no pool and no worker. No pool whose `run()` returns a
 * promise can pass it. Warmed up as every pool is, by the same many untimed
 * first: the first burst in a round ran at about half the rate of the next
 * two on Node here (1.5–1.7M/s against 2.5–3.3M/s, in bench:pool on 2 cores).
 */
async function promiseRate(): Promise<number> {
  await promiseBurst();
  return await promiseBurst();
}

/** One burst of {@linkcode promiseRate}: promises per second. */
async function promiseBurst(): Promise<number> {
  const settle = new Array<(value: number) => void>(NOOP_TASKS);
  const promises = new Array<Promise<number>>(NOOP_TASKS);
  const start = performance.now();
  for (let i = 0; i < NOOP_TASKS; i++) promises[i] = new Promise((resolve) => (settle[i] = resolve));
  const all = Promise.all(promises);
  await sleep(0);
  for (let i = 0; i < NOOP_TASKS; i++) settle[i]!(i);
  await all;
  return NOOP_TASKS / ((performance.now() - start) / 1000);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]).finally(() => clearTimeout(timer));
}
