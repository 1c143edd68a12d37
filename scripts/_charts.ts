/**
 * The report's charts: the experiments' Vega-Lite specifications rendered to
 * SVG by Vega, headless (no browser, no canvas), and the index.html that
 * shows them.
 *
 * @module
 */

import * as vega from "vega";
import { compile } from "vega-lite";
import type { Report } from "./_report.ts";
import { describeHost } from "./_hosts.ts";

/** A rendered chart. */
export interface Chart {
  /** The file name, such as `speedup-cpu.svg`. */
  file: string;
  title: string;
  svg: string;
}

/**
 * Renders every chart the report's sections specify.
 *
 * @param report The report.
 * @returns The charts, in the order the page shows them.
 */
export async function renderCharts(report: Report): Promise<Chart[]> {
  const charts: Chart[] = [];
  for (const { file, title, spec } of report.sections.flatMap((section) => section.charts)) {
    // Errors only: the optimizer's notes ("Maximum optimization runs reached") are no reader's business.
    const view = new vega.View(vega.parse(compile(spec, { logger: vega.logger(vega.Error) }).spec), { renderer: "none" });
    charts.push({ file, title, svg: await view.toSVG() });
    view.finalize();
  }
  return charts;
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
<p class="env">${host ? escape(`${describeHost(host)} · ${(host.memoryBytes / 2 ** 30).toFixed(0)} GiB`) : ""}<br>
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
