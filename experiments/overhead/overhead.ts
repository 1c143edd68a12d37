/**
 * The overhead experiment: what a worker and a child process cost in memory,
 * start-up and round-trip latency, and whether spawning them leaks.
 *
 * Memory is read from outside: a subject child process holds 1, 2, 4, 8 idle
 * workers (or children) while this process reads the subject's tree through
 * the adapter; the cost per worker is the fitted slope, not one difference.
 * Where there are no child processes (a browser), this process is the
 * subject: it holds the workers, and its memory is read from outside by the
 * adapter (a page's renderer, where its workers run as threads).
 *
 * @module
 */

import {
  type HostInfo,
  type RuntimeAdapter,
  type RuntimeInfo,
  startsKind,
  type WorkerKind,
} from "../../core/adapter.ts";
import type { MemoryReading, MemorySource } from "../../core/measure/memory.ts";
import { createPool, type Pool } from "../../core/pool/pool.ts";
import { fitLine, type LineFit, median, percentile } from "../../core/measure/stats.ts";
import type { FromWorker } from "../../core/pool/protocol.ts";
import { checkCount } from "../../core/_checks.ts";

/** The schema name of an overhead record. */
export const OVERHEAD_SCHEMA = "truepar.overhead/1";

const MB = 2 ** 20;
const NOOP_MODULE = new URL("./noop_tasks.ts", import.meta.url);
const SUBJECT_MODULE = new URL("./subject_tasks.ts", import.meta.url);

/** Options for {@linkcode runOverhead}. */
export interface OverheadOptions {
  adapter: RuntimeAdapter;
  /** Idle workers held for the memory slope. Default `[1, 2, 4, 8]`. */
  counts?: readonly number[];
  /** Warm spawns timed per kind, after the cold first. Default 20. */
  spawns?: number;
  /** No-op round trips timed per kind. Default 2000. */
  roundTrips?: number;
  /** Spawn/terminate cycles of the leak check. Default 50. */
  cycles?: number;
  /** Wait before reading memory, so start-up garbage settles. Default 300 ms. */
  settleMs?: number;
  /** Called as each step starts. */
  onStep?: (step: string) => void;
}

/** RSS and PSS in MB (2^20 bytes); PSS `null` where unknown. */
export interface MemoryMB {
  rss: number;
  pss: number | null;
}

/** A latency summary; every sample is kept. */
export interface Latency {
  median: number;
  p90: number;
  p99: number;
  samples: number[];
}

/** The memory of the subject as it held more and more idle workers or children. */
export interface MemorySlope {
  samples: { count: number; rss: number; pss: number | null }[];
  fit: { rss: LineFit; pss: LineFit | null };
}

/** The leak check: the subject's memory before and after many spawn/terminate cycles. */
export interface LeakCheck {
  cycles: number;
  beforeMB: MemoryMB;
  afterMB: MemoryMB;
  deltaMB: MemoryMB;
}

/** The record of the overhead experiment (`truepar.overhead/1`). */
export interface OverheadRecord {
  schema: typeof OVERHEAD_SCHEMA;
  runtime: RuntimeInfo;
  host: HostInfo;
  startedAt: string;
  /** `smaps_rollup` (from outside, via /proc) or `memoryUsage` (the subject's own RSS; workers only). */
  memorySource: MemorySource;
  idleMB: MemoryMB;
  perWorkerMB: MemoryMB;
  /** `null` where child processes cannot be read from outside, or where there are none (a browser). */
  perProcessMB: MemoryMB | null;
  memory: { worker: MemorySlope; process: MemorySlope | null };
  workerStartMs: Latency & { cold: number };
  /** `null` where there are no child processes (a browser). */
  processStartMs: (Latency & { cold: number }) | null;
  roundTripUs: Latency & { messagesPerSecond: number };
  /** The worker round trip in the pool's latency mode (`spinMicros`, see `spinMicros` in `settings`). */
  spinRoundTripUs: Latency & { messagesPerSecond: number };
  /** `null` where there are no child processes (a browser). */
  processRoundTripUs: (Latency & { messagesPerSecond: number }) | null;
  leak: { worker: LeakCheck; process: LeakCheck | null };
  settings: {
    counts: number[];
    spawns: number;
    roundTrips: number;
    cycles: number;
    settleMs: number;
    spinMicros: number;
  };
}

/** The latency mode the overhead experiment times besides the default: idle threads stay awake 50 µs. */
const SPIN_MICROS = 50;

/**
 * Measures the cost of workers and child processes on the adapter's runtime.
 *
 * @param options The adapter, and how much to measure.
 * @returns The `truepar.overhead/1` record.
 * @throws {RangeError} For counts that are not positive integers.
 * @throws {Error} When the subject process or a worker fails.
 * @example
 * ```ts
 * import { runOverhead } from "./overhead.ts";
 * import { createAdapter } from "../../runtimes/detect.ts";
 * const record = await runOverhead({ adapter: await createAdapter(), spawns: 2, roundTrips: 20, cycles: 2 });
 * console.log(record.perWorkerMB);
 * ```
 */
export async function runOverhead(options: OverheadOptions): Promise<OverheadRecord> {
  const { adapter, onStep } = options;
  const counts = [...(options.counts ?? [1, 2, 4, 8])];
  counts.forEach((count) => checkPositive("counts", count));
  if (new Set(counts).size < 2) {
    throw new RangeError(
      `Cannot run overhead: "counts" must hold at least two different sizes to fit a slope, received ${
        JSON.stringify(counts)
      }`,
    );
  }
  const settings = {
    counts,
    spawns: checkPositive("spawns", options.spawns ?? 20),
    roundTrips: checkPositive("roundTrips", options.roundTrips ?? 2000),
    cycles: checkPositive("cycles", options.cycles ?? 50),
    settleMs: options.settleMs ?? 300,
    spinMicros: SPIN_MICROS,
  };
  const startedAt = new Date().toISOString();

  const processes = startsKind(adapter, "process");
  onStep?.("worker start-up");
  const workerStartMs = await timeStartups(adapter, "worker", settings.spawns);
  onStep?.("process start-up");
  const processStartMs = processes ? await timeStartups(adapter, "process", settings.spawns) : null;
  onStep?.("worker round trip");
  const roundTripUs = await timeRoundTrips(adapter, "worker", settings.roundTrips);
  onStep?.("worker round trip, spinning");
  const spinRoundTripUs = await timeRoundTrips(adapter, "worker", settings.roundTrips, SPIN_MICROS);
  onStep?.("process round trip");
  const processRoundTripUs = processes
    ? await timeRoundTrips(adapter, "process", Math.ceil(settings.roundTrips / 2))
    : null;

  const subject = processes ? await childSubject(adapter) : thisProcess(adapter);
  try {
    const meter = new Meter(adapter, subject, settings.settleMs);
    onStep?.("idle memory");
    const idle = await meter.read([]);
    if (idle === null) {
      throw new Error(
        `Cannot measure memory: ${adapter.runtime.name} cannot read the memory of the process it runs in`,
      );
    }
    onStep?.("memory per worker");
    const worker = (await measureSlope(meter, subject, "worker", counts))!;
    onStep?.("memory per process");
    const process = processes ? await measureSlope(meter, subject, "process", counts) : null;
    onStep?.("leak check");
    const leak = {
      worker: (await checkLeak(meter, subject, "worker", settings.cycles))!,
      process: processes ? await checkLeak(meter, subject, "process", settings.cycles) : null,
    };
    return {
      schema: OVERHEAD_SCHEMA,
      runtime: adapter.runtime,
      host: adapter.hostInfo(),
      startedAt,
      memorySource: idle!.source,
      idleMB: toMB(idle!),
      perWorkerMB: slopeMB(worker),
      perProcessMB: process && slopeMB(process),
      memory: { worker, process },
      workerStartMs,
      processStartMs,
      roundTripUs,
      spinRoundTripUs,
      processRoundTripUs,
      leak,
      settings,
    };
  } finally {
    await subject.end();
  }
}

/** What holds the idle workers whose memory is read: a child process, or this process where there are none. */
interface Subject {
  /** The processes whose memory is the subject's own. */
  readonly pids: number[];
  /** Holds `count` idle workers or children, in place of those held before; the pids of held children. */
  hold(kind: WorkerKind, count: number): Promise<number[]>;
  /** Starts and closes a pool of one, `cycles` times. */
  cycle(kind: WorkerKind, cycles: number): Promise<void>;
  /** Its RSS by its runtime's own account, where it cannot be read from outside; `null` where not even that. */
  selfMemory(): Promise<number | null>;
  end(): Promise<void>;
}

/** A child process of the runtime, running the subject task module. */
async function childSubject(adapter: RuntimeAdapter): Promise<Subject> {
  const pool = await createPool({ adapter, kind: "process", size: 1, module: SUBJECT_MODULE });
  return {
    get pids() {
      return pool.pids;
    },
    hold: (kind, count) => pool.run<number[]>("hold", { kind, count }),
    cycle: (kind, cycles) => pool.run("cycle", { kind, cycles }),
    selfMemory: () => pool.run<number>("selfMemory", null),
    end: () => pool.terminate(),
  };
}

/** This process as the subject (a browser's page: its renderer holds the workers). */
function thisProcess(adapter: RuntimeAdapter): Subject {
  const holder = createHolder(adapter);
  return {
    pids: adapter.pid === undefined ? [] : [adapter.pid],
    ...holder,
    selfMemory: () => Promise.resolve(null),
    end: () => holder.hold("worker", 0).then(() => {}),
  };
}

/**
 * Holds idle workers or children on request, and cycles pools: what a
 * subject does, in the subject's own process.
 *
 * @param adapter The runtime the subject runs on.
 * @returns `hold` and `cycle`.
 */
export function createHolder(adapter: RuntimeAdapter): Pick<Subject, "hold" | "cycle"> {
  let held: Pool | undefined;
  return {
    async hold(kind, count) {
      await held?.close();
      held = count > 0 ? await createPool({ adapter, kind, size: count, module: NOOP_MODULE }) : undefined;
      return held?.pids ?? [];
    },
    async cycle(kind, cycles) {
      for (let i = 0; i < cycles; i++) {
        const pool = await createPool({ adapter, kind, size: 1, module: NOOP_MODULE });
        await pool.close();
      }
    },
  };
}

/** Reads the subject's memory, with its held children, after letting it settle. */
class Meter {
  #adapter: RuntimeAdapter;
  #subject: Subject;
  #settleMs: number;

  constructor(adapter: RuntimeAdapter, subject: Subject, settleMs: number) {
    this.#adapter = adapter;
    this.#subject = subject;
    this.#settleMs = settleMs;
  }

  /** The median of three readings; `null` when children cannot be read from outside. */
  async read(children: readonly number[]): Promise<MemoryReading | null> {
    const readings: MemoryReading[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(this.#settleMs / 3);
      const pids = [...this.#subject.pids, ...children];
      const reading = pids.length === 0 ? null : await this.#adapter.readMemory(pids);
      const own = reading === null && children.length === 0 ? await this.#subject.selfMemory() : null;
      if (reading !== null) readings.push(reading);
      else if (own === null) return null;
      else readings.push({ rssBytes: own, pssBytes: null, source: "memoryUsage" });
    }
    const pss = readings.map((r) => r.pssBytes);
    return {
      rssBytes: median(readings.map((r) => r.rssBytes)),
      pssBytes: pss.includes(null) ? null : median(pss as number[]),
      source: readings[0]!.source,
    };
  }
}

async function measureSlope(
  meter: Meter,
  subject: Subject,
  kind: WorkerKind,
  counts: number[],
): Promise<MemorySlope | null> {
  const samples: MemorySlope["samples"] = [];
  try {
    for (const count of counts) {
      const children = await subject.hold(kind, count);
      const reading = await meter.read(children);
      if (reading === null) return null;
      samples.push({ count, ...toMB(reading) });
    }
  } finally {
    await subject.hold(kind, 0);
  }
  const xs = samples.map((s) => s.count);
  const pss = samples.map((s) => s.pss);
  return {
    samples,
    fit: {
      rss: fitLine(xs, samples.map((s) => s.rss)),
      pss: pss.includes(null) ? null : fitLine(xs, pss as number[]),
    },
  };
}

async function checkLeak(meter: Meter, subject: Subject, kind: WorkerKind, cycles: number): Promise<LeakCheck | null> {
  const before = await meter.read([]);
  await subject.cycle(kind, cycles);
  const after = await meter.read([]);
  if (before === null || after === null) return null;
  const beforeMB = toMB(before);
  const afterMB = toMB(after);
  return {
    cycles,
    beforeMB,
    afterMB,
    deltaMB: {
      rss: afterMB.rss - beforeMB.rss,
      pss: afterMB.pss === null || beforeMB.pss === null ? null : afterMB.pss - beforeMB.pss,
    },
  };
}

/** Spawn to ready, one at a time: the cold first, then `spawns` more. */
async function timeStartups(
  adapter: RuntimeAdapter,
  kind: WorkerKind,
  spawns: number,
): Promise<Latency & { cold: number }> {
  const specifier = await adapter.prepare(NOOP_MODULE);
  const times: number[] = [];
  for (let i = 0; i <= spawns; i++) {
    let ready!: () => void;
    let failed!: (error: Error) => void;
    const started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    const start = performance.now();
    const endpoint = adapter.spawn(kind, {
      onMessage: (message: FromWorker) => (message.t === "ready" ? ready() : undefined),
      onExit: () => failed(new Error(`Cannot time start-up: the ${kind} exited before it was ready`)),
    });
    endpoint.send({ t: "init", module: specifier });
    try {
      await started;
      times.push(performance.now() - start);
    } finally {
      await endpoint.terminate();
    }
  }
  const [cold, ...warm] = times;
  return { ...summarize(warm), cold: cold! };
}

async function timeRoundTrips(
  adapter: RuntimeAdapter,
  kind: WorkerKind,
  count: number,
  spinMicros = 0,
): Promise<Latency & { messagesPerSecond: number }> {
  const pool = await createPool({ adapter, kind, size: 1, module: NOOP_MODULE, spinMicros });
  try {
    for (let i = 0; i < Math.min(count, 200); i++) await pool.run("noop", i);
    const samples: number[] = [];
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const sent = performance.now();
      await pool.run("noop", i);
      samples.push((performance.now() - sent) * 1000);
    }
    const seconds = (performance.now() - start) / 1000;
    return { ...summarize(samples), messagesPerSecond: count / seconds };
  } finally {
    await pool.close();
  }
}

function summarize(samples: number[]): Latency {
  return { median: median(samples), p90: percentile(samples, 90), p99: percentile(samples, 99), samples };
}

function toMB(reading: MemoryReading): MemoryMB {
  return { rss: reading.rssBytes / MB, pss: reading.pssBytes === null ? null : reading.pssBytes / MB };
}

function slopeMB(slope: MemorySlope): MemoryMB {
  return { rss: slope.fit.rss.slope, pss: slope.fit.pss?.slope ?? null };
}

function checkPositive(name: string, value: number): number {
  return checkCount("Cannot run overhead", name, value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
