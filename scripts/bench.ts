/**
 * `npm run bench:NAME`: runs bench/NAME.ts under Node, Deno and Bun in turn,
 * each in a fresh process with a timeout. With `--json`, prints one JSON
 * document holding each runtime's record.
 *
 *   npm run bench:sync
 *   npm run bench:pool -- --json
 *
 * @module
 */

import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { $ } from "zx";
import { BENCH_FLAGS, benchArgs, type BenchName, benchUsage } from "../bench/_flags.ts";
import { RUNTIME_NAMES, scriptCommand } from "./_runtimes.ts";

const BENCH_NAMES = Object.keys(BENCH_FLAGS) as BenchName[];
const [name, ...flags] = process.argv.slice(2);
const root = fileURLToPath(new URL("../", import.meta.url));
const script = `bench/${name}.ts`;
if (name === undefined || !BENCH_NAMES.includes(name as BenchName) || !existsSync(root + script)) {
  fail(
    `Cannot run benchmark: expected one of ${BENCH_NAMES.join(", ")}, received ${JSON.stringify(name ?? "")}`,
  );
}
// The flags are checked here, before any runtime starts: a bad one ends the run at once, not three times over.
const { json } = benchArgs(name as BenchName, flags);
$.cwd = root;
$.quiet = true;

const records: unknown[] = [];
let failed = 0;
for (const runtime of RUNTIME_NAMES) {
  const [command, ...args] = scriptCommand(runtime, script);
  if (!json) process.stdout.write("\n");
  // Each runtime's figures come at its end, minutes later: say what is running meanwhile.
  if (process.stderr.isTTY) process.stderr.write(`${runtime}: running ${script}, its figures when it ends…\n`);
  const run = $({ nothrow: true, timeout: "600s" })`${command} ${args} ${flags}`;
  if (!json) run.stdout.pipe(process.stdout);
  const result = await run;
  if (result.exitCode !== 0) {
    failed++;
    process.stderr.write(
      `${runtime}: ${script} failed (${result.signal ?? `exit code ${result.exitCode}`}): ${
        result.stderr.trim().split("\n").at(-1)
      }\n`,
    );
  } else if (json) {
    records.push(JSON.parse(result.stdout));
  }
}
if (json) console.log(JSON.stringify({ schema: `truepar.bench-${name}/1`, runs: records }, null, 2));
process.exitCode = failed === 0 ? 0 : 1;

/** A name that is not a benchmark's: one line, every benchmark's usage, exit code 2. */
function fail(message: string): never {
  process.stderr.write(`${message}\n${benchUsage()}\n`);
  process.exit(2);
}
