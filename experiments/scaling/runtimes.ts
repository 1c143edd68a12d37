/**
 * Which strategies each registered runtime runs: derived from what its
 * registry line says it can do, since a strategy is scaling's notion, not a
 * runtime's.
 *
 * @module
 */

import { getRuntime, RUNTIMES } from "../../runtimes/registry.ts";
import { strategiesFor, type StrategyName } from "./strategies.ts";

/**
 * The strategies a registered runtime runs a workload with, from what its
 * registry line says it can do.
 *
 * @param runtime A runtime's name.
 * @param blocks Whether the workload blocks its thread.
 * @returns The strategies, in the usual order.
 */
export function strategiesOf(runtime: string, blocks = false): StrategyName[] {
  return strategiesFor(getRuntime(runtime), blocks);
}

/**
 * How a level's strategy is named for its runtime: a runtime's own name for
 * its workers where it has one (CPython's threads), the strategy otherwise.
 *
 * @param runtime A runtime's name.
 * @param strategy The strategy.
 * @returns Such as `workers` or `threads`.
 */
export function strategyName(runtime: string, strategy: string): string {
  const own = RUNTIMES.find((r) => r.name === runtime)?.interpreter?.workers;
  return strategy === "workers" && own !== undefined ? own : strategy;
}

/**
 * A runtime's row label, naming its workers where they have a name of their own.
 *
 * @param runtime A runtime's name.
 * @param label Its label in the report.
 * @returns Such as `node` or `cpython (threads)`.
 */
export function rowLabel(runtime: string, label: string): string {
  const own = RUNTIMES.find((r) => r.name === runtime)?.interpreter?.workers;
  return own === undefined ? label : `${label} (${own})`;
}
