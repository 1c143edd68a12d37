import { RUNTIME } from "./_guard.ts";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { scriptCommand } from "../scripts/_runtimes.ts";
import { modesLeftChanged, runInTerminal } from "./_terminal.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUN = scriptCommand(RUNTIME, "scripts/run.ts");

const test = suite(`${RUNTIME}: scripts/run.ts in a terminal`);

const EXPERIMENTS: [string, string[], RegExp][] = [
  ["scaling", ["--workload", "cpu", "--strategy", "workers", "--concurrency", "1,2", "--tasks", "4", "--iterations", "1000000", "--repeat", "2"], /Total time \d+\.\d{4} s/],
  ["overhead", ["--experiment", "overhead", "--spawns", "1", "--round-trips", "5", "--cycles", "1"], /Total memory with 8 workers/],
  ["kernels", ["--experiment", "kernels", "--scale", "0.01", "--repeat", "1"], /mandelbrot/],
  ["sync", ["--experiment", "sync", "--iterations", "1000"], /Lost updates/],
];

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

test.run();
