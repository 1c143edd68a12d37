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
import { $ } from "zx";
import { RUNTIME_NAMES, scriptCommand } from "./_runtimes.ts";

const [name, ...flags] = process.argv.slice(2);
const root = new URL("../", import.meta.url).pathname;
const script = `bench/${name}.ts`;
if (name === undefined || name.startsWith("-") || !existsSync(root + script)) {
  process.stderr.write(`Cannot run benchmark: expected the name of a file in bench/, received ${JSON.stringify(name ?? "")}\n\nUsage: scripts/bench.ts NAME [--json]\n`);
  process.exit(2);
}
const json = flags.includes("--json");
$.cwd = root;
$.quiet = true;

const records: unknown[] = [];
let failed = 0;
for (const runtime of RUNTIME_NAMES) {
  const [command, ...args] = scriptCommand(runtime, script);
  if (!json) process.stdout.write("\n");
  const run = $({ nothrow: true, timeout: "600s" })`${command} ${args} ${flags}`;
  if (!json) run.stdout.pipe(process.stdout);
  const result = await run;
  if (result.exitCode !== 0) {
    failed++;
    process.stderr.write(`${runtime}: ${script} failed (${result.signal ?? `exit code ${result.exitCode}`}): ${result.stderr.trim().split("\n").at(-1)}\n`);
  } else if (json) {
    records.push(JSON.parse(result.stdout));
  }
}
if (json) console.log(JSON.stringify({ schema: `truepar.bench-${name}/1`, runs: records }, null, 2));
process.exitCode = failed === 0 ? 0 : 1;
