/** Every TypeScript example in README.md runs as written, on the runtime running this file. */

import { RUNTIME } from "./_guard.ts";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";
import { scriptCommand } from "../scripts/_runtimes.ts";
import { writeResultSet } from "./fixtures/result_sets.ts";
import { chromiumMissing } from "../runtimes/_chromium_find.ts";
import { startAll } from "../scripts/_limit.ts";

const ROOT = new URL("../", import.meta.url);
// README.md and the pages under docs/: every example and command in them is run.
const readme = [
  "README.md",
  ...readdirSync(new URL("docs/", ROOT)).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
]
  .map((file) => readFileSync(new URL(file, ROOT), "utf8")).join("\n");
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);

const test = suite(`${RUNTIME}: README examples`);

test("README.md has TypeScript examples", () => {
  assert.ok(examples.length >= 2);
});

examples.forEach((source, index) => {
  test(`example ${index + 1} runs and prints`, async () => {
    // Where a reader would save it: beside mod.ts, under truepar's deno.json and package.json.
    const file = fileURLToPath(new URL(`.readme_example_${RUNTIME}_${index + 1}.ts`, ROOT));
    try {
      writeFileSync(file, source);
      const [command, ...args] = scriptCommand(RUNTIME, file);
      const result = await execa(command, args, { reject: false, timeout: 60_000, cwd: ROOT });
      assert.is(result.exitCode, 0, result.stderr);
      assert.ok(result.stdout.trim().length > 0, "the example printed nothing");
    } finally {
      rmSync(file, { force: true });
    }
  });
});

/** Commands that take minutes, each run elsewhere: the README's other commands run here as written. */
const LONG: Record<string, string> = {
  "npm install": "what .ci/run does first (npm ci)",
  "npm install && npm start": "npm start runs below with the smoke profile and in report_test.ts",
  "npm test": "this suite itself",
  "npm run bench:pool": "minutes on every runtime: bench/pool.ts runs in pool_bench_test.ts with one scenario's worth",
  "npm start": "five minutes: report_test.ts runs the comparison with the smoke profile, and an interrupted one",
  "npm start -- --profile full": "half an hour: the same script as the smoke profile, with larger sizes",
  "npm start -- --runtimes node,deno --experiments scaling --workloads cpu,io":
    "minutes: the filters are tested in report_test.ts",
  "npx deno task test": "the Deno part of this suite",
  "npm run install:node26": "downloads a 150 MB binary: report_test.ts checks the registry line that launches it",
  "sudo apt-get install chromium": "installs a browser as root: .ci/run does it where it is missing",
};

const commands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((match) => match[1]!.split("\n"))
  .map((line) => line.replace(/\s+#.*$/, "").trim())
  .filter((line) => line !== "");

const shell = suite(`${RUNTIME}: README shell commands, as written`);

shell("every shell command in README.md is either run here or named as long, with where it is tested", () => {
  assert.ok(commands.length >= 10, `${commands.length} commands`);
  for (const command of Object.keys(LONG)) {
    assert.ok(commands.includes(command), `LONG names a command the README no longer has: ${command}`);
  }
});

/** Runs a README command as written, its result sets in a folder of the test's own, never the checkout's results/. */
async function runCommand(command: string) {
  const results = mkdtempSync(path.join(os.tmpdir(), "truepar-readme-"));
  try {
    if (command.includes("results/A")) {
      for (const name of ["A", "B"]) cpSync(writeResultSet(), path.join(results, name), { recursive: true });
    }
    const written = command.replaceAll("results/", `${results}/`);
    return await execa(written, {
      shell: true,
      reject: false,
      timeout: 180_000,
      cwd: ROOT,
      env: { NO_COLOR: "1", TRUEPAR_RESULTS: results },
    });
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}

// The commands start every runtime themselves: run them once, from the Node pass.
if (RUNTIME === "node") {
  // The browser's commands run where there is a browser (.ci/run installs one); elsewhere their one line is tested in chromium_test.ts.
  const browser = chromiumMissing() === undefined;
  // The README's commands check what they print, not how fast: three run at once.
  const asWritten = commands.filter((c) => !(c in LONG) && (browser || !c.includes("--runtime chromium")));
  const runs = new Map(
    startAll(asWritten.map((command) => () => runCommand(command)), 3).map((done, i) => [asWritten[i]!, done]),
  );
  for (const [command, run] of runs) {
    shell(`${command}`, async () => {
      const result = await run;
      assert.is(result.exitCode, 0, `${command}\n${result.stdout}\n${result.stderr}`);
      assert.ok((result.stdout + result.stderr).trim().length > 0, "the command printed nothing");
      assert.not.match(result.stderr, /\n\s+at /, "a stack trace");
    });
  }
}

test.run();
shell.run();
