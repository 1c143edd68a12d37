/**
 * The adapter conformance suite in a browser's page, with its Web Workers:
 * called by tests/chromium_test.ts through the driver, with the page's adapter.
 *
 * @module
 */

import "./_uvu_in_page.ts";
import { exec } from "uvu";
import type { RuntimeAdapter } from "../../core/adapter.ts";
import { conformance } from "../_conformance.ts";

/**
 * Runs the suite on worker threads, in both modes.
 *
 * @param adapter The page's adapter.
 * @returns What uvu wrote: the failures, then its totals.
 */
export async function runConformance(adapter: RuntimeAdapter): Promise<string> {
  for (const spinMicros of [0, 50]) {
    conformance({
      adapter,
      runtime: adapter.runtime.name,
      kind: "worker",
      spinMicros,
      // A page's workers are threads of its renderer; the page knows no process ids, and starts no processes.
      selfPid: undefined,
      isAlive: () => false,
      exitCodes: false,
      tasks: new URL("../fixtures/tasks.ts", import.meta.url),
      broken: new URL("../fixtures/broken_tasks.ts", import.meta.url),
    });
  }
  await exec();
  return (globalThis as unknown as { uvuOutput: string[] }).uvuOutput.join("");
}
