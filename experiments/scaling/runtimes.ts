/**
 * Which strategies each registered runtime runs: derived from what its
 * registry line says it can do, since a strategy is scaling's notion, not a
 * runtime's.
 *
 * @module
 */

import { getRuntime } from "../../runtimes/registry.ts";
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
