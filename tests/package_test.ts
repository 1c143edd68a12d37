import { RUNTIME } from "./_guard.ts";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";

const test = suite(`${RUNTIME}: the npm package`);
const root = fileURLToPath(new URL("../", import.meta.url));
const BIN = path.join(root, "node_modules", ".bin");

// Packing and installing is the same on every runtime: done once, under Node; Bun imports the installed package too.
if (RUNTIME === "node") {
  test("npm pack gives a tarball a fresh Node project installs: the library imports in plain Node and in Bun, and the truepar command runs", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "truepar-package-"));
    const pack = await execa("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: root, timeout: 120_000 });
    const tarball = path.join(dir, pack.stdout.trim().split("\n").at(-1)!);
    assert.ok(statSync(tarball).size < 400_000, `${statSync(tarball).size} bytes`);
    const project = path.join(dir, "project");
    await execa("mkdir", [project]);
    writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "uses-truepar", private: true, type: "module" }),
    );
    await execa("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], {
      cwd: project,
      timeout: 180_000,
    });
    assert.ok(
      readdirSync(path.join(project, "node_modules", "truepar", "dist")).includes("mod.d.ts"),
      "type declarations",
    );
    writeFileSync(
      path.join(project, "try.js"),
      `
import { createAdapter, createPool, runScaling, WORKLOAD_TASKS } from "truepar";
import { Mutex } from "truepar/sync";
const adapter = await createAdapter();
const pool = await createPool({ adapter, size: 2, module: WORKLOAD_TASKS });
const sum = await pool.run("runWorkload", { workload: "cpu", params: { iterations: 1e6 } });
await pool.close();
const record = await runScaling({ adapter, params: { iterations: 1e6 }, strategy: "processes", concurrency: [1, 2], tasks: 2, repeat: 1, warmup: 0 });
console.log(adapter.runtime.name, sum, record.points[1].checksum, typeof Mutex);
`,
    );
    // Plain Node: no loader, no TypeScript.
    const node = await execa("node", ["try.js"], { cwd: project, timeout: 60_000 });
    assert.is(node.stdout, "node 247342095 247342095 function");
    const bun = await execa(path.join(BIN, "bun"), ["try.js"], { cwd: project, timeout: 60_000 });
    assert.is(bun.stdout, "bun 247342095 247342095 function");
    const run = await execa("npx", [
      "truepar",
      "run",
      "--strategy",
      "workers",
      "--tasks",
      "2",
      "--iterations",
      "1e6",
      "--repeat",
      "1",
      "--warmup",
      "0",
      "--json",
    ], { cwd: project, timeout: 60_000 });
    assert.is(JSON.parse(run.stdout).points[0].checksum, "247342095");
    const bad = await execa("npx", ["truepar", "frobnicate"], { cwd: project, reject: false, timeout: 60_000 });
    assert.is(bad.exitCode, 2);
    assert.match(bad.stderr, /^Cannot start: expected run or compare, received "frobnicate"\n/);
  });
}

test.run();
