import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";
import { scriptCommand } from "../scripts/_runtimes.ts";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./fixtures/close_exits.ts", import.meta.url));

const exit = suite(`${RUNTIME}: after close()`);

exit("a program that used both pools through faults exits by itself", async () => {
  const [command, ...args] = scriptCommand(RUNTIME, FIXTURE);
  const result = await execa(command, args, { reject: false, timeout: 30_000 });
  assert.not.ok(result.timedOut, "the program did not exit within 30 s");
  assert.is(result.exitCode, 0, result.stderr);
  assert.is(result.stdout.trim(), "closed");
});

exit.run();
