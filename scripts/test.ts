/**
 * `npm test`: type-checks and lints, runs the documentation's examples
 * (`deno test --doc`), then every test file under each registered runtime
 * present on this machine (Node, Deno and Bun; Chromium's row from Node, in
 * chromium_test.ts; the conformance suite under another version of one, such
 * as node26, where installed), two steps at a time (the README's commands
 * first, beside the rest; the time budget's tests last, alone), and ends
 * with one line, `N passed, N failed`, for the whole suite.
 *
 *   npm test                   everything
 *   npm test -- deno pool      only Deno, only files whose name contains "pool"
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { $ } from "zx";
import { findRuntime, RUNTIME_NAMES, scriptCommand } from "./_runtimes.ts";
import { RUNTIMES } from "../runtimes/registry.ts";
import { fileURLToPath } from "node:url";
import { limiter } from "./_limit.ts";

// The README's commands run in one file: the comparison's smoke profile on every runtime present, a browser's too.
const FILE_TIMEOUT = "420s";
const root = fileURLToPath(new URL("../", import.meta.url));
const filters = process.argv.slice(2);
const asked = RUNTIME_NAMES.filter((r) =>
  !filters.some((f) => RUNTIME_NAMES.includes(f as never)) || filters.includes(r)
);
// A runtime launched from node_modules/.bin that is not there is left out, and said so.
const runtimes = asked.filter((runtime) => {
  const present = findRuntime(runtime) !== undefined;
  if (!present) console.log(`skip ${runtime}: ${scriptCommand(runtime, "")[0]} is not installed`);
  return present;
});
const fileFilters = filters.filter((f) => !RUNTIME_NAMES.includes(f as never));
const files = readdirSync(new URL("../tests/", import.meta.url))
  .filter((name) => name.endsWith("_test.ts"))
  .filter((name) => fileFilters.length === 0 || fileFilters.some((f) => name.includes(f)))
  .sort();

$.cwd = root;
$.quiet = true;
// The user's results/ is theirs: the tests write their result sets elsewhere, and this checks that they did.
const resultsBefore = listResults();
let passed = 0;
let failed = 0;
// Two steps at a time: each checks behaviour, not speed, and most of a step is waiting for processes to start.
const JOBS = 2;
const limited = limiter(JOBS);
const steps: Promise<void>[] = [];
const step = (run: () => Promise<void>) => steps.push(limited(run));
// The README's commands take longest: they start first, beside everything else.
const longest = (file: string) => file === "readme_test.ts";
// The time budget's tests build each cause of lost time (imbalance, a queue for one core) and check it is the largest:
// a second step beside them is a cause of its own, so they run last, alone.
const alone = (file: string) => file === "budget_test.ts";
for (const runtime of runtimes) {
  for (const file of files.filter(longest)) step(() => runFile(runtime, file, { TRUEPAR_EXPECT_RUNTIME: runtime }));
}

if (filters.length === 0) {
  for (
    const [name, command] of [
      ["typecheck (deno check)", [
        "check",
        "--quiet",
        "mod.ts",
        "core/",
        "experiments/",
        "runtimes/",
        "scripts/",
        "tests/",
        "bench/",
      ]],
      ["lint (deno lint)", ["lint", "--quiet"]],
      // deno.json's fmt: 120 columns; `deno fmt` formats the tree.
      ["format (deno fmt --check)", ["fmt", "--check", "--quiet"]],
      // Every example in the library's documentation, run.
      ["doc examples (deno test --doc)", ["test", "--doc", "--quiet", "-A", ...documented()]],
    ] as const
  ) {
    step(async () => {
      const result = await $({ nothrow: true, timeout: FILE_TIMEOUT })`node_modules/.bin/deno ${command}`;
      const output = result.stdout + result.stderr;
      // deno test counts its examples; the other steps count as one each.
      const counts = /(\d+) passed \| (\d+) failed/.exec(output);
      const ok = counts ? Number(counts[1]) : result.exitCode === 0 ? 1 : 0;
      const bad = counts ? Number(counts[2]) || (result.exitCode === 0 ? 0 : 1) : result.exitCode === 0 ? 0 : 1;
      report(name, ok, bad, output);
    });
  }
  // What an editor or tsc sees, through tsconfig.json: Node's and Deno's types both.
  step(async () => {
    const tsc = await $({ nothrow: true, timeout: FILE_TIMEOUT })`node_modules/.bin/tsc -p tsconfig.json`;
    report("typecheck (tsc)", tsc.exitCode === 0 ? 1 : 0, tsc.exitCode === 0 ? 0 : 1, tsc.stdout + tsc.stderr);
  });
}

for (const runtime of runtimes) {
  for (const file of files.filter((f) => !longest(f) && !alone(f))) {
    step(() => runFile(runtime, file, { TRUEPAR_EXPECT_RUNTIME: runtime }));
  }
}
await Promise.all(steps);
for (const runtime of runtimes) {
  for (const file of files.filter(alone)) await runFile(runtime, file, { TRUEPAR_EXPECT_RUNTIME: runtime });
}

// Another version of a runtime, where installed (node26): the adapter conformance suite and the faults under it too.
const versions = filters.some((f) => RUNTIME_NAMES.includes(f as never))
  ? []
  : RUNTIMES.filter((r) => r.load !== undefined && r.detect === undefined && findRuntime(r.name) !== undefined);
for (const { name } of versions) {
  // It is detected as the runtime it is a version of: no runtime to expect.
  const conformance = files.filter((f) => f === "pool_test.ts" || f === "faults_test.ts");
  await Promise.all(conformance.map((file) => limited(() => runFile(name, file, {}))));
}

const added = listResults().filter((entry) => !resultsBefore.includes(entry));
report(
  "results/ left as it was",
  added.length === 0 ? 1 : 0,
  added.length === 0 ? 0 : 1,
  `the tests wrote into results/: ${added.join(", ")}`,
);

console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;

/** The library's modules whose documentation holds an example to run (entries and task modules hold none, and must not be run as modules). */
function documented(): string[] {
  const files = [
    "mod.ts",
    ...["core", "experiments", "runtimes"].flatMap((dir) =>
      (readdirSync(path.join(root, dir), { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) =>
        path.join(dir, f)
      )
    ),
  ];
  return files.filter((file) => /\* ```ts\n/.test(readFileSync(path.join(root, file), "utf8"))).sort();
}

/** Runs one test file on a runtime and counts what uvu printed. */
async function runFile(runtime: string, file: string, env: Record<string, string>): Promise<void> {
  const [command, ...args] = scriptCommand(runtime, `tests/${file}`);
  const started = performance.now();
  const result = await $({
    nothrow: true,
    timeout: FILE_TIMEOUT,
    env: { ...process.env, ...env, NO_COLOR: "1" },
  })`${command} ${args}`;
  const seconds = (performance.now() - started) / 1000;
  const output = result.stdout + result.stderr;
  const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
  // A file that exits non-zero without failing a test (a crash, a timeout) counts as one failure.
  const bad = total - ok - skipped || (result.exitCode === 0 ? 0 : 1);
  report(`${runtime} ${file} (${seconds.toFixed(1)} s)`, ok, bad, output);
}

function report(name: string, ok: number, bad: number, output: string): void {
  passed += ok;
  failed += bad;
  console.log(`${bad === 0 ? "ok  " : "FAIL"} ${name}: ${ok} passed${bad ? `, ${bad} failed` : ""}`);
  if (bad) console.log(output.replace(/^/gm, "     | "));
}

/** What the checkout's results/ holds, by name. */
function listResults(): string[] {
  try {
    return readdirSync(path.join(root, "results"));
  } catch {
    return [];
  }
}
