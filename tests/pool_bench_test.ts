/**
 * The pool's benchmark runs on this runtime and prints its record: truepar's
 * rows, every scenario, and the limit's; each round in a process of its own,
 * so a round's process that dies costs its pool only.
 */

import { RUNTIME } from "./_guard.ts";
import { readFileSync } from "node:fs";
import process from "node:process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";
import { scriptCommand } from "../scripts/_runtimes.ts";
import { processesLeft, processesMarked } from "./_processes.ts";

const test = suite(`${RUNTIME}: bench/pool.ts`);

test("one round: truepar's figures for every scenario beside the limits'; truepar-spin's process killed midway leaves it out, with the reason, and nothing running", async () => {
  const mark = `pool-bench-${process.pid}-${Date.now()}`;
  const [command, ...args] = scriptCommand(RUNTIME, "bench/pool.ts");
  const bench = execa(
    command!,
    [...args, "--json", "--repeat", "1", "--idle-ms", "300", "--pools", "truepar,truepar-spin"],
    {
      cwd: new URL("../", import.meta.url),
      env: { TRUEPAR_TRACE: "1", TRUEPAR_TEST_MARK: mark },
      reject: false,
      timeout: 180_000,
    },
  );
  // Once truepar-spin's round has begun, its process (the one whose last argument names it) is killed.
  let killed: number | undefined;
  bench.stderr!.on("data", async (chunk: Buffer) => {
    if (killed !== undefined || !chunk.toString().includes("truepar-spin round 0")) return;
    killed = 0;
    for (let tries = 0; tries < 100 && killed === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const round = processesMarked("TRUEPAR_TEST_MARK", mark).find((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").endsWith("\0truepar-spin\0");
        } catch {
          return false;
        }
      });
      if (round !== undefined) {
        // Midway: the round has made its pool and runs its scenarios.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        process.kill(round, "SIGKILL");
        killed = round;
      }
    }
  });
  const result = await bench;
  assert.is(result.exitCode, 0, result.stderr);
  assert.ok(killed !== undefined && killed > 0, "truepar-spin's round had a process of its own to kill");
  const record = JSON.parse(result.stdout) as {
    schema: string;
    runtime: { name: string };
    results: { pool: string; scenario: string; median: number; ofCopy?: number }[];
    unavailable: { pool: string; reason: string }[];
  };
  assert.is(record.schema, "truepar.bench-pool/1");
  assert.is(record.runtime.name, RUNTIME);
  assert.equal(record.unavailable, [
    { pool: "truepar-spin", reason: "stopped in round 1: its process ended with SIGKILL" },
  ]);
  const pools = new Set(record.results.map((r) => r.pool));
  assert.ok(pools.has("truepar") && !pools.has("truepar-spin"), [...pools].join(", "));
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
  assert.equal(await processesLeft("TRUEPAR_TEST_MARK", mark), [], "no round's process left running");
});

test.run();
