/**
 * Where a level's parallel time went: a time budget. A batch at level c holds
 * c lanes (workers, child processes, or tasks in flight on one event loop)
 * for its wall time; its lane time is c × wall. Ideally it needs no more lane
 * time than the smallest level did (the ideal time: that level's time × its
 * level ÷ this level); the difference is the loss, split into parts that are
 * each measured:
 *
 * - start-up: the pool starting, until every worker was ready (cold only);
 * - messages (a pool) or serial (one event loop): a lane's time before,
 *   between and after its tasks, from each task's span;
 * - imbalance: lanes idle while another still ran its last tasks;
 * - work: the tasks' own time on a CPU (their threads' clocks), more side by
 *   side than alone when cores are shared, slower or busier;
 * - run-queue wait: the tasks' threads runnable but waiting for a CPU;
 * - stolen: CPU time the hypervisor took meanwhile (`/proc/stat`'s steal);
 * - unexplained: what the parts leave: time inside the tasks that neither
 *   their threads' clocks (on a CPU, waiting for one) nor the steal account
 *   for (timers and other waits, locks, page faults, the clocks disagreeing).
 *
 * Each part is this level's lane time of its kind less the smallest level's,
 * over c: ms of wall time, positive where it cost time.
 *
 * @module
 */

import type { ThreadTimes } from "../adapter.ts";

/** One task's span in a batch, as a budget reads it. */
export interface LaneSpan {
  /** Which lane ran it: a worker's number, or a lane of the event loop. */
  lane: number;
  startMs: number;
  endMs: number;
  /** Its thread's time on a CPU, and waiting for one, during the call; absent where not read. */
  cpuMs?: number;
  waitMs?: number;
}

/** One batch as a budget reads it. */
export interface BatchTrace {
  /** When the batch began and ended, ms since the epoch, on the clock the spans use. */
  startMs: number;
  endMs: number;
  /** The level: how many lanes the batch had. */
  lanes: number;
  /** The pool's start before the batch (the cold figure), ms; 0 without one. */
  startupMs: number;
  /** Each task's span. */
  spans: LaneSpan[];
  /**
   * Where the tasks run on the main thread and may interleave (awaited
   * tasks), its clocks over the whole batch rather than per task.
   */
  thread?: ThreadTimes;
  /** CPU ms the hypervisor stole during the batch from this process's CPUs; absent where not counted. */
  stolenMs?: number;
}

/** A batch's lane time, by kind, in ms. */
export interface LaneTime {
  lanes: number;
  wallMs: number;
  startupMs: number;
  /** Inside the tasks' calls. */
  inTaskMs: number;
  /** Of that, on a CPU and waiting for one; `null` where the threads' clocks were not read. */
  cpuMs: number | null;
  waitMs: number | null;
  /** Before, between and after a lane's tasks, while the batch ran. */
  betweenMs: number;
  /** A lane idle after its last task while another still ran. */
  idleMs: number;
  stolenMs: number | null;
  /**
   * The slowest lane's CPU time per task over the fastest's (lanes that ran
   * tasks, with their threads' clocks read): 1 when every worker ran the work
   * at one speed; above it when one ran slower (a core the host shares, or
   * another JIT tier). `null` with fewer than two such lanes.
   */
  laneSpread: number | null;
}

/** The parts of a level's loss, in ms of wall time: positive where they cost time, `null` where not measured. */
export interface BudgetParts {
  startup: number | null;
  messages: number | null;
  serial: number | null;
  imbalance: number | null;
  work: number | null;
  runQueue: number | null;
  stolen: number | null;
  unexplained: number;
}

/** The names of the parts, in the order the budget shows them. */
export const BUDGET_PARTS: readonly (keyof BudgetParts)[] = [
  "startup",
  "messages",
  "serial",
  "imbalance",
  "work",
  "runQueue",
  "stolen",
  "unexplained",
];

/** A level's time budget against the smallest level. */
export interface TimeBudget {
  /** The smallest level's mean time × its level ÷ this level, ms. */
  idealMs: number;
  /** This level's mean time, ms. */
  measuredMs: number;
  /** `measuredMs - idealMs`: what the parts account for. */
  lossMs: number;
  parts: BudgetParts;
  /** The same tasks' time on a CPU here against the smallest level: 1.3 means 30% more CPU time for the same work. */
  workRatio: number | null;
  /** The same tasks' time inside their calls, here against the smallest level: under 1 where they ran faster side by side (waits that fire sooner). */
  taskRatio: number;
  /** The slowest worker's CPU time per task over the fastest's at this level (mean over its batches): one worker slower than another, or all alike (1). */
  laneSpread: number | null;
  /** Why a part is `null`, by part. */
  notes: Partial<Record<keyof BudgetParts, string>>;
  /** Batches measured at this level, and at the smallest. */
  batches: number;
  baseBatches: number;
}

/** The least time a level's batches must add up to for /proc/stat's steal, counted in 10 ms ticks, to be a figure. */
export const MIN_STOLEN_SPAN_MS = 300;

/** How a strategy's lanes are named: a pool's time between tasks is messages; one event loop's is the others' turn on the thread. */
export type LaneKind = "pool" | "event-loop" | "sequential";

/**
 * Splits a batch's lane time into its kinds.
 *
 * @param trace The batch.
 * @returns Its lane time, by kind.
 * @example
 * ```ts
 * import { measureLaneTime } from "./budget.ts";
 * // Two lanes for 30 ms: one ran two 10 ms tasks back to back, the other one task, then idled.
 * const time = measureLaneTime({ startMs: 0, endMs: 30, lanes: 2, startupMs: 0, spans: [
 *   { lane: 0, startMs: 5, endMs: 15 }, { lane: 0, startMs: 15, endMs: 25 }, { lane: 1, startMs: 5, endMs: 15 },
 * ] });
 * if (!(time.inTaskMs === 30 && time.idleMs === 10 && time.betweenMs === 20)) throw new Error("the example's check failed");
 * ```
 */
export function measureLaneTime(trace: BatchTrace): LaneTime {
  const { startMs, endMs, spans } = trace;
  const clip = (t: number) => Math.min(endMs, Math.max(startMs, t));
  const lanes = new Map<number, { inTask: number; lastEnd: number; cpu: number | null; tasks: number }>();
  let inTaskMs = 0;
  let cpuMs: number | null = trace.thread?.cpuMs ?? 0;
  let waitMs: number | null = trace.thread?.waitMs ?? 0;
  for (const span of spans) {
    const ms = clip(span.endMs) - clip(span.startMs);
    inTaskMs += ms;
    const lane = lanes.get(span.lane) ?? { inTask: 0, lastEnd: startMs, cpu: 0, tasks: 0 };
    lane.inTask += ms;
    lane.tasks++;
    lane.cpu = span.cpuMs === undefined || lane.cpu === null ? null : lane.cpu + span.cpuMs;
    lane.lastEnd = Math.max(lane.lastEnd, clip(span.endMs));
    lanes.set(span.lane, lane);
    if (trace.thread === undefined) {
      cpuMs = span.cpuMs === undefined || cpuMs === null ? null : cpuMs + span.cpuMs;
      waitMs = span.waitMs === undefined || waitMs === null ? null : waitMs + span.waitMs;
    }
  }
  // A lane that ran nothing (more lanes than tasks) idled from the start; a replaced worker is a lane of its own.
  const count = Math.max(trace.lanes, lanes.size);
  const ends = [...lanes.values()].map((lane) => lane.lastEnd);
  const lastEnd = Math.max(startMs, ...ends);
  const idleMs = ends.reduce((sum, end) => sum + (lastEnd - end), 0) + (count - lanes.size) * (lastEnd - startMs);
  const wallMs = endMs - startMs;
  const perTask = [...lanes.values()].flatMap((
    lane,
  ) => (lane.cpu === null || lane.tasks === 0 ? [] : [lane.cpu / lane.tasks]));
  return {
    laneSpread: perTask.length < 2 || Math.min(...perTask) <= 0 ? null : Math.max(...perTask) / Math.min(...perTask),
    lanes: trace.lanes,
    wallMs,
    startupMs: trace.startupMs,
    inTaskMs,
    cpuMs: spans.length === 0 && trace.thread === undefined ? null : cpuMs,
    waitMs: spans.length === 0 && trace.thread === undefined ? null : waitMs,
    betweenMs: Math.max(0, count * wallMs - inTaskMs - idleMs),
    idleMs,
    stolenMs: trace.stolenMs ?? null,
  };
}

/**
 * The time budget of one level against the smallest, from the lane times of
 * their batches (the means over the batches of each).
 *
 * @param level This level's batches.
 * @param base The smallest level's batches.
 * @param kind How the strategy's lanes are named.
 * @param cold Whether the batches are cold (pool start included): only then is start-up a part.
 * @returns The budget.
 * @throws {RangeError} When either side has no batch.
 * @example
 * ```ts
 * import { measureBudget } from "./budget.ts";
 * const lane = { startupMs: 0, betweenMs: 0, cpuMs: null, waitMs: null, stolenMs: null, laneSpread: null };
 * // One lane 30 ms; two lanes 20 ms, one of them idle for 10: all of the loss is imbalance.
 * const base = { ...lane, lanes: 1, wallMs: 30, inTaskMs: 30, idleMs: 0 };
 * const two = { ...lane, lanes: 2, wallMs: 20, inTaskMs: 30, idleMs: 10 };
 * const budget = measureBudget([two], [base], "pool", false);
 * if (!(budget.lossMs === 5 && budget.parts.imbalance === 5 && budget.parts.unexplained === 0)) throw new Error("the example's check failed");
 * ```
 */
export function measureBudget(
  level: readonly LaneTime[],
  base: readonly LaneTime[],
  kind: LaneKind,
  cold: boolean,
): TimeBudget {
  if (level.length === 0 || base.length === 0) {
    throw new RangeError(
      `Cannot measure a time budget: need batches at both levels, received ${level.length} and ${base.length}`,
    );
  }
  const c = mean(level, (t) => t.lanes);
  const b = mean(base, (t) => t.lanes);
  const wall = (t: LaneTime) => t.wallMs + (cold ? t.startupMs : 0);
  const measuredMs = mean(level, wall);
  const idealMs = (mean(base, wall) * b) / c;
  // Each kind of lane time: its mean at this level less its mean at the smallest, over this level's lanes.
  const part = (pick: (t: LaneTime) => number | null): number | null => {
    const here = meanOrNull(level, pick);
    const there = meanOrNull(base, pick);
    return here === null || there === null ? null : (here - there) / c;
  };
  const notes: TimeBudget["notes"] = {};
  const between = part((t) => t.betweenMs);
  const idle = part((t) => t.idleMs);
  const timed = part((t) => t.cpuMs) !== null;
  const work = timed ? part((t) => t.cpuMs) : part((t) => t.inTaskMs);
  const runQueue = timed ? part((t) => t.waitMs) : null;
  // /proc/stat counts steal in 10 ms ticks: over batches that add up to less than 30 of them, one tick more or less is most of the figure.
  const span = Math.min(
    level.reduce((total, t) => total + t.wallMs, 0),
    base.reduce((total, t) => total + t.wallMs, 0),
  );
  const stolen = timed && span >= MIN_STOLEN_SPAN_MS ? part((t) => t.stolenMs) : null;
  if (timed && span < MIN_STOLEN_SPAN_MS && part((t) => t.stolenMs) !== null) {
    notes.stolen = `the batches (${
      span.toFixed(0)
    } ms in all) are too short for /proc/stat's 10 ms ticks of steal: what was stolen stays in unexplained`;
  }
  if (!timed) {
    notes.work = "the tasks' threads' clocks were not read here: work is their wall time, waits included";
    notes.runQueue = notes.stolen = "needs the threads' clocks (Linux's /proc/thread-self/schedstat), not read here";
  }
  if (timed && stolen === null) notes.stolen ??= "the hypervisor's steal is not counted here (no /proc/stat)";
  const parts: BudgetParts = {
    startup: cold ? (c * mean(level, (t) => t.startupMs) - b * mean(base, (t) => t.startupMs)) / c : null,
    messages: kind === "pool" ? between : null,
    serial: kind === "event-loop" ? between : kind === "sequential" ? sum(between, idle) : null,
    imbalance: kind === "sequential" ? null : idle,
    work,
    runQueue,
    stolen,
    unexplained: 0,
  };
  if (!cold) notes.startup = "steady: the pool was already running";
  if (kind === "pool") {
    notes.serial = "a pool's main thread only hands out tasks and takes answers: its time is in messages";
  } else notes.messages = "no messages: the tasks run on the main thread";
  if (kind === "sequential") notes.imbalance = "one lane runs everything: the idle lanes are serial";
  const lossMs = measuredMs - idealMs;
  parts.unexplained = lossMs -
    BUDGET_PARTS.reduce((total, name) => total + (name === "unexplained" ? 0 : parts[name] ?? 0), 0);
  const cpuHere = meanOrNull(level, (t) => t.cpuMs);
  const cpuThere = meanOrNull(base, (t) => t.cpuMs);
  return {
    idealMs,
    measuredMs,
    lossMs,
    parts,
    workRatio: cpuHere !== null && cpuThere !== null && cpuThere > 0 ? cpuHere / cpuThere : null,
    taskRatio: mean(level, (t) => t.inTaskMs) / Math.max(mean(base, (t) => t.inTaskMs), 1e-9),
    laneSpread: meanOrNull(level, (t) => t.laneSpread),
    notes,
    batches: level.length,
    baseBatches: base.length,
  };
}

/**
 * A budget's parts in units of speedup: each part's share of the loss, times
 * the speedup lost (the ideal less the speedup measured), so the parts add up
 * to what the speedup lacks of the ideal.
 *
 * @param budget The level's budget.
 * @param speedup The speedup measured at the level.
 * @param ideal The ideal speedup: the level over the smallest.
 * @returns The parts in speedup, or `undefined` where the loss in time and the loss in speedup disagree in sign or are too small to share out.
 * @example
 * ```ts
 * import { budgetInSpeedup } from "./budget.ts";
 * const budget = { lossMs: 10, parts: { imbalance: 8, messages: 2, unexplained: 0 } } as never;
 * const parts = budgetInSpeedup(budget, 1.5, 2)!;
 * if (!(Math.abs(parts.imbalance! - 0.4) < 1e-9 && Math.abs(parts.messages! - 0.1) < 1e-9)) throw new Error("the example's check failed");
 * ```
 */
export function budgetInSpeedup(
  budget: TimeBudget,
  speedup: number,
  ideal: number,
): Partial<Record<keyof BudgetParts, number>> | undefined {
  const lost = ideal - speedup;
  if (Math.abs(lost) < 0.005 || Math.abs(budget.lossMs) < 1e-9 || Math.sign(lost) !== Math.sign(budget.lossMs)) {
    return undefined;
  }
  const scale = lost / budget.lossMs;
  const parts: Partial<Record<keyof BudgetParts, number>> = {};
  for (const name of BUDGET_PARTS) {
    const ms = budget.parts[name];
    if (ms !== null && ms !== undefined) parts[name] = ms * scale;
  }
  return parts;
}

/**
 * The part that cost the most, of those measured (unexplained included).
 *
 * @param parts A budget's parts.
 * @returns Its name, or `undefined` when no part cost time.
 */
export function largestPart(parts: BudgetParts): keyof BudgetParts | undefined {
  let largest: keyof BudgetParts | undefined;
  for (const name of BUDGET_PARTS) {
    const value = parts[name];
    if (value !== null && value > 0 && (largest === undefined || value > (parts[largest] ?? 0))) largest = name;
  }
  return largest;
}

function mean<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0) / items.length;
}

function meanOrNull<T>(items: readonly T[], pick: (item: T) => number | null): number | null {
  let total = 0;
  for (const item of items) {
    const value = pick(item);
    if (value === null) return null;
    total += value;
  }
  return total / items.length;
}

function sum(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

/**
 * Several runs' budgets of one level as one: each figure the mean over all
 * their batches (each budget weighs as many batches as it measured).
 *
 * @param budgets The budgets, at least one.
 * @returns Their pooled budget.
 * @throws {RangeError} When there are none.
 */
export function poolBudgets(budgets: readonly TimeBudget[]): TimeBudget {
  if (budgets.length === 0) throw new RangeError("Cannot pool time budgets: received none");
  if (budgets.length === 1) return budgets[0]!;
  const batches = budgets.reduce((total, b) => total + b.batches, 0);
  const weigh = (pick: (b: TimeBudget) => number | null): number | null => {
    let total = 0;
    for (const budget of budgets) {
      const value = pick(budget);
      if (value === null) return null;
      total += value * budget.batches;
    }
    return total / batches;
  };
  const parts = Object.fromEntries(
    BUDGET_PARTS.map((name) => [name, weigh((b) => b.parts[name])]),
  ) as unknown as BudgetParts;
  parts.unexplained ??= 0;
  return {
    idealMs: weigh((b) => b.idealMs)!,
    measuredMs: weigh((b) => b.measuredMs)!,
    lossMs: weigh((b) => b.lossMs)!,
    parts,
    workRatio: weigh((b) => b.workRatio),
    taskRatio: weigh((b) => b.taskRatio ?? 1)!,
    laneSpread: weigh((b) => b.laneSpread ?? null),
    notes: Object.assign({}, ...budgets.map((b) => b.notes)),
    batches,
    baseBatches: budgets.reduce((total, b) => total + b.baseBatches, 0),
  };
}
