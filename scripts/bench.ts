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
import { parseArgs } from "node:util";
import { $ } from "zx";
import { RUNTIME_NAMES, scriptCommand } from "./_runtimes.ts";

const USAGE = "Usage: npm run -s bench:sync -- [--json] · npm run -s bench:pool -- [--json] [--repeat N] [--idle-ms N]";
/** The flags each benchmark takes, beside --json. */
const BENCH_FLAGS: Record<string, string[]> = { sync: [], pool: ["repeat", "idle-ms"] };

const [name, ...flags] = process.argv.slice(2);
const root = fileURLToPath(new URL("../", import.meta.url));
const script = `bench/${name}.ts`;
if (name === undefined || name.startsWith("-") || !existsSync(root + script)) {
  fail(`expected the name of a file in bench/, received ${JSON.stringify(name ?? "")}`);
}
let json = false;
try {
  const { values } = parseArgs({
    args: flags,
    options: {
      json: { type: "boolean" },
      ...Object.fromEntries((BENCH_FLAGS[name!] ?? []).map((flag) => [flag, { type: "string" as const }])),
    },
    strict: true,
    allowPositionals: false,
  });
  json = values.json === true;
  for (const flag of ["repeat", "idle-ms"]) {
    const value = (values as Record<string, unknown>)[flag];
    if (value !== undefined && !/^[1-9]\d*$/.test(String(value))) {
      fail(`--${flag} must be a positive integer, received ${JSON.stringify(value)}`);
    }
  }
} catch (error) {
  const flag = /'(-[^' ]+)/.exec((error as Error).message)?.[1];
  fail(
    flag === undefined ? (error as Error).message : `unknown flag or missing value, received ${JSON.stringify(flag)}`,
  );
}
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

function fail(message: string): never {
  process.stderr.write(`Cannot run benchmark: ${message}\n${USAGE}\n`);
  process.exit(2);
}
