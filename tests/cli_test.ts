import { RUNTIME } from "./_guard.ts";
import process from "node:process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";
import { WORKLOADS } from "../core/workloads/mod.ts";
import { scriptCommand } from "../scripts/_runtimes.ts";
import { fileURLToPath } from "node:url";
import { startAll } from "../scripts/_limit.ts";

const RUN = fileURLToPath(new URL("../scripts/run.ts", import.meta.url));
const [command, ...prefix] = scriptCommand(RUNTIME, RUN);

function run(args: string[]) {
  return execa(command, [...prefix, ...args], { reject: false, timeout: 60_000, env: { NO_COLOR: "1" } });
}

const bad = suite(`${RUNTIME}: scripts/run.ts refuses bad input`);

const BAD_INPUT: [string[], string][] = [
  [["--frobnicate"], 'unknown flag, received "--frobnicate"'],
  [["--workload", "gpu"], `--workload must be one of ${[...WORKLOADS.keys()].join(", ")}, received "gpu"`],
  [["--strategy", "threads"], '--strategy must be one of sequential, async, workers, processes, received "threads"'],
  [
    ["--experiment", "magic"],
    '--experiment must be one of scaling, overhead, kernels, sync, breakeven, received "magic"',
  ],
  [
    ["--workload", "modsum", "--total-iterations", "0"],
    '--total-iterations must be a positive integer up to 2147483647, received "0"',
  ],
  [["--workload", "modsum", "--iterations", "5"], '--iterations does not apply to workload "modsum", received "5"'],
  [
    ["--workload", "wasm-integrate", "--from", "5", "--to", "1"],
    'Cannot run workload "wasm-integrate": "from" must not exceed "to", received from 5 and to 1',
  ],
  [
    ["--workload", "integrate", "--from", "-3", "--to", "-4"],
    'Cannot run workload "integrate": "from" must not exceed "to", received from -3 and to -4',
  ],
  [["--workload", "integrate", "--from", "inf"], '--from must be a number up to 1000000000, received "inf"'],
  [["--workload", "integrate", "--to", "NaN"], '--to must be a number up to 1000000000, received "NaN"'],
  [
    ["--workload", "wasm-mandelbrot", "--steps", "9"],
    '--steps does not apply to workload "wasm-mandelbrot", received "9"',
  ],
  [["--experiment", "kernels", "--scale", "0"], '--scale must be a number above 0, up to 10, received "0"'],
  [["--experiment", "kernels", "--scale", "11"], '--scale must be a number above 0, up to 10, received "11"'],
  [["--experiment", "sync", "--workers", "0"], '--workers must be a positive integer, received "0"'],
  [["--experiment", "sync", "--strategy", "async"], '--strategy does not apply to experiment "sync", received "async"'],
  [["--experiment", "overhead", "--tasks", "3"], '--tasks does not apply to experiment "overhead", received "3"'],
  [["--spawns", "5"], '--spawns does not apply to experiment "scaling", received "5"'],
  [["--experiment", "overhead", "--spawns", "0"], '--spawns must be a positive integer, received "0"'],
  [["--experiment", "overhead", "--round-trips", "x"], '--round-trips must be a positive integer, received "x"'],
  [["--concurrency", "0"], '--concurrency must be a positive integer, received "0"'],
  [["--concurrency", "1,,2"], '--concurrency must be a comma-separated list of positive integers, received "1,,2"'],
  [["--concurrency", "1,x"], '--concurrency must be a positive integer, received "x"'],
  [["--tasks", "0"], '--tasks must be a positive integer, received "0"'],
  [["--tasks", "-3"], '--tasks must be a positive integer, received "-3"'],
  [["--tasks", "2.5"], '--tasks must be a positive integer, received "2.5"'],
  [["--tasks", "many"], '--tasks must be a positive integer, received "many"'],
  [["--repeat", "0"], '--repeat must be a positive integer, received "0"'],
  [["--warmup", "-1"], '--warmup must be a non-negative integer, received "-1"'],
  [["--iterations", "1.5e0"], '--iterations must be a positive integer, received "1.5e0"'],
  [["--iterations", "1__000"], '--iterations must be a positive integer, received "1__000"'],
  [["--iterations", "0x10"], '--iterations must be a positive integer, received "0x10"'],
  [["--max-seconds", "-1"], '--max-seconds must be a number of 0 or more up to 86400, received "-1"'],
  [["--seed", "4294967296"], '--seed must be a non-negative integer up to 4294967295, received "4294967296"'],
  [["--experiment", "sync", "--ceiling"], '--ceiling does not apply to experiment "sync", received true'],
  [["--workload", "io", "--iterations", "5"], '--iterations does not apply to workload "io", received "5"'],
  [["--wait-ms", "-2", "--workload", "io"], '--wait-ms must be a number of 0 or more up to 60000, received "-2"'],
  [["--tasks"], "--tasks needs a value"],
  [["stray"], 'unexpected argument, received "stray"'],
  [["--task", "tests/fixtures/nope.ts#fib"], `--task's file does not exist, received "tests/fixtures/nope.ts"`],
  [
    ["--task", "tests/fixtures/user_tasks.ts"],
    '--task must be FILE#NAME, a module and the name of its exported function, received "tests/fixtures/user_tasks.ts"',
  ],
  [["--task", "tests/fixtures/user_tasks.ts#missing"], '--task names "missing", which user_tasks.ts does not export'],
  [
    ["--task", "tests/fixtures/user_tasks.ts#answer"],
    '--task names "answer", which user_tasks.ts exports as number, not a function',
  ],
  [
    ["--task", "tests/fixtures/user_tasks.ts#fib", "--args", "30"],
    '--args must be a JSON array, such as [30] or ["a", 2], received "30"',
  ],
  [
    ["--task", "tests/fixtures/user_tasks.ts#fib", "--iterations", "5"],
    '--iterations does not apply with --task, received "5"',
  ],
  [["--args", "[1]"], '--args needs --task, received "[1]"'],
];

// Each refusal comes before anything runs, and is checked for what it prints: three at once.
const refusals = startAll(BAD_INPUT.map(([args]) => () => run(args)), 3);

for (const [index, [args, message]] of BAD_INPUT.entries()) {
  bad(`${args.join(" ")} exits 2 with one line naming the flag`, async () => {
    const result = await refusals[index]!;
    assert.is(result.exitCode, 2);
    assert.is(result.stdout, "");
    assert.equal(result.stderr.trimEnd().split("\n"), [
      message.startsWith("Cannot ") ? message : `Cannot run: ${message}`,
      "See scripts/run.ts --help for the flags.",
    ]);
    assert.not.match(result.stderr, /\n\s+at /);
  });
}

const good = suite(`${RUNTIME}: scripts/run.ts`);

good("--json prints one truepar.run/1 record and nothing else on stdout", async () => {
  const result = await run([
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
    "1",
    "--warmup",
    "0",
    "--json",
  ]);
  assert.is(result.exitCode, 0, result.stderr);
  const record = JSON.parse(result.stdout);
  assert.is(record.schema, "truepar.run/1");
  assert.is(record.runtime.name, RUNTIME);
  assert.equal(record.points.map((p: { checksum: string }) => p.checksum), ["247342095", "247342095"]);
  assert.equal(Object.keys(record.host).filter((key) => key !== "topology").sort(), [
    "arch",
    "cores",
    "cpuModel",
    "memoryBytes",
    "os",
  ]);
  // What the cores are, read from the machine, where it describes them (Linux).
  if (process.platform === "linux") assert.is(record.host.topology.cpus.length, record.host.cores);
  assert.ok(record.points[1].budget.steady.parts && record.points[1].budget.cold.parts);
});

good("prints the article's lines without --json", async () => {
  const result = await run([
    "--workload",
    "io",
    "--strategy",
    "async",
    "--concurrency",
    "2",
    "--tasks",
    "4",
    "--waits",
    "2",
    "--wait-ms",
    "1",
    "--repeat",
    "1",
  ]);
  assert.is(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, `[# in flight = 2, # tasks = 4, workload = io, runtime = ${RUNTIME} `);
  assert.match(result.stdout, /\nTotal time \d+\.\d{4} s\n/);
  assert.match(result.stdout.split("\n")[0]!, `truepar · ${RUNTIME} `);
});

good("--experiment overhead --json prints one truepar.overhead/1 record", async () => {
  const result = await run([
    "--experiment",
    "overhead",
    "--spawns",
    "1",
    "--round-trips",
    "5",
    "--cycles",
    "1",
    "--json",
  ]);
  assert.is(result.exitCode, 0, result.stderr);
  const record = JSON.parse(result.stdout);
  assert.is(record.schema, "truepar.overhead/1");
  assert.is(record.runtime.name, RUNTIME);
  assert.ok(record.perWorkerMB.rss !== undefined && record.processStartMs!.median > 0);
});

good("--experiment sync --json prints one truepar.sync/1 record", async () => {
  const result = await run(["--experiment", "sync", "--iterations", "1000", "--json"]);
  assert.is(result.exitCode, 0, result.stderr);
  const record = JSON.parse(result.stdout);
  assert.is(record.schema, "truepar.sync/1");
  assert.is(record.lostUpdates.atomic.observed, 2000);
  assert.is(record.thief.naive.balance, 7);
});

good("numbers may be written 1e6 or 1_000_000", async () => {
  for (const iterations of ["1e6", "1_000_000"]) {
    const result = await run([
      "--strategy",
      "sequential",
      "--concurrency",
      "1",
      "--tasks",
      "1",
      "--iterations",
      iterations,
      "--repeat",
      "1",
      "--warmup",
      "0",
      "--json",
    ]);
    assert.is(result.exitCode, 0, result.stderr);
    assert.is(JSON.parse(result.stdout).workload.params.iterations, 1_000_000);
  }
});

good("--help prints the usage and exits 0", async () => {
  const result = await run(["--help"]);
  assert.is(result.exitCode, 0);
  assert.match(result.stdout, /^Usage: /);
  assert.match(result.stdout, "--wait-ms");
});

bad("bench: a bad flag exits 2 with one line before anything runs", async () => {
  if (RUNTIME !== "node") return; // the launcher is a Node script, like npm run's
  const result = await execa("node", ["--import", "tsx", "scripts/bench.ts", "sync", "--bogus"], {
    reject: false,
    timeout: 30_000,
    cwd: new URL("../", import.meta.url),
  });
  assert.is(result.exitCode, 2);
  assert.is(result.stdout, "");
  assert.match(result.stderr, /^Cannot run benchmark: unknown flag, received "--bogus"\nUsage: /);
  // --pools is the pool bench's own flag: the launcher passes it on, and checks its names first.
  const pools = await execa("node", ["--import", "tsx", "scripts/bench.ts", "pool", "--pools", "truepar,nosuch"], {
    reject: false,
    timeout: 30_000,
    cwd: new URL("../", import.meta.url),
  });
  assert.is(pools.exitCode, 2);
  assert.match(
    pools.stderr,
    /^Cannot run benchmark: --pools must name pools among truepar, .*received "truepar,nosuch"\n/,
  );
});

good("bench: --help prints the usage and exits 0, on the launcher and on a bench run by itself", async () => {
  const [bench, ...benchPrefix] = scriptCommand(RUNTIME, "bench/pool.ts");
  const options = { reject: false, timeout: 30_000, cwd: new URL("../", import.meta.url) } as const;
  for (
    const result of [
      await execa(bench!, [...benchPrefix, "--help"], options),
      ...(RUNTIME === "node"
        ? [await execa("node", ["--import", "tsx", "scripts/bench.ts", "pool", "-h"], options)]
        : []),
    ]
  ) {
    assert.is(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /^Usage: .*bench:pool -- \[--help\] \[--json\] \[--repeat N\]/);
  }
});

bad("bench/pool.ts run by itself: a bad value exits 2 with one line and the usage", async () => {
  const [bench, ...benchPrefix] = scriptCommand(RUNTIME, "bench/pool.ts");
  for (
    const [args, message] of [
      [["--repeat", "zero"], 'Cannot run benchmark: --repeat must be a positive integer, received "zero"'],
      [["--idle-ms"], "Cannot run benchmark: --idle-ms needs a value"],
      [
        ["--pools", ""],
        "Cannot run benchmark: --pools must name pools among " +
        'truepar, truepar-spin, piscina, tinypool, poolifier, workerpool, received ""',
      ],
    ] as const
  ) {
    const result = await execa(bench!, [...benchPrefix, ...args], {
      reject: false,
      timeout: 30_000,
      cwd: new URL("../", import.meta.url),
    });
    assert.is(result.exitCode, 2, args.join(" "));
    assert.is(result.stdout, "");
    assert.is(result.stderr.split("\n")[0], message);
    assert.match(
      result.stderr,
      /\nUsage: .*npm run -s bench:pool -- \[--help\] \[--json\] \[--repeat N\] \[--idle-ms N\] \[--pools LIST\]/,
    );
  }
});

bad.run();
good(
  "--task runs your function under every strategy: its return value is the checksum, the record names it",
  async () => {
    for (const strategy of ["sequential", "async", "workers", "processes"]) {
      const result = await run([
        "--task",
        "tests/fixtures/user_tasks.ts#fib",
        "--args",
        "[20]",
        "--strategy",
        strategy,
        "--concurrency",
        "1,2",
        "--tasks",
        "2",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--json",
      ]);
      assert.is(result.exitCode, 0, result.stderr);
      const record = JSON.parse(result.stdout);
      assert.is(record.workload.name, "user_tasks.ts#fib");
      assert.equal(record.workload.task.args, [20]);
      assert.match(record.workload.task.module, /^file:.*user_tasks\.ts$/);
      assert.equal(record.points.map((p: { checksum: string }) => p.checksum), ["6765", "6765"], strategy);
    }
    const greeting = await run([
      "--task",
      "tests/fixtures/user_tasks.ts#greet",
      "--args",
      '["you"]',
      "--strategy",
      "processes",
      "--concurrency",
      "1",
      "--tasks",
      "2",
      "--repeat",
      "1",
      "--warmup",
      "0",
      "--json",
    ]);
    assert.is(greeting.exitCode, 0, greeting.stderr);
    assert.is(JSON.parse(greeting.stdout).points[0].checksum, '{"hello":"you"}');
  },
);

good("a task that throws ends the run with its message, exit 1", async () => {
  const result = await run([
    "--task",
    "tests/fixtures/user_tasks.ts#alwaysThrows",
    "--strategy",
    "workers",
    "--tasks",
    "2",
    "--repeat",
    "1",
    "--warmup",
    "0",
    "--json",
  ]);
  assert.is(result.exitCode, 1);
  assert.match(result.stderr, "error: this task fails on purpose");
  assert.not.match(result.stderr, /\n\s+at /);
});

good(
  "--experiment breakeven prints a truepar.breakeven/1 record: per strategy and mode, where workers start to pay",
  async () => {
    const result = await run(["--experiment", "breakeven", "--rounds", "1", "--max-us", "30", "--json"]);
    assert.is(result.exitCode, 0, result.stderr);
    const record = JSON.parse(result.stdout);
    assert.is(record.schema, "truepar.breakeven/1");
    assert.equal(record.settings.sizesUs, [1, 3, 10, 30]);
    assert.equal(record.results.map((r: { strategy: string; mode: string }) => `${r.strategy} ${r.mode}`), [
      "workers default",
      "workers latency",
      "workers map",
      "processes default",
      "processes map",
    ]);
    for (const r of record.results) {
      assert.is(r.runtime, RUNTIME);
      assert.ok(r.breakEvenUs === null || [1, 3, 10, 30].includes(r.breakEvenUs));
      assert.ok(r.ninetyPercentUs === null || [1, 3, 10, 30].includes(r.ninetyPercentUs));
    }
    assert.ok(record.nsPerIteration > 0);
  },
);

good.run();
