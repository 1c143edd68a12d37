/**
 * Runs one experiment on the runtime that runs this script:
 *
 *   npx tsx scripts/run.ts [flags]
 *   deno run -A scripts/run.ts [flags]
 *   bun scripts/run.ts [flags]
 *   npx tsx scripts/run.ts --runtime chromium [flags]   (in a browser, driven from Node)
 *
 * @module
 */

import process from "node:process";
import type { ExperimentRecord } from "../experiments/_experiment.ts";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { HostInfo, RuntimeInfo } from "../core/adapter.ts";
import { createAdapter, detectRuntime } from "../runtimes/detect.ts";
import { getRuntime } from "../runtimes/registry.ts";
import { tasksetPrefix } from "./_cpus.ts";
import { runtimeMissing, scriptCommand } from "./_runtimes.ts";
import { formatUsage, parseRunArgs, type RunArgs, SEE_HELP, UsageError } from "./run_args.ts";
import { createProgress, exitQuietlyOnClosedPipe } from "./_progress.ts";
import { describeHost } from "./_hosts.ts";
import { WIDTH, wrapLine } from "../experiments/_text.ts";

exitQuietlyOnClosedPipe();
let args: RunArgs;
try {
  args = parseRunArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n${SEE_HELP}\n`);
  process.exit(2);
}

if (args.help) {
  process.stdout.write(formatUsage(args.experimentGiven ? args.experiment : undefined) + "\n");
} else if (args.cpus !== undefined) {
  process.exitCode = await relaunch([
    ...tasksetPrefix(args.cpus),
    ...scriptCommand(detectRuntime(), fileURLToPath(import.meta.url)),
  ], withoutFlag("cpus"));
} else if (args.runtime !== undefined && !runsHere(args.runtime)) {
  process.exitCode = await onRuntime(args.runtime);
} else {
  const code = await main(args);
  // After Ctrl-C a worker still busy in a loop (Deno cannot terminate one) must not keep the process alive.
  if (code === 130) process.exit(code);
  process.exitCode = code;
}

/** Whether `--runtime NAME` runs in this process: it is the one running, or is driven from Node and this is Node. */
function runsHere(name: string): boolean {
  const entry = getRuntime(name);
  return entry.drive !== undefined ? detectRuntime() === "node" : entry.detect?.(globalThis) === true;
}

/** Runs this script on another runtime: its launcher, or Node for one driven from Node (`--runtime` kept for it). */
async function onRuntime(name: string): Promise<number> {
  const entry = getRuntime(name);
  const missing = runtimeMissing(name);
  if (missing !== undefined) {
    process.stderr.write(`Cannot run on ${name}: ${missing}\n`);
    return 2;
  }
  return await relaunch(
    scriptCommand(entry.drive === undefined ? name : "node", fileURLToPath(import.meta.url)),
    entry.drive === undefined ? withoutFlag("runtime") : process.argv.slice(2),
  );
}

/** This script's arguments without one flag and its value. */
function withoutFlag(flag: string): string[] {
  const argv = process.argv.slice(2);
  const at = argv.findIndex((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
  argv.splice(at, argv[at] === `--${flag}` ? 2 : 1);
  return argv;
}

/**
 * Runs this script again in a child, as `command` (held to fewer cores with
 * taskset, or on another runtime): its exit code is this one's.
 */
async function relaunch(command: string[], argv: string[]): Promise<number> {
  const [executable, ...rest] = [...command, ...argv];
  const child = spawn(executable!, rest, { stdio: "inherit" });
  // Ctrl-C reaches the child too (one process group): it prints what finished and exits 130; this process waits for it.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => {
    child.on("error", (error) => {
      process.stderr.write(`Cannot run ${path.basename(executable!)}: ${error.message}\n`);
      resolve([2, null]);
    });
    child.on("close", (c, s) => resolve([c, s]));
  });
  process.off("SIGINT", ignore);
  return code ?? (signal === "SIGINT" ? 130 : 1);
}

/** Where the experiment runs: this runtime, through its adapter, or one driven from here. */
interface Target {
  runtime: RuntimeInfo;
  host: HostInfo;
  check(options: unknown): Promise<void>;
  run(
    options: unknown,
    context: {
      signal: AbortSignal;
      onProgress?: (done: number, total: number, what: string) => void;
      onPartial: (record: ExperimentRecord) => void;
    },
  ): Promise<unknown>;
  close(): Promise<void>;
}

/** The target of a run: the adapter of this runtime, or the driver of `--runtime`'s. */
async function openTarget({ experiment, runtime, options }: RunArgs): Promise<Target> {
  const entry = runtime === undefined ? undefined : getRuntime(runtime);
  if (entry?.drive !== undefined) {
    const missing = runtimeMissing(entry.name);
    if (missing !== undefined) throw new UsageError(`Cannot run on ${entry.name}: ${missing}`);
    const task = (options as { task?: { module: URL } } | undefined)?.task;
    const driver = await entry.drive(task === undefined ? [] : [fileURLToPath(task.module)]);
    return {
      runtime: driver.runtime,
      host: driver.host,
      check: (options) =>
        driver.check(experiment.name, options).catch((error: Error & { usage?: boolean }) => {
          throw error.usage ? new UsageError(error.message) : error;
        }),
      run: (options, context) =>
        driver.run(experiment.name, options, {
          ...context,
          onPartial: (record) => context.onPartial(record as ExperimentRecord),
        }),
      close: () => driver.close(),
    };
  }
  const adapter = await createAdapter();
  return {
    runtime: adapter.runtime,
    host: adapter.hostInfo(),
    check: async (options) => await experiment.check?.(options, adapter),
    run: (options, context) => experiment.run(options, { adapter, ...context }),
    close: () => Promise.resolve(),
  };
}

async function main(args: RunArgs): Promise<number> {
  let target: Target;
  try {
    target = await openTarget(args);
  } catch (error) {
    // Nothing to run on: a runtime missing is the command line's to fix (2), one that would not start is a failure (1).
    process.stderr.write(
      `${error instanceof UsageError ? "" : "error: "}${error instanceof Error ? error.message : String(error)}\n`,
    );
    return error instanceof UsageError ? 2 : 1;
  }
  try {
    return await runOn(target, args);
  } finally {
    await target.close();
  }
}

async function runOn(target: Target, { experiment, options, json }: RunArgs): Promise<number> {
  try {
    await target.check(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${SEE_HELP}\n`);
    return 2;
  }
  const { name, version, engine } = target.runtime;
  const host = target.host;
  if (!json) {
    console.log(wrapLine(`truepar · ${name} ${version} (${engine}) · ${describeHost(host)}`, WIDTH));
  }
  const bar = json
    ? undefined
    : createProgress({ format: " {bar} {percentage}% | {value}/{total} {unit} | {duration_formatted}" });
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let partial: ExperimentRecord | undefined;
  const print = (record: unknown) =>
    process.stdout.write((json ? JSON.stringify(record, null, 2) : experiment.format(record)) + "\n");
  try {
    const record = await target.run(options, {
      signal: interrupt.signal,
      onProgress: bar && ((done, total, unit) => bar.update(done, total, { unit })),
      onPartial: (record: ExperimentRecord) => (partial = record),
    });
    bar?.stop();
    print(record);
    return 0;
  } catch (error) {
    bar?.stop();
    if (!interrupt.signal.aborted) {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    // Ctrl-C: what finished is printed, marked as such, and the exit code says it was interrupted.
    if (partial === undefined || experiment.interrupted === undefined) {
      process.stderr.write("interrupted before the first round finished: nothing measured\n");
    } else {
      print(json ? { ...partial, interrupted: true } : partial);
      process.stderr.write(`${experiment.interrupted(partial)}\n`);
    }
    return 130;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
