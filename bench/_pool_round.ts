/**
 * The process that runs one pool's rounds of bench/pool.ts, or the limits':
 * bench/pool.ts starts one of these for each, its name the one argument,
 * keeps it for the whole bench, and hands it its rounds one at a time, each a line of JSON on stdin; each
 * round's outcome comes back as a line of JSON on stdout. A round that fails
 * says why in the last line of stderr and ends the process with exit code 1;
 * stdin's end ends it with 0.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import { createAdapter } from "../runtimes/detect.ts";
import { type RoundSpec, runRound } from "./_pool_scenarios.ts";

const adapter = await createAdapter();
for await (const line of createInterface({ input: process.stdin })) {
  try {
    const outcome = await runRound(adapter, JSON.parse(line) as RoundSpec);
    await new Promise((resolve) => process.stdout.write(`${JSON.stringify(outcome)}\n`, resolve));
  } catch (error) {
    await new Promise((resolve) => process.stderr.write(`${(error as Error).message.split("\n")[0]}\n`, resolve));
    process.exit(1);
  }
}
// A pool that did not let its threads go must not hold the process.
process.exit(0);
