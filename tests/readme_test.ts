/** Every TypeScript example in README.md runs as written, on the runtime running this file. */

import { RUNTIME } from "./_guard.ts";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";
import { scriptCommand } from "../scripts/_runtimes.ts";

const ROOT = new URL("../", import.meta.url);
const readme = readFileSync(new URL("README.md", ROOT), "utf8");
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

test.run();
