/** The pool's benchmark runs on this runtime and prints its record: truepar's rows, every scenario, and the limit's. */

import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";
import { scriptCommand } from "../scripts/_runtimes.ts";

const test = suite(`${RUNTIME}: bench/pool.ts`);

test("--pools truepar --repeat 1 --json: one record, truepar's figures for every scenario beside the bare ping-pong", async () => {
  const [command, ...args] = scriptCommand(RUNTIME, "bench/pool.ts");
  const result = await execa(command, [...args, "--json", "--repeat", "1", "--idle-ms", "300", "--pools", "truepar"], {
    cwd: new URL("../", import.meta.url),
    reject: false,
    timeout: 120_000,
  });
  assert.is(result.exitCode, 0, result.stderr);
  const record = JSON.parse(result.stdout) as {
    schema: string;
    runtime: { name: string };
    results: { pool: string; scenario: string; median: number; ofCopy?: number }[];
  };
  assert.is(record.schema, "truepar.bench-pool/1");
  assert.is(record.runtime.name, RUNTIME);
  const pools = new Set(record.results.map((r) => r.pool));
  assert.ok(pools.has("truepar") && !pools.has("piscina"), [...pools].join(", "));
  const scenarios = new Set(record.results.filter((r) => r.pool === "truepar").map((r) => r.scenario));
  for (const scenario of ["noop", "noop-group", "noop-cpu", "round-trip", "echo-1mb", "idle"]) {
    assert.ok(scenarios.has(scenario), `${scenario} in ${[...scenarios].join(", ")}`);
  }
  const limits = record.results.filter((r) => r.pool.startsWith("bare-")).map((r) => r.scenario);
  assert.equal(limits.sort(), ["copy-1mb", "copy-1mb", "noop", "round-trip", "round-trip", "round-trip"]);
  // Idle may burn nothing at all; every other figure is a rate or a time.
  assert.ok(record.results.every((r) => r.scenario === "idle" ? r.median >= 0 : r.median > 0), "every figure measured");
  const echo = record.results.find((r) => r.pool === "truepar" && r.scenario === "echo-1mb")!;
  assert.ok(echo.ofCopy! > 0 && echo.ofCopy! < 1, `the echo at ${echo.ofCopy} of one thread's copy`);
});

test.run();
