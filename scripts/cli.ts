#!/usr/bin/env node
/**
 * The `truepar` command of the npm package: `truepar run [flags]` is
 * `scripts/run.ts`, `truepar compare [flags]` is `scripts/compare.ts`
 * (`npm start` in a checkout).
 *
 * @module
 */

import process from "node:process";

const USAGE = `Usage: truepar run [flags]        one experiment, on this runtime or --runtime NAME (truepar run --help)
       truepar compare [flags]    every runtime, every experiment, one report (truepar compare --help)`;

const [command, ...rest] = process.argv.slice(2);
if (command !== "run" && command !== "compare") {
  if (command === "--help" || command === "-h") {
    console.log(USAGE);
  } else {
    process.stderr.write(
      `Cannot start: expected run or compare, received ${
        command === undefined ? "nothing" : JSON.stringify(command)
      }\n${USAGE}\n`,
    );
    process.exitCode = 2;
  }
} else {
  // The scripts read their flags from process.argv after the script's path.
  process.argv = [process.argv[0]!, command, ...rest];
  if (command === "run") await import("./run.ts");
  else await import("./compare.ts");
}
