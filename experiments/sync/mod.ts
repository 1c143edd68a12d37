/**
 * The sync experiment's entry: where shared memory goes wrong (lost updates,
 * a lock any worker can release, an over-released semaphore), and the safe
 * primitives that fix it.
 *
 * @module
 */

import { runtimeRank } from "../../runtimes/registry.ts";
import {
  type Experiment,
  oncePerRuntime,
  type Profile,
  runtimeLabels,
  stepProgress,
  untilAborted,
} from "../_experiment.ts";
import { count, type Flag } from "../_flags.ts";
import { runSync, SYNC_STEPS, type SyncRecord } from "./sync.ts";

export * from "./sync.ts";

/** `--experiment sync`'s flags. */
export interface SyncArgs {
  workers: number;
  iterations: number;
}

const PROFILE_ARGS: Record<Profile, string[]> = {
  quick: ["--iterations", "1000000"],
  full: ["--iterations", "2000000"],
  smoke: ["--iterations", "1000"],
};

const FLAGS = {
  workers: { name: "workers", value: "N", help: "sync: workers racing on one counter", default: "2" },
  iterations: { name: "iterations", value: "N", help: "sync: additions per worker", default: "1000000" },
} satisfies Record<string, Flag>;

/** The sync experiment. */
export const sync: Experiment<SyncArgs, SyncRecord, SyncRecord[]> = {
  name: "sync",
  schema: "truepar.sync/1",
  flags: Object.values(FLAGS),
  parse: (values) => ({ workers: count(FLAGS.workers, values, 1), iterations: count(FLAGS.iterations, values, 1) }),
  run: (args, context) =>
    untilAborted(
      context.signal,
      runSync({ adapter: context.adapter, ...args, onStep: stepProgress(context, SYNC_STEPS.length) }),
    ),
  format: formatSync,
  ...oncePerRuntime<SyncRecord>("sync", PROFILE_ARGS, runtimeRank),
  present: (records) => {
    const label = runtimeLabels(records);
    return {
      verdict: [],
      lines: [],
      tables: [{
        show: "text",
        title:
          "sync · updates lost of 2,000,000 (++ / Atomics / Mutex) and of 1,000 on the event loop; the thief; the semaphore",
        header: [
          "runtime",
          "++ lost",
          "Atomics",
          "Mutex",
          "event loop",
          "thief: naive / Mutex",
          "inside: plain / bounded",
        ],
        rows: records.map((r) => [
          label(r),
          String(r.lostUpdates.plain.lost),
          String(r.lostUpdates.atomic.lost),
          String(r.lostUpdates.mutex.lost),
          String(r.eventLoopRace.lost),
          `${r.thief.naive.balance} / ${r.thief.safe.balance}`,
          `${r.semaphore.plain.maxInside} / ${r.semaphore.bounded.maxInside}`,
        ]),
      }, {
        show: "markdown",
        title: "sync · what each pitfall did, and each fix",
        csv: "sync.csv",
        header: [
          "runtime",
          "plain ++ lost",
          "Atomics.add lost",
          "Mutex lost",
          "event loop lost",
          "thief: naive / Mutex balance",
          "semaphore: plain / bounded inside",
        ],
        rows: records.map((r) => [
          label(r),
          `${r.lostUpdates.plain.lost} of ${r.lostUpdates.plain.expected}`,
          String(r.lostUpdates.atomic.lost),
          String(r.lostUpdates.mutex.lost),
          `${r.eventLoopRace.lost} of ${r.eventLoopRace.expected}`,
          `${r.thief.naive.balance} / ${r.thief.safe.balance}`,
          `${r.semaphore.plain.maxInside} / ${r.semaphore.bounded.maxInside}`,
        ]),
      }],
      charts: [],
      warnings: [],
    };
  },
  diff: {
    settings: (record) => ({ workers: record.lostUpdates.workers, iterations: record.lostUpdates.iterations }),
    samples: () => [],
  },
};

/**
 * Formats a sync record: what happened in each demonstration.
 *
 * @param record A `truepar.sync/1` record.
 * @returns Lines of text.
 */
export function formatSync(record: SyncRecord): string {
  const noRace = ({ overlapMs, attempts = 1 }: { overlapMs?: number; attempts?: number }) =>
    overlapMs === undefined
      ? "it needs the workers to overlap on the counter"
      : overlapMs === 0
      ? `the workers' loops never ran at once in ${attempts} ${attempts === 1 ? "try" : "tries"}: the machine is busy`
      : `the loops ran at once for ${overlapMs.toFixed(2)} ms`;
  const { runtime, lostUpdates: lost, eventLoopRace: race, thief, semaphore } = record;
  const seen = (t: { expected: number; observed: number; lost: number }) =>
    `expected ${t.expected}, observed ${t.observed}${t.lost === 0 ? "" : ` (${t.lost} lost)`}`;
  return [
    `[sync, runtime = ${runtime.name} ${runtime.version}, # workers = ${lost.workers}]`,
    `Lost updates: ${lost.workers} workers each add 1 to one shared Int32 ${lost.iterations} times`,
    `  plain i32[0]++       ${seen(lost.plain)}${
      lost.plain.lost === 0
        ? `: the race did not happen this time (${noRace(lost.plain)}); run again, or raise --iterations`
        : ""
    }`,
    `  Atomics.add          ${seen(lost.atomic)}`,
    `  ++ under Mutex       ${seen(lost.mutex)}`,
    `Read, await, write on one event loop, no threads: ${race.deposits} deposits of 1, ${seen(race)}`,
    `The thief: a second worker unlocks the vault its owner holds and withdraws ${thief.amount} of ${thief.vault}`,
    `  naive lock, no owner balance ${thief.naive.balance}${
      thief.naive.error === null ? ": stolen" : `: ${thief.naive.error}`
    }`,
    `  Mutex, with owner    balance ${thief.safe.balance}${
      thief.safe.error === null ? ": stolen" : `: ${thief.safe.error}`
    }`,
    `The semaphore: ${semaphore.parties} workers meant to enter one at a time, after ${semaphore.extraReleases} extra releases`,
    `  Semaphore(1)         ${semaphore.plain.maxInside} inside at once${
      semaphore.plain.refused ? "; the extra releases were refused" : ""
    }`,
    `  BoundedSemaphore(1)  ${semaphore.bounded.maxInside} inside at once${
      semaphore.bounded.refused ? `; refused: ${semaphore.bounded.error}` : ""
    }`,
  ].join("\n");
}
