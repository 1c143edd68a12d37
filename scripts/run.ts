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
import type { RuntimeAdapter } from "../core/adapter.ts";
import { runKernels } from "../core/kernels_experiment.ts";
import { runOverhead } from "../core/overhead.ts";
import type { RunRecord } from "../core/record.ts";
import { runScaling } from "../core/runner.ts";
import { runSync, SYNC_STEPS } from "../core/sync_experiment.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { createNativeKernels } from "../runtimes/_native.ts";
import { formatUsage, parseRunArgs, type RunArgs, SEE_HELP, UsageError } from "./cli_args.ts";
import { formatKernels, formatOverhead, formatRun, formatSync } from "./_format.ts";
import { createProgress, type Progress } from "./_progress.ts";

const OVERHEAD_STEPS = 8;
const KERNEL_STEPS = 10;

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
} else {
  const code = await main(args);
  // After Ctrl-C a worker still busy in a loop (Deno cannot terminate one) must not keep the process alive.
  if (code === 130) process.exit(code);
  process.exitCode = code;
}

async function main(args: RunArgs): Promise<number> {
  const adapter = await createAdapter();
  const { name, version, engine } = adapter.runtime;
  const host = adapter.hostInfo();
  if (!args.json) {
    console.log(`truepar · ${name} ${version} (${engine}) · ${host.cpuModel} · ${host.cores} cores · ${host.os} ${host.arch}`);
  }
  const bar = args.json ? undefined : createProgress({ format: " {bar} {percentage}% | {value}/{total} {unit} | {duration_formatted}" });
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const partial: { record?: RunRecord } = {};
  try {
    const result = await runExperiment(args, adapter, { bar, signal: interrupt.signal, partial });
    bar?.stop();
    process.stdout.write((args.json ? JSON.stringify(result.record, null, 2) : result.text) + "\n");
    return 0;
  } catch (error) {
    bar?.stop();
    if (!interrupt.signal.aborted) {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    // Ctrl-C: what finished is printed, marked as such, and the exit code says it was interrupted.
    const { record } = partial;
    if (record === undefined) {
      process.stderr.write("interrupted before the first round finished: nothing measured\n");
    } else {
      const interrupted = { ...record, interrupted: true };
      process.stdout.write((args.json ? JSON.stringify(interrupted, null, 2) : formatRun(record)) + "\n");
      process.stderr.write(`interrupted after ${record.rounds} ${record.rounds === 1 ? "round" : "rounds"}: the figures above are from those alone\n`);
    }
    return 130;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

interface RunContext {
  bar?: Progress;
  signal: AbortSignal;
  /** The scaling record of the rounds finished so far. */
  partial: { record?: RunRecord };
}

async function runExperiment(args: RunArgs, adapter: RuntimeAdapter, context: RunContext): Promise<{ record: unknown; text: string }> {
  const { bar, signal } = context;
  // The other experiments are short and not split into rounds: an interrupt ends them with nothing to show.
  const stopped = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
  stopped.catch(() => {});
  switch (args.experiment) {
    case "scaling": {
      let round = 1;
      const record = await runScaling({
        adapter,
        workload: args.workload,
        params: args.params,
        strategy: args.strategy,
        concurrency: args.concurrency,
        tasks: args.tasks,
        repeat: args.repeat,
        warmup: args.warmup,
        maxMs: args.maxSeconds * 1000,
        seed: args.seed,
        ceiling: args.ceiling,
        signal,
        onProgress: bar && ((done, total) => bar.update(done, total, { unit: `tasks · round ${round}` })),
        onRound: (record) => {
          context.partial.record = record;
          round = record.rounds + 1;
        },
      });
      return { record, text: formatRun(record) };
    }
    case "overhead": {
      let step = 0;
      const record = await Promise.race([stopped, runOverhead({
        adapter,
        spawns: args.spawns,
        roundTrips: args.roundTrips,
        cycles: args.cycles,
        onStep: bar && ((name) => bar.update(step++, OVERHEAD_STEPS, { unit: name })),
      })]);
      return { record, text: formatOverhead(record) };
    }
    case "kernels": {
      let step = 0;
      const record = await Promise.race([stopped, runKernels({
        adapter,
        native: createNativeKernels(),
        repeat: args.repeat,
        scale: args.scale,
        onStep: bar && ((name) => bar.update(step++, KERNEL_STEPS, { unit: name })),
      })]);
      return { record, text: formatKernels(record) };
    }
    case "sync": {
      let step = 0;
      const record = await Promise.race([stopped, runSync({
        adapter,
        workers: args.workers,
        iterations: args.additions,
        onStep: bar && ((name) => bar.update(step++, SYNC_STEPS.length, { unit: name })),
      })]);
      return { record, text: formatSync(record) };
    }
  }
}
