import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { deserializeError, encodeFrame, FrameDecoder, serializeError } from "../core/protocol.ts";
import { median } from "../core/stats.ts";
import { describeExit, TaskTimeoutError, WorkerCrashedError } from "../core/errors.ts";

const frames = suite(`${RUNTIME}: FrameDecoder`);

frames("decodes frames split across chunks and passes other lines through", () => {
  const messages: unknown[] = [];
  const lines: string[] = [];
  const decoder = new FrameDecoder((m) => messages.push(m), (l) => lines.push(l));
  const bytes = new TextEncoder().encode(
    encodeFrame({ t: "ready" }) + "a stray log line\n" + encodeFrame({ t: "done", id: 1, value: "é" }),
  );
  for (let i = 0; i < bytes.length; i += 3) decoder.push(bytes.subarray(i, i + 3));
  assert.equal(messages, [{ t: "ready" }, { t: "done", id: 1, value: "é" }]);
  assert.equal(lines, ["a stray log line"]);
});

frames("holds a partial line until its newline arrives", () => {
  const messages: unknown[] = [];
  const decoder = new FrameDecoder((m) => messages.push(m), () => {});
  const frame = encodeFrame({ t: "ready" });
  decoder.push(frame.slice(0, -1));
  assert.equal(messages, []);
  decoder.push("\n");
  assert.equal(messages, [{ t: "ready" }]);
});

const errors = suite(`${RUNTIME}: errors`);

errors("an error survives serialization with name, message and stack", () => {
  const original = new RangeError("out of range");
  const copy = deserializeError(JSON.parse(JSON.stringify(serializeError(original))));
  assert.is(copy.name, "RangeError");
  assert.is(copy.message, "out of range");
  assert.is(copy.stack, original.stack);
  assert.equal(serializeError("plain"), { name: "Error", message: "plain" });
});

errors("WorkerCrashedError and describeExit() name the code, signal or error", () => {
  assert.is(describeExit({ code: 3, signal: null }), "exit code 3");
  assert.is(describeExit({ code: null, signal: "SIGKILL" }), "signal SIGKILL");
  assert.is(describeExit({ code: null, signal: null, error: new Error("boom") }), "an uncaught error: boom");
  const crashed = new WorkerCrashedError({ code: null, signal: "SIGKILL" }, "child process");
  assert.is(crashed.name, "WorkerCrashedError");
  assert.match(crashed.message, "child process exited during the task with signal SIGKILL");
  assert.match(new TaskTimeoutError(25).message, "25 ms");
});

const stats = suite(`${RUNTIME}: median()`);

stats("takes the middle value, or the mean of the two middle values", () => {
  assert.is(median([5]), 5);
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
});

stats("refuses an empty list", () => {
  assert.throws(() => median([]), (e: Error) => e instanceof RangeError);
});

frames.run();
errors.run();
stats.run();
