import { RUNTIME } from "./_guard.ts";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { scriptCommand } from "../scripts/_runtimes.ts";
import { processesLeft } from "./_processes.ts";
import { modesLeftChanged, runInTerminal } from "./_terminal.ts";
import { EXPERIMENT_NAMES } from "../experiments/registry.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUN = scriptCommand(RUNTIME, "scripts/run.ts");

const test = suite(`${RUNTIME}: scripts/run.ts in a terminal`);

const EXPERIMENTS: [string, string[], RegExp][] = [
  ["scaling", [
    "--workload",
    "cpu",
    "--strategy",
    "workers",
    "--concurrency",
    "1,2",
    "--tasks",
    "4",
    "--iterations",
    "1000000",
    "--repeat",
    "2",
  ], /Total time \d+\.\d{4} s/],
  [
    "overhead",
    ["--experiment", "overhead", "--spawns", "1", "--round-trips", "5", "--cycles", "1"],
    /Total memory with 8 workers/,
  ],
  ["kernels", ["--experiment", "kernels", "--scale", "0.01", "--repeat", "1"], /mandelbrot/],
  ["sync", ["--experiment", "sync", "--iterations", "1000"], /Lost updates/],
  ["breakeven", ["--experiment", "breakeven", "--rounds", "1", "--max-us", "10"], /workers map +pays from/],
  [
    "scaling --cpus 1",
    ["--cpus", "1", "--workload", "cpu", "--tasks", "2", "--iterations", "1000000", "--repeat", "1"],
    /· 1 core \(1 physical[\s\S]*# workers = 2,/,
  ],
];

test("the registry's every experiment is run here", () => {
  assert.equal(EXPERIMENT_NAMES.filter((name) => !EXPERIMENTS.some(([tested]) => tested === name)), []);
});

for (const [name, args, result] of EXPERIMENTS) {
  test(`${name}: prints its result, exits 0 and leaves the terminal as it found it`, async () => {
    const run = await runInTerminal([...RUN, ...args], { cwd: ROOT });
    assert.is(run.exitCode, 0, run.screen);
    assert.match(run.screen, result);
    assert.not.match(run.screen, /error:/);
    assert.ok(run.screen.includes("\x1b[?25l"), "no progress bar was drawn: was stderr a terminal?");
    assert.equal(modesLeftChanged(run.screen), []);
  });
}

test("Ctrl-C after the first round prints the finished rounds, exits 130 and shows the cursor again", async () => {
  // Held to one core, the run is a child of taskset: Ctrl-C must still reach it, and it must leave nothing behind.
  for (const [strategy, cpus] of [["workers", []], ["processes", []], ["workers", ["--cpus", "1"]]] as const) {
    const mark = `${strategy}-${cpus.length}-${Date.now()}`;
    const args = [
      ...cpus,
      "--workload",
      "cpu",
      "--strategy",
      strategy,
      "--concurrency",
      "1,2",
      "--tasks",
      "4",
      "--iterations",
      "20000000",
      "--repeat",
      "50",
      "--warmup",
      "0",
    ];
    const run = await runInTerminal([...RUN, ...args], {
      cwd: ROOT,
      interruptWhen: /round 2/,
      env: { TRUEPAR_TEST_MARK: mark },
    });
    assert.is(run.exitCode, 130, run.screen);
    assert.match(run.screen, /Total time \d+\.\d{4} s/);
    assert.match(run.screen, /interrupted after \d+ rounds?: the figures above are from those alone/);
    assert.ok(run.screen.includes("\x1b[?25l"), "no progress bar was drawn");
    assert.equal(modesLeftChanged(run.screen), []);
    assert.equal(
      await processesLeft("TRUEPAR_TEST_MARK", mark),
      [],
      "a process of the run is still running 2 s after it ended",
    );
  }
});

test("a bad flag gets one line and a pointer to --help, exit 2", async () => {
  const run = await runInTerminal([...RUN, "--tasks", "0"], { cwd: ROOT });
  assert.is(run.exitCode, 2);
  assert.equal(run.screen.trim().split(/\r?\n/), [
    'Cannot run: --tasks must be a positive integer, received "0"',
    "See scripts/run.ts --help for the flags.",
  ]);
});

test("first: Ctrl-C prints the measurements that finished, exits 130 and gives the terminal back", async () => {
  const run = await runInTerminal(scriptCommand(RUNTIME, "scripts/first.ts"), {
    cwd: ROOT,
    interruptWhen: /cpu · workers/,
  });
  assert.is(run.exitCode, 130, run.screen);
  assert.match(run.screen, /event loop +~?\d\.\d\dx \[/);
  assert.match(run.screen, /interrupted: 1 of 6 measurements finished, shown above/);
  assert.equal(modesLeftChanged(run.screen), []);
});

const COMPARE = ["node", "--import", "tsx", "scripts/compare.ts"];

/** The smallest comparison: the smoke profile's io cells on Bun, into `out`. */
function smokeIo(out: string): string[] {
  return [
    ...COMPARE,
    "--profile",
    "smoke",
    "--runtimes",
    "bun",
    "--experiments",
    "scaling",
    "--workloads",
    "io",
    "--out",
    out,
  ];
}

test("compare: the progress bar in a terminal, the report at the end, the terminal given back", async () => {
  if (RUNTIME !== "node") return; // compare.ts is a Node script that starts every runtime itself
  const out = mkdtempSync(path.join(os.tmpdir(), "truepar-compare-"));
  const run = await runInTerminal([
    ...smokeIo(out),
  ], { cwd: ROOT });
  assert.is(run.exitCode, 0, run.screen);
  assert.ok(run.screen.includes("\x1b[?25l"), "no progress bar was drawn");
  assert.match(run.screen, /verdict|io \(waits=/);
  assert.equal(modesLeftChanged(run.screen), []);
});

test("compare: Ctrl-C keeps the finished runs, exits 130 and shows the cursor again", async () => {
  if (RUNTIME !== "node") return;
  const out = mkdtempSync(path.join(os.tmpdir(), "truepar-compare-"));
  const run = await runInTerminal([
    ...smokeIo(out),
  ], { cwd: ROOT, interruptWhen: /@1 \| ?$|runs \| ETA.*scaling-io-\w+@/m });
  assert.is(run.exitCode, 130, run.screen);
  assert.match(run.screen, /interrupted: \d+ of \d+ runs finished and kept/);
  assert.equal(modesLeftChanged(run.screen), []);
});

test("compare: a bad flag gets one line and a pointer to --help, exit 2", async () => {
  if (RUNTIME !== "node") return;
  const run = await runInTerminal([...COMPARE, "--profile", "huge"], { cwd: ROOT });
  assert.is(run.exitCode, 2);
  assert.equal(run.screen.trim().split(/\r?\n/), [
    'Cannot compare: --profile must be one of quick, full, smoke, received "huge"',
    "See scripts/compare.ts --help for the flags.",
  ]);
});

test.run();
