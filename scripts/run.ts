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
import { runScaling } from "../core/runner.ts";
import { runSync, SYNC_STEPS } from "../core/sync_experiment.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { createNativeKernels } from "../runtimes/_native.ts";
import { parseRunArgs, type RunArgs, USAGE, UsageError } from "./cli_args.ts";
import { formatKernels, formatOverhead, formatRun, formatSync } from "./_format.ts";
import { createProgress, type Progress } from "./_progress.ts";

const OVERHEAD_STEPS = 8;
const KERNEL_STEPS = 10;

let args: RunArgs;
try {
  args = parseRunArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n\n${USAGE}\n`);
  process.exit(2);
}

if (args.help) {
  process.stdout.write(USAGE + "\n");
} else {
  await main(args).catch((error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}

async function main(args: RunArgs): Promise<void> {
  const adapter = await createAdapter();
  const { name, version, engine } = adapter.runtime;
  const host = adapter.hostInfo();
  if (!args.json) {
    console.log(`truepar · ${name} ${version} (${engine}) · ${host.cpuModel} · ${host.cores} cores · ${host.os} ${host.arch}`);
  }
  const bar = args.json ? undefined : createProgress({ format: " {bar} {percentage}% | {value}/{total} {unit} | {duration_formatted}" });
  let result: { record: unknown; text: string };
  try {
    result = await runExperiment(args, adapter, bar);
  } finally {
    bar?.stop();
  }
  process.stdout.write((args.json ? JSON.stringify(result.record, null, 2) : result.text) + "\n");
}

async function runExperiment(args: RunArgs, adapter: RuntimeAdapter, bar?: Progress): Promise<{ record: unknown; text: string }> {
  switch (args.experiment) {
    case "scaling": {
      const record = await runScaling({
        adapter,
        workload: args.workload,
        params: args.params,
        strategy: args.strategy,
        concurrency: args.concurrency,
        tasks: args.tasks,
        repeat: args.repeat,
        warmup: args.warmup,
        onProgress: bar && ((done, total) => bar.update(done, total, { unit: "tasks" })),
      });
      return { record, text: formatRun(record) };
    }
    case "overhead": {
      let step = 0;
      const record = await runOverhead({
        adapter,
        spawns: args.spawns,
        roundTrips: args.roundTrips,
        cycles: args.cycles,
        onStep: bar && ((name) => bar.update(step++, OVERHEAD_STEPS, { unit: name })),
      });
      return { record, text: formatOverhead(record) };
    }
    case "kernels": {
      let step = 0;
      const record = await runKernels({
        adapter,
        native: createNativeKernels(),
        repeat: args.repeat,
        scale: args.scale,
        onStep: bar && ((name) => bar.update(step++, KERNEL_STEPS, { unit: name })),
      });
      return { record, text: formatKernels(record) };
    }
    case "sync": {
      let step = 0;
      const record = await runSync({
        adapter,
        workers: args.workers,
        iterations: args.additions,
        onStep: bar && ((name) => bar.update(step++, SYNC_STEPS.length, { unit: name })),
      });
      return { record, text: formatSync(record) };
    }
  }
}
