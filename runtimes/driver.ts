/**
 * A runtime run from this process rather than in it: a browser, whose page
 * runs truepar's experiments as another runtime's process does. A driver
 * sits above the experiments it runs, not in the adapter contract `core/`
 * is handed.
 *
 * @module
 */

import type { HostInfo, RuntimeInfo } from "../core/adapter.ts";

/** What a driven run is handed: as an experiment's run context, less the adapter, which lives where the run does. */
export interface DriveContext {
  signal: AbortSignal;
  onProgress?(done: number, total: number, what: string): void;
  onPartial?(record: unknown): void;
}

/** A runtime run from this process rather than in it (a browser), ready to run experiments there. */
export interface RuntimeDriver {
  readonly runtime: RuntimeInfo;
  readonly host: HostInfo;
  /**
   * Checks an experiment's arguments where only that runtime can tell.
   *
   * @throws {Error} With `usage: true` for a usage error.
   */
  check(experiment: string, args: unknown): Promise<void>;
  /** Runs an experiment there, with its parsed arguments: its record. */
  run(experiment: string, args: unknown, context?: DriveContext): Promise<unknown>;
  /**
   * Calls a module's export there, with that runtime's adapter and `args`: a
   * test suite, say, run where the adapter lives.
   *
   * @returns What it returned, as JSON carries it.
   */
  call(module: URL, name: string, args?: unknown[]): Promise<unknown>;
  /** Ends the runtime, and all it started. */
  close(): Promise<void>;
}
