/**
 * The report rendered: as text for the terminal, as Markdown with every
 * cell's spread, and the tables as CSV files.
 *
 * @module
 */

import type { Report, Table } from "./_report.ts";
import { describeHost } from "./_hosts.ts";
import { WIDTH, wrapLine } from "../experiments/_text.ts";

/**
 * The report as text for the terminal, no line wider than 100 columns: the
 * verdict first, then each experiment's tables (a table too wide for a
 * terminal says so and points at report.md), its lines, and the warnings,
 * one per cause, after the figures they qualify.
 *
 * @param report The report.
 * @returns Lines of text.
 */
export function formatReportText(report: Report): string {
  const out: string[] = [];
  const { host, runtimes } = report.environment;
  if (host) out.push(`host: ${describeHost(host)} · ${(host.memoryBytes / 2 ** 30).toFixed(0)} GiB`);
  for (const r of runtimes) out.push(`${r.name} ${r.version} (${r.engine})`);
  out.push(
    `profile ${report.plan.profile} · seed ${report.plan.seed} · ${report.plan.order.length} runs in ${
      report.plan.rounds ?? 1
    } rounds over the matrix, each in a fresh process, in seeded random order`,
  );
  for (const { question, lines } of report.answers) out.push("", question, ...lines.map((v) => `  ${v}`));
  for (const section of report.sections) {
    for (const table of shown(section.tables, "text")) {
      const widest = Math.max(...textTable(table.header, table.rows).split("\n").map((line) => line.length));
      const lines = textTable(table.header, table.rows, table.why).split("\n");
      if (widest > WIDTH) {
        out.push(
          "",
          table.title,
          `  (${table.header.length} columns, ${widest} wide: too wide for a terminal; the table is in report.md)`,
        );
        continue;
      }
      out.push("", table.title, ...lines);
      if (table.note) out.push(`  ${table.note}`);
    }
    if (section.lines.length > 0) out.push("", ...section.lines);
  }
  if (report.warnings.length > 0) {
    out.push(
      "",
      "warnings:",
      ...report.warnings.map((w) =>
        `  - ${w.severity}: ${w.text}${w.cells?.length ? ` (${w.cells.length}: in report.md)` : ""}`
      ),
    );
  }
  if (report.missing.length > 0) out.push("", `missing cells (failed or not reached): ${report.missing.join(", ")}`);
  return out.map((line) => wrapLine(line, WIDTH)).join("\n");
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
    `Profile \`${report.plan.profile}\`, seed ${report.plan.seed}, started ${report.plan.startedAt}. The matrix ran in ${
      report.plan.rounds ?? 1
    } rounds, every cell in a fresh process each round, in a new seeded order each round, so drift hits every runtime alike; inside a cell the levels alternate in paired rounds with a control.`,
    "",
    ...report.answers.flatMap(({ question, lines }) => [`## ${question}`, "", ...lines.map((v) => `- ${v}`), ""]),
    host ? `Host: ${describeHost(host)} · ${(host.memoryBytes / 2 ** 30).toFixed(1)} GiB.` : "",
    "",
    ...runtimes.map((r) => `- ${r.name} ${r.version} (${r.engine})`),
  ];
  for (const section of report.sections) {
    const [first, ...rest] = shown(section.tables, "markdown");
    // The lines (noise floor, ceiling) follow an experiment's first tables, before its detail.
    const detail = rest.filter((t) => t.show === "markdown");
    for (const table of [first, ...rest.filter((t) => t.show !== "markdown")]) {
      if (table) out.push(...markdownSection(table));
    }
    if (section.lines.length > 0) out.push("", ...section.lines.map((line) => `- ${line}`));
    for (const table of detail) out.push(...markdownSection(table));
  }
  if (charts.length > 0) out.push("", "## Charts", "", ...charts.map((chart) => `![${chart}](${chart})`));
  out.push(
    "",
    "## Warnings",
    "",
    ...(report.warnings.length
      ? report.warnings.flatMap((w) => [`- ${w.severity}: ${w.text}`, ...(w.cells ?? []).map((cell) => `  - ${cell}`)])
      : ["None."]),
  );
  if (report.missing.length) out.push("", `Missing cells (failed or not reached): ${report.missing.join(", ")}.`);
  return out.join("\n") + "\n";
}

function markdownSection(table: Table): string[] {
  // What a figure past the machine's limit owes it to: a column of its own, where any row has one.
  const why = table.why?.some((w) => w !== undefined);
  const header = why ? [...table.header, "past what the machine allows"] : table.header;
  const rows = why ? table.rows.map((row, i) => [...row, table.why![i] ?? ""]) : table.rows;
  if (table.show === "markdown") {
    return ["", `## ${table.title}`, "", ...(table.note ? [table.note, ""] : []), markdownTable(header, rows)];
  }
  return ["", `## ${table.title}`, "", markdownTable(header, rows), ...(table.note ? ["", `${table.note}.`] : [])];
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
    .map((t) => ({
      file: t.csv!,
      csv: [t.header, ...t.rows].map((row) => row.map(quoteCsv).join(",")).join("\n") + "\n",
    }));
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
export function textTable(header: string[], rows: string[][], why?: readonly (string | undefined)[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  // A figure past the machine's limit: why, at the end of its row's line, or just under it where the line would pass 100 columns.
  const reason = (text: string, i: number) => {
    const note = why?.[i];
    if (note === undefined) return [text];
    return text.length + 4 + note.length <= WIDTH ? [`${text}  * ${note}`] : [text, `  * ${note}`];
  };
  return [line(header), ...rows.flatMap((row, i) => reason(line(row), i))].join("\n");
}

/**
 * Lays a table out in Markdown.
 *
 * @param header The column names.
 * @param rows The rows.
 * @returns The lines.
 */
export function markdownTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
