/**
 * The report rendered: as text for the terminal, as Markdown with every
 * cell's spread, and the tables as CSV files.
 *
 * @module
 */

import type { Report, Table } from "./_report.ts";
import { describeHost } from "./_hosts.ts";

/**
 * The report as text for the terminal.
 *
 * @param report The report.
 * @returns Lines of text.
 */
export function formatReportText(report: Report): string {
  const out: string[] = [];
  const { host, runtimes } = report.environment;
  if (host) out.push(`host: ${describeHost(host)} · ${(host.memoryBytes / 2 ** 30).toFixed(0)} GiB`);
  for (const r of runtimes) out.push(`${r.name} ${r.version} (${r.engine})`);
  out.push(`profile ${report.plan.profile} · seed ${report.plan.seed} · ${report.plan.order.length} runs in ${report.plan.rounds ?? 1} rounds over the matrix, each in a fresh process, in seeded random order`);
  if (report.verdict.length > 0) out.push("", "verdict (cpu work, steady state):", ...report.verdict.map((v) => `  ${v}`));
  for (const section of report.sections) {
    for (const table of shown(section.tables, "text")) {
      out.push("", table.title, textTable(table.header, table.rows));
      if (table.note) out.push(`  cold (fresh pool, start-up included): ${table.note}`);
    }
    if (section.lines.length > 0) out.push("", ...section.lines);
  }
  if (report.warnings.length > 0) out.push("", "warnings:", ...report.warnings.map((w) => `  - ${w.severity}: ${w.text}`));
  if (report.missing.length > 0) out.push("", `missing cells (failed or not reached): ${report.missing.join(", ")}`);
  return out.join("\n");
}

/**
 * The report as Markdown, with every cell's spread.
 *
 * @param report The report.
 * @param charts The SVG files to show.
 * @returns The Markdown text.
 */
export function formatReportMarkdown(report: Report, charts: string[]): string {
  const { host, runtimes } = report.environment;
  const out = [
    "# truepar report",
    "",
    `Profile \`${report.plan.profile}\`, seed ${report.plan.seed}, started ${report.plan.startedAt}. The matrix ran in ${report.plan.rounds ?? 1} rounds, every cell in a fresh process each round, in a new seeded order each round, so drift hits every runtime alike; inside a cell the levels alternate in paired rounds with a control.`,
    "",
    ...(report.verdict.length > 0 ? ["## Verdict: does cpu work run truly in parallel?", "", ...report.verdict.map((v) => `- ${v}`), ""] : []),
    host ? `Host: ${describeHost(host)} · ${(host.memoryBytes / 2 ** 30).toFixed(1)} GiB.` : "",
    "",
    ...runtimes.map((r) => `- ${r.name} ${r.version} (${r.engine})`),
  ];
  for (const section of report.sections) {
    const [first, ...rest] = shown(section.tables, "markdown");
    // The lines (noise floor, ceiling) follow an experiment's first tables, before its detail.
    const detail = rest.filter((t) => t.show === "markdown");
    for (const table of [first, ...rest.filter((t) => t.show !== "markdown")]) if (table) out.push(...markdownSection(table));
    if (section.lines.length > 0) out.push("", ...section.lines.map((line) => `- ${line}`));
    for (const table of detail) out.push(...markdownSection(table));
  }
  if (charts.length > 0) out.push("", "## Charts", "", ...charts.map((chart) => `![${chart}](${chart})`));
  out.push("", "## Warnings", "", ...(report.warnings.length ? report.warnings.map((w) => `- ${w.severity}: ${w.text}`) : ["None."]));
  if (report.missing.length) out.push("", `Missing cells (failed or not reached): ${report.missing.join(", ")}.`);
  return out.join("\n") + "\n";
}

function markdownSection(table: Table): string[] {
  if (table.show === "markdown") return ["", `## ${table.title}`, "", ...(table.note ? [table.note, ""] : []), markdownTable(table.header, table.rows)];
  return ["", `## ${table.title}`, "", markdownTable(table.header, table.rows), ...(table.note ? ["", `Cold speedups (a fresh pool per sample, start-up and warm-up included, as the article measures): ${table.note}.`] : [])];
}

function shown(tables: readonly Table[], where: "text" | "markdown"): Table[] {
  return tables.filter((t) => (t.show ?? "all") === "all" || t.show === where);
}

/**
 * Every table that has a CSV file, as CSV.
 *
 * @param report The report.
 * @returns File name and CSV text, for each.
 */
export function reportCsvs(report: Report): { file: string; csv: string }[] {
  return report.sections.flatMap((s) => s.tables).filter((t) => t.csv !== undefined)
    .map((t) => ({ file: t.csv!, csv: [t.header, ...t.rows].map((row) => row.map(quoteCsv).join(",")).join("\n") + "\n" }));
}

function quoteCsv(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Lays a table out in columns of text.
 *
 * @param header The column names.
 * @param rows The rows.
 * @returns The lines.
 */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/**
 * Lays a table out in Markdown.
 *
 * @param header The column names.
 * @param rows The rows.
 * @returns The lines.
 */
export function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}
