/**
 * The JSON records truepar writes: what users script against.
 *
 * @module
 */

import type { HostInfo, RuntimeInfo } from "./adapter.ts";
import type { StrategyName } from "./strategies.ts";
import type { WorkloadParams } from "./workload.ts";

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
  /** `medianMs` at the smallest concurrency divided by this point's. */
  speedup: number;
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
  /** `batchMedianMs` at the smallest concurrency divided by this point's. */
  batchSpeedup: number;
}

/** The record of a scaling run (`truepar.run/1`). */
export interface RunRecord {
  schema: typeof RUN_SCHEMA;
  runtime: RuntimeInfo;
  host: HostInfo;
  workload: { name: string; params: WorkloadParams };
  strategy: StrategyName;
  tasks: number;
  warmup: number;
  repeat: number;
  /** When the run started, as an ISO 8601 string. */
  startedAt: string;
  points: RunPoint[];
}
