/**
 * The report's charts: Vega-Lite specifications rendered to SVG by Vega,
 * headless (no browser, no canvas), and the index.html that shows them.
 *
 * @module
 */

import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { STRATEGIES } from "../core/strategies.ts";
import type { Report } from "./_report.ts";

/** A rendered chart. */
export interface Chart {
  /** The file name, such as `speedup-cpu.svg`. */
  file: string;
  title: string;
  svg: string;
}

const WIDTH = 220;
const HEIGHT = 180;

/**
 * Renders every chart the report has data for.
 *
 * @param report The report.
 * @returns The charts, in the order the page shows them.
 */
export async function renderCharts(report: Report): Promise<Chart[]> {
  const specs: { file: string; title: string; spec: TopLevelSpec }[] = [];
  for (const workload of new Set(report.scaling.map((r) => r.workload))) {
    const rows = report.scaling.filter((r) => r.workload === workload);
    const levels = [...new Set(rows.map((r) => r.concurrency))].sort((a, b) => a - b);
    const strategies = STRATEGIES.filter((strategy) => rows.some((r) => r.strategy === strategy));
    specs.push({
      file: `speedup-${workload}.svg`,
      title: `${workload}: steady speedup against concurrency with its 95% interval, one panel per strategy (sequential: the control); dashed grey: ideal`,
      spec: {
        title: `${workload}: speedup by concurrency`,
        data: {
          values: [
            ...rows.map((r) => ({ runtime: r.runtime, strategy: r.strategy, concurrency: r.concurrency, speedup: r.steadySpeedup, low: r.steadySpeedupCI[0], high: r.steadySpeedupCI[1] })),
            ...strategies.flatMap((strategy) => levels.map((c) => ({ runtime: "ideal", strategy, concurrency: c, speedup: c }))),
          ],
        },
        facet: { column: { field: "strategy", type: "nominal", sort: strategies, title: null } },
        spec: {
          width: 150,
          height: 150,
          layer: [
            {
              transform: [{ filter: "datum.runtime === 'ideal'" }],
              mark: { type: "line", color: "#999", strokeDash: [3, 3] },
              encoding: { x: { field: "concurrency", type: "quantitative" }, y: { field: "speedup", type: "quantitative" } },
            },
            {
              transform: [{ filter: "datum.runtime !== 'ideal'" }],
              mark: { type: "line", point: true },
              encoding: {
                x: { field: "concurrency", type: "quantitative", axis: { tickMinStep: 1 }, title: "concurrency" },
                y: { field: "speedup", type: "quantitative", title: "speedup" },
                color: { field: "runtime", type: "nominal", sort: ["node", "deno", "bun", "cpython"] },
              },
            },
            {
              transform: [{ filter: "datum.runtime !== 'ideal'" }],
              mark: { type: "rule" },
              encoding: {
                x: { field: "concurrency", type: "quantitative" },
                y: { field: "low", type: "quantitative" },
                y2: { field: "high" },
                color: { field: "runtime", type: "nominal", sort: ["node", "deno", "bun", "cpython"] },
              },
            },
          ],
        },
      },
    });
  }
  if (report.overhead.length > 0) {
    specs.push({
      file: "memory.svg",
      title: "memory per worker and per process (MB, slope over 1, 2, 4, 8)",
      spec: grouped("memory per worker and per process", "MB", report.overhead.flatMap((r) => [
        { runtime: r.runtime.name, series: "worker RSS", value: r.perWorkerMB.rss },
        { runtime: r.runtime.name, series: "worker PSS", value: r.perWorkerMB.pss },
        { runtime: r.runtime.name, series: "process RSS", value: r.perProcessMB?.rss },
        { runtime: r.runtime.name, series: "process PSS", value: r.perProcessMB?.pss },
      ])),
    });
    specs.push({
      file: "startup.svg",
      title: "start-up latency, spawn to ready (median ms)",
      spec: grouped("start-up latency", "ms", report.overhead.flatMap((r) => [
        { runtime: r.runtime.name, series: "worker", value: r.workerStartMs.median },
        { runtime: r.runtime.name, series: "process", value: r.processStartMs.median },
      ])),
    });
  }
  if (report.kernels.length > 0) {
    specs.push({
      file: "kernels.svg",
      title: "kernels: ns per step for JavaScript, Wasm, Wasm SIMD and native C",
      spec: {
        title: "kernels: ns per step",
        data: {
          values: report.kernels.flatMap((r) => r.kernels.flatMap((k) =>
            Object.entries(k.nsPerStep).map(([variant, value]) => ({ runtime: r.runtime.name, kernel: k.name, variant, value }))
          )),
        },
        facet: { column: { field: "kernel", type: "nominal", title: null } },
        resolve: { scale: { y: "independent" } },
        spec: {
          width: WIDTH,
          height: HEIGHT,
          mark: "bar",
          encoding: {
            x: { field: "variant", type: "nominal", sort: ["js", "wasm", "wasmSimd", "native"], title: null },
            xOffset: { field: "runtime", type: "nominal" },
            y: { field: "value", type: "quantitative", title: "ns per step" },
            color: { field: "runtime", type: "nominal" },
          },
        },
      },
    });
  }
  const charts: Chart[] = [];
  for (const { file, title, spec } of specs) {
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
    charts.push({ file, title, svg: await view.toSVG() });
    view.finalize();
  }
  return charts;
}

function grouped(title: string, unit: string, values: { runtime: string; series: string; value: number | null | undefined }[]): TopLevelSpec {
  return {
    title,
    width: WIDTH * 1.6,
    height: HEIGHT,
    data: { values: values.filter((v) => v.value !== null && v.value !== undefined) },
    mark: "bar",
    encoding: {
      x: { field: "runtime", type: "nominal", sort: ["node", "deno", "bun"], title: null },
      xOffset: { field: "series", type: "nominal" },
      y: { field: "value", type: "quantitative", title: unit },
      color: { field: "series", type: "nominal" },
    },
  };
}

/**
 * The page that shows the charts together, with the environment and links to the data.
 *
 * @param report The report.
 * @param charts The rendered charts.
 * @returns The HTML.
 */
export function renderIndex(report: Report, charts: readonly Chart[]): string {
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const { host, runtimes } = report.environment;
  const figures = charts.map((chart) => `<figure><img src="${chart.file}" alt="${escape(chart.title)}"><figcaption>${escape(chart.title)}</figcaption></figure>`);
  const warnings = report.warnings.map((w) => `<li>${escape(`${w.severity}: ${w.text}`)}</li>`).join("");
  const verdict = report.verdict.map((v) => `<li>${escape(v)}</li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>truepar report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; } .env { color: #555; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; border: 1px solid #e3e3e3; border-radius: 6px; padding: .75rem; background: #fff; }
figcaption { color: #555; font-size: 12px; max-width: 420px; margin-top: .4rem; }
.warnings { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5rem 1rem; }
</style>
</head>
<body>
<h1>truepar report</h1>
<p class="env">${host ? escape(`${host.cpuModel} · ${host.cores} cores · ${(host.memoryBytes / 2 ** 30).toFixed(0)} GiB · ${host.os} ${host.arch}`) : ""}<br>
${runtimes.map((r) => escape(`${r.name} ${r.version} (${r.engine})`)).join(" · ")}<br>
profile ${escape(report.plan.profile)} · seed ${report.plan.seed} · ${report.plan.order.length} runs · <a href="report.md">report.md</a> · <a href="results.csv">results.csv</a> · <a href="cells/">raw records</a></p>
${verdict ? `<h2>Does cpu work run truly in parallel? (steady state, 95% intervals, cores busy)</h2><ul class="verdict">${verdict}</ul>` : ""}
${warnings ? `<div class="warnings"><strong>Warnings</strong><ul>${warnings}</ul></div>` : ""}
<div class="charts">
${figures.join("\n")}
</div>
</body>
</html>
`;
}
