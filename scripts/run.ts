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
import cliProgress from "cli-progress";
import type { RunRecord } from "../core/record.ts";
import { runScaling } from "../core/runner.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { parseRunArgs, type RunArgs, USAGE, UsageError } from "./cli_args.ts";

const LABELS = { sequential: "# sequential", async: "# in flight", workers: "# workers", processes: "# processes" };
const RULE = "-".repeat(60);

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
  const bar = process.stderr.isTTY && !args.json
    ? new cliProgress.SingleBar({ stream: process.stderr, format: " {bar} {percentage}% | {value}/{total} tasks | {duration_formatted}", hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : undefined;
  let started = false;
  const record = await runScaling({
    adapter,
    workload: args.workload,
    params: args.params,
    strategy: args.strategy,
    concurrency: args.concurrency,
    tasks: args.tasks,
    repeat: args.repeat,
    warmup: args.warmup,
    onProgress: bar && ((done, total) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    }),
  }).finally(() => bar?.stop());
  if (args.json) process.stdout.write(JSON.stringify(record, null, 2) + "\n");
  else printRecord(record);
}

function printRecord(record: RunRecord): void {
  const { runtime, workload, strategy, tasks } = record;
  for (const point of record.points) {
    console.log(`[${LABELS[strategy]} = ${point.concurrency}, # tasks = ${tasks}, workload = ${workload.name}, runtime = ${runtime.name} ${runtime.version}]`);
    console.log(`Total time ${(point.medianMs / 1000).toFixed(4)} s`);
    const pool = strategy === "workers" || strategy === "processes"
      ? ` · pool start ${point.startupMedianMs.toFixed(1)} ms · batch ${point.batchMedianMs.toFixed(1)} ms`
      : "";
    console.log(`  median of ${point.samplesMs.length}${pool} · speedup ${point.speedup.toFixed(2)}x · checksum ${point.checksum}`);
    console.log(RULE);
  }
}
