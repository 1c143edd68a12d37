/**
 * The report's charts: the experiments' Vega-Lite specifications rendered to
 * SVG by Vega, headless (no browser, no canvas), and the index.html that
 * shows them.
 *
 * @module
 */

import * as vega from "vega";
import { compile } from "vega-lite";
import type { Report, Table } from "./_report.ts";
import type { MatrixCell, VerdictMatrix } from "../experiments/_experiment.ts";
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
    const view = new vega.View(vega.parse(compile(spec, { logger: vega.logger(vega.Error) }).spec), {
      renderer: "none",
    });
    charts.push({ file, title, svg: await view.toSVG() });
    view.finalize();
  }
  return charts;
}

/**
 * The page: the answer first (the verdict as a matrix, then in words), then
 * each chart with the table of its figures beside it, then the other tables,
 * then the warnings, one per cause, with the cells each applies to.
 *
 * @param report The report.
 * @param charts The rendered charts.
 * @returns The HTML.
 */
export function renderIndex(report: Report, charts: readonly Chart[]): string {
  const { host, runtimes } = report.environment;
  const byFile = new Map(charts.map((chart) => [chart.file, chart]));
  const sections = report.sections.map((section) => {
    const paired = new Set(section.charts.flatMap((chart) => (chart.table === undefined ? [] : [chart.table])));
    const figures = section.charts.filter((chart) => byFile.has(chart.file)).map((chart) => {
      const table = section.tables.find((t) => t.id !== undefined && t.id === chart.table);
      return `<div class="pair"><figure><img src="${escape(chart.file)}" alt="${escape(chart.title)}"><figcaption>${
        escape(chart.title)
      }</figcaption></figure>${table ? htmlTable(table) : ""}</div>`;
    });
    const rest = section.tables.filter((t) => (t.show ?? "all") === "all" && !(t.id !== undefined && paired.has(t.id)))
      .map(htmlTable);
    const lines = section.lines.length > 0
      ? `<ul class="lines">${section.lines.map((line) => `<li>${escape(line)}</li>`).join("")}</ul>`
      : "";
    return `<section id="${escape(section.experiment)}"><h2>${escape(section.experiment)}</h2>${figures.join("\n")}${
      rest.join("\n")
    }${lines}</section>`;
  });
  const warnings = report.warnings.map((w) =>
    `<li><strong>${escape(w.severity)}</strong>: ${escape(w.text)}${
      w.cells?.length
        ? `<details><summary>${w.cells.length} ${w.cells.length === 1 ? "cell" : "cells"}</summary><ul>${
          w.cells.map((c) => `<li>${escape(c)}</li>`).join("")
        }</ul></details>`
        : ""
    }</li>`
  ).join("");
  const verdict = report.verdict.map((v) => `<li>${escape(v)}</li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>truepar report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; } .env { color: #555; }
.matrix { border-collapse: collapse; margin: .5rem 0 1rem; }
.matrix th, .matrix td { border: 1px solid #ddd; padding: .35rem .6rem; text-align: left; }
.matrix td.yes { color: #0b3d1a; } .matrix td.partly { background: #fff3c4; } .matrix td.no { background: #eee; color: #555; }
.matrix td.slower { background: #f8d0d0; } .matrix td.na { color: #aaa; }
.pair { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; margin: 1rem 0; }
figure { margin: 0; border: 1px solid #e3e3e3; border-radius: 6px; padding: .75rem; background: #fff; max-width: 100%; box-sizing: border-box; }
figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 12px; max-width: 520px; margin-top: .4rem; }
table.figures { border-collapse: collapse; font-size: 12px; flex: 1 1 420px; max-width: 100%; }
table.figures caption, .matrix caption { text-align: left; font-weight: 600; margin-bottom: .3rem; }
table.figures th, table.figures td { border-bottom: 1px solid #eee; padding: .2rem .4rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.warnings { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5rem 1rem; margin-top: 2rem; }
</style>
</head>
<body>
<h1>truepar report</h1>
<p class="env">${host ? escape(`${describeHost(host)} · ${(host.memoryBytes / 2 ** 30).toFixed(0)} GiB`) : ""}<br>
${runtimes.map((r) => escape(`${r.name} ${r.version} (${r.engine})`)).join(" · ")}<br>
profile ${
    escape(report.plan.profile)
  } · seed ${report.plan.seed} · ${report.plan.order.length} runs · <a href="report.md">report.md</a> · <a href="results.csv">results.csv</a> · <a href="cells/">raw records</a></p>
<section id="verdict">
${report.matrices.map(htmlMatrix).join("\n")}
${verdict ? `<ul class="verdict">${verdict}</ul>` : ""}
</section>
${sections.join("\n")}
${warnings ? `<section id="warnings" class="warnings"><h2>Warnings</h2><ul>${warnings}</ul></section>` : ""}
</body>
</html>
`;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A verdict matrix: each cell toned by how it reads, shaded green by its share of what the machine allows. */
function htmlMatrix(matrix: VerdictMatrix): string {
  const cell = (c: MatrixCell | null) => {
    if (c === null) return `<td class="na">n/a</td>`;
    // Green as deep as the share of the machine: 90% of the cores reads as deep green, 50% as pale.
    const shade = c.tone === "yes"
      ? ` style="background: hsl(140 55% ${
        Math.round(95 - 45 * Math.min(1, Math.max(0, (c.share ?? 0) - 0.5) / 0.5))
      }%)"`
      : "";
    return `<td class="${c.tone}"${shade}${c.title ? ` title="${escape(c.title)}"` : ""}>${escape(c.text)}</td>`;
  };
  return `<table class="matrix"><caption>${escape(matrix.title)}</caption><tr><th>runtime</th>${
    matrix.columns.map((c) => `<th>${escape(c)}</th>`).join("")
  }</tr>${
    matrix.rows.map((row) => `<tr><th>${escape(row.label)}</th>${row.cells.map(cell).join("")}</tr>`).join("")
  }</table>`;
}

/** A table of figures, beside its chart or on its own; a figure past the machine's limit with its reason in the last column. */
function htmlTable(table: Table): string {
  const why = table.why?.some((w) => w !== undefined);
  const header = why ? [...table.header, "past what the machine allows"] : table.header;
  const rows = why ? table.rows.map((row, i) => [...row, table.why![i] ?? ""]) : table.rows;
  return `<table class="figures"><caption>${escape(table.title)}</caption><tr>${
    header.map((h) => `<th>${escape(h)}</th>`).join("")
  }</tr>${rows.map((row) => `<tr>${row.map((cell) => `<td>${escape(cell)}</td>`).join("")}</tr>`).join("")}</table>${
    table.note ? `<p class="note">${escape(table.note)}</p>` : ""
  }`;
}
