/**
 * The JSON records truepar writes: what users script against.
 *
 * @module
 */

import type { AmdahlFit } from "../../core/measure/amdahl.ts";
import type { HostInfo, RuntimeInfo } from "../../core/adapter.ts";
import type { Evidence, NoiseFloor, RoundBeyond } from "../../core/measure/speedup.ts";
import type { TimeBudget } from "../../core/measure/budget.ts";
import type { StrategyName } from "./strategies.ts";
import type { WorkloadParams } from "../../core/workloads/workload.ts";

/** The schema name of a scaling run's record. */
export const RUN_SCHEMA = "truepar.run/1";

/** One concurrency level of a scaling run. */
export interface RunPoint {
  /** Tasks in flight, workers or child processes. */
  concurrency: number;
  /** Each sample's wall time, pool start included (the article's figure), in ms. */
  samplesMs: number[];
  /** The median of `samplesMs`. */
  medianMs: number;
  /**
   * The speedup over the smallest concurrency, pool start included: the
   * median of the ratios of samples taken in the same round.
   */
  speedup: number;
  /** The 95% interval of `speedup` (distribution-free; see `speedupCoverage`). */
  speedupCI: [number, number];
  /** The true coverage of `speedupCI`: under 0.95 with fewer than six rounds. */
  speedupCoverage: number;
  /** Whether `speedupCI` clears the run's noise floor. */
  evidence: Evidence;
  /** The checksum every task of every sample returned. */
  checksum: string;
  /** Each sample's pool start-up, until every worker was ready, in ms (0 without a pool). */
  startupSamplesMs: number[];
  /** The median of `startupSamplesMs`. */
  startupMedianMs: number;
  /** Each sample's batch time from the pool being ready, in ms: the steady-state figure. */
  batchSamplesMs: number[];
  /** The median of `batchSamplesMs`. */
  batchMedianMs: number;
  /** The median of the paired ratios of `batchSamplesMs`. */
  batchSpeedup: number;
  /** Each sample's second batch on the same, warmed pool, in ms: the steady state. */
  steadySamplesMs: number[];
  /** The median of `steadySamplesMs`. */
  steadyMedianMs: number;
  /** The steady-state speedup over the smallest concurrency, from paired ratios. */
  steadySpeedup: number;
  /** The 95% interval of `steadySpeedup`. */
  steadySpeedupCI: [number, number];
  /** Whether `steadySpeedupCI` clears the run's noise floor. */
  steadyEvidence: Evidence;
  /** CPU time of the whole process tree over the wall time, per steady batch; `null` where it cannot be read. */
  coresBusySamples: (number | null)[];
  /** The median of `coresBusySamples`: ≈1 when one thread does the work, ≈concurrency when all run at once. */
  coresBusy: number | null;
  /** What `concurrency` independent processes give, each running its share in one call (with `ceiling`). */
  ceiling?: { samplesMs: number[]; speedup: number; speedupCI: [number, number] };
  /**
   * Above the smallest level: the most speedup the machine allows here (the
   * level's cores over the smallest level's, or the level itself where the
   * tasks wait rather than compute), and the rounds whose ratio went past
   * it, which is what puts an interval's end there.
   */
  limit?: { speedup: number; roundsBeyond?: RoundBeyond[] };
  /** Above the smallest level: where the time went, against the ideal, cold (pool start included) and steady. */
  budget?: { cold: TimeBudget; steady: TimeBudget };
}

/** The record of a scaling run (`truepar.run/1`). */
export interface RunRecord {
  schema: typeof RUN_SCHEMA;
  runtime: RuntimeInfo;
  host: HostInfo;
  /** The workload; with a user's function, `task` names its module (a URL), export and arguments, and `params` is empty. */
  workload: { name: string; params: WorkloadParams; task?: { module: string; export: string; args: unknown[] } };
  strategy: StrategyName;
  tasks: number;
  warmup: number;
  repeat: number;
  /** When the run started, as an ISO 8601 string. */
  startedAt: string;
  /** Paired rounds measured: in each, every level once and the control once, in a seeded order. */
  rounds: number;
  /** The seed of the rounds' order. */
  seed: number;
  /** The time cap ended the rounds before every interval was within the precision asked. */
  capped: boolean;
  /** How speedups are estimated, in words. */
  method: string;
  /** The control: the smallest level measured twice per round; its ratios give the noise floor. */
  noise: NoiseFloor;
  /** How CPU time was read for `coresBusy`; `null` where it could not be. */
  cpuSource: string | null;
  points: RunPoint[];
  /**
   * With three levels or more: Amdahl's law fitted to each round's steady
   * speedups (levels above the cores count as the cores), the serial
   * fraction with its interval, Gustafson's fit, and which law fits better.
   */
  amdahl?: AmdahlFit;
}
