/**
 * The first minute: the article's answer on the runtime running this script.
 * `cpu` and `io`, on one event loop, in workers and in processes, at 1 and 2
 * (or the cores this process may use), steady and cold speedups side by side
 * with the cores they kept busy; then what to run next.
 *
 *   npm run first
 *   npx deno run -A scripts/first.ts
 *   npx bun scripts/first.ts
 *
 * @module
 */

import process from "node:process";
import type { RunRecord } from "../experiments/scaling/record.ts";
import { runScaling } from "../experiments/scaling/runner.ts";
import { ranInParallel } from "../core/measure/speedup.ts";
import type { StrategyName } from "../experiments/scaling/strategies.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { formatBudget, formatSpeedup } from "../experiments/scaling/format.ts";
import { WIDTH, wrapLine } from "../experiments/_text.ts";
import { describeHost } from "./_hosts.ts";
import { createProgress } from "./_progress.ts";

const WORKLOADS = [
  { name: "cpu", params: { iterations: 15_000_000 }, what: "cpu: the article's loop, 15M steps a task" },
  { name: "io", params: { waits: 6, waitMs: 2 }, what: "io: six awaited 2 ms waits a task" },
] as const;
const STRATEGIES: [StrategyName, string][] = [["async", "event loop"], ["workers", "workers"], [
  "processes",
  "processes",
]];
const WHERE: Record<string, string> = { async: "on the event loop", workers: "in workers", processes: "in processes" };
const TASKS = 12;

if (process.argv.length > 2) {
  const help = process.argv.includes("--help") || process.argv.includes("-h");
  (help ? process.stdout : process.stderr).write(
    `${
      help ? "" : `Cannot run: scripts/first.ts takes no flags, received ${JSON.stringify(process.argv[2])}\n`
    }Usage: scripts/first.ts (npm run first): the article's answer on this runtime in under a minute; scripts/run.ts --help for one experiment with every flag\n`,
  );
  process.exit(help ? 0 : 2);
}

const adapter = await createAdapter();
const { name, version, engine } = adapter.runtime;
const host = adapter.hostInfo();
const level = Math.max(2, Math.min(host.cores, 4));
console.log(wrapLine(`truepar · ${name} ${version} (${engine}) · ${describeHost(host)}`, WIDTH));
console.log(
  `Is true parallelism possible here? ${TASKS} tasks at 1 and ${level} in flight, in paired rounds (about 30 s)\n`,
);

const cell = (record: RunRecord) => {
  const top = record.points.at(-1)!;
  const mark = top.steadyEvidence === "none" ? "~" : " ";
  return `${mark}${formatSpeedup(top.steadySpeedup, top.steadySpeedupCI)}  ${top.speedup.toFixed(2)}x  ${
    top.coresBusy?.toFixed(1) ?? "n/a"
  }`;
};

const interrupt = new AbortController();
process.once("SIGINT", () => interrupt.abort(new Error("interrupted")));
const bar = createProgress({ format: " {bar} {value}/{total} | {unit}" });
const results = new Map<string, RunRecord>();
try {
  let step = 0;
  for (const workload of WORKLOADS) {
    for (const [strategy, label] of STRATEGIES) {
      bar?.update(step++, WORKLOADS.length * STRATEGIES.length, { unit: `${workload.name} · ${label}` });
      results.set(
        `${workload.name} ${strategy}`,
        await runScaling({
          adapter,
          workload: workload.name,
          params: workload.params,
          strategy,
          concurrency: [1, level],
          tasks: TASKS,
          repeat: 3,
          warmup: 1,
          signal: interrupt.signal,
        }),
      );
    }
  }
} catch (error) {
  bar?.stop();
  if (!interrupt.signal.aborted) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(1);
  }
  printTables();
  process.stderr.write(
    `interrupted: ${results.size} of ${WORKLOADS.length * STRATEGIES.length} measurements finished, shown above\n`,
  );
  process.exit(130);
}
bar?.stop();
printTables();

function printTables(): void {
  for (const workload of WORKLOADS) {
    const rows = STRATEGIES.filter(([strategy]) => results.has(`${workload.name} ${strategy}`));
    if (rows.length === 0) continue;
    console.log(`${workload.what} · speedup at ${level}: steady [95% CI], cold (pool start included), cores busy`);
    for (const [strategy, label] of rows) {
      console.log(`  ${label.padEnd(11)} ${cell(results.get(`${workload.name} ${strategy}`)!)}`);
    }
    // Where the steady time went, where it fell short of the level: the parts that cost the most.
    for (const [strategy, label] of rows.filter(([strategy]) => workload.name === "cpu" && strategy !== "async")) {
      const top = results.get(`${workload.name} ${strategy}`)!.points.at(-1)!;
      if (top.budget === undefined || top.steadySpeedup >= 0.9 * level) continue;
      console.log(
        wrapLine(
          `  ${label}, where the time went: ${formatBudget(top.budget.steady, top.steadySpeedup, level)}`,
          WIDTH,
        ),
      );
    }
    console.log("");
  }
}
const parallel = (strategy: string) => {
  const top = results.get(`cpu ${strategy}`)!.points.at(-1)!;
  return ranInParallel(top, level);
};
const yes = STRATEGIES.filter(([s]) => parallel(s)).map(([s]) => WHERE[s]);
const no = STRATEGIES.filter(([s]) => !parallel(s)).map(([s]) => WHERE[s]);
const io = results.get("io async")!.points.at(-1)!;
console.log(
  `Answer on ${name} ${version}: cpu work runs truly in parallel ${yes.join(" and ") || "nowhere"}${
    no.length ? `, not ${no.join(" or ")}` : ""
  }; awaited io ${io.steadyEvidence === "speedup" ? "overlaps on the event loop too" : "does not overlap here"} (${
    io.steadySpeedup.toFixed(2)
  }x). ~ marks a speedup within the noise floor.`,
);
console.log(
  `\nNext: the same on the other runtimes (npx deno run -A scripts/first.ts, npx bun scripts/first.ts, npm run first);
the whole comparison with CPython beside them, about 5 minutes on 2 cores (npm start); one experiment with every flag (scripts/run.ts --help).`,
);
