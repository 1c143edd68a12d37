/**
 * Runs one experiment on the runtime that runs this script:
 *
 *   npx tsx scripts/run.ts [flags]
 *   deno run -A scripts/run.ts [flags]
 *   bun scripts/run.ts [flags]
 *
 * @module
 */

import process from "node:process";
import type { ExperimentRecord } from "../experiments/_experiment.ts";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createAdapter, detectRuntime } from "../runtimes/detect.ts";
import { tasksetPrefix } from "./_cpus.ts";
import { scriptCommand } from "./_runtimes.ts";
import { formatUsage, parseRunArgs, type RunArgs, SEE_HELP, UsageError } from "./run_args.ts";
import { createProgress, exitQuietlyOnClosedPipe } from "./_progress.ts";

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
  process.exitCode = await onFewerCores(args.cpus);
} else {
  const code = await main(args);
  // After Ctrl-C a worker still busy in a loop (Deno cannot terminate one) must not keep the process alive.
  if (code === 130) process.exit(code);
  process.exitCode = code;
}

/**
 * Runs this script again, held to `cpus` cores with taskset: its workers and
 * children inherit the affinity, and the runtime reports that many cores.
 */
async function onFewerCores(cpus: number): Promise<number> {
  const argv = process.argv.slice(2);
  const at = argv.findIndex((arg) => arg === "--cpus" || arg.startsWith("--cpus="));
  argv.splice(at, argv[at] === "--cpus" ? 2 : 1);
  const [command, ...rest] = [...tasksetPrefix(cpus), ...scriptCommand(detectRuntime(), fileURLToPath(import.meta.url)), ...argv];
  const child = spawn(command!, rest, { stdio: "inherit" });
  // Ctrl-C reaches the child too (one process group): it prints what finished and exits 130; this process waits for it.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
  process.off("SIGINT", ignore);
  return code ?? (signal === "SIGINT" ? 130 : 1);
}

async function main({ experiment, options, json }: RunArgs): Promise<number> {
  const adapter = await createAdapter();
  try {
    await experiment.check?.(options, adapter);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${SEE_HELP}\n`);
    return 2;
  }
  const { name, version, engine } = adapter.runtime;
  const host = adapter.hostInfo();
  if (!json) {
    console.log(`truepar · ${name} ${version} (${engine}) · ${host.cpuModel} · ${host.cores} ${host.cores === 1 ? "core" : "cores"} · ${host.os} ${host.arch}`);
  }
  const bar = json ? undefined : createProgress({ format: " {bar} {percentage}% | {value}/{total} {unit} | {duration_formatted}" });
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let partial: ExperimentRecord | undefined;
  const print = (record: unknown) => process.stdout.write((json ? JSON.stringify(record, null, 2) : experiment.format(record)) + "\n");
  try {
    const record = await experiment.run(options, {
      adapter,
      signal: interrupt.signal,
      onProgress: bar && ((done, total, unit) => bar.update(done, total, { unit })),
      onPartial: (record) => (partial = record),
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
