import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createAdapter, detectRuntime } from "../runtimes/detect.ts";
import { RUNTIMES } from "../runtimes/registry.ts";

const detect = suite(`${RUNTIME}: detectRuntime()`);

detect("checks Bun first, then Deno, then Node (both define process)", () => {
  const process = { versions: { node: "20.0.0" } };
  assert.is(detectRuntime({ Bun: {}, Deno: {}, process }), "bun");
  assert.is(detectRuntime({ Deno: {}, process }), "deno");
  assert.is(detectRuntime({ process }), "node");
});

detect("throws for a global of no known runtime", () => {
  assert.throws(() => detectRuntime({}), /Cannot detect runtime/);
});

detect("names the runtime running this file", () => {
  assert.ok(RUNTIMES.some((r) => r.name === RUNTIME));
  assert.is(detectRuntime(), RUNTIME);
});

detect("createAdapter() returns this runtime's adapter, and refuses unknown names", async () => {
  const adapter = await createAdapter();
  assert.is(adapter.runtime.name, RUNTIME);
  assert.match(adapter.runtime.version, /^\d+\.\d+/);
  const host = adapter.hostInfo();
  assert.ok(host.cores >= 1 && host.memoryBytes > 0 && host.cpuModel.length > 0);
  const error = await createAdapter("spidermonkey").catch((e: unknown) => e) as Error;
  assert.instance(error, RangeError);
  assert.match(error.message, '"spidermonkey"');
});

detect.run();
