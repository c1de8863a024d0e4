// CSV of the runs table's view (RFC 4180: CRLF lines, fields quoted when they hold a comma, a quote or
// a line break, quotes doubled). Cells keep full precision: this is data for another tool, not for eyes.
import type { Column } from "./columns.js";
import { cellValue, type TableRow } from "./rows.js";

/**
 * One field. Text starting like a formula (`=`, `+`, `-`, `@`) gets a leading apostrophe, because
 * spreadsheets would run a run name such as `=HYPERLINK(...)`; numbers keep their sign.
 */
export function csvField(value: string): string {
  let text = value;
  if (/^[=+\-@\t\r]/.test(text) && !Number.isFinite(Number(text))) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(",");
}

/**
 * The raw value of a cell: numbers as JavaScript writes them, times as ISO 8601 (UTC), durations in
 * seconds; a RUNNING run has no duration yet.
 */
export function csvValue(row: TableRow, column: Column): string {
  if (column.kind === "attribute" && column.key === "duration" && row.endTime === undefined) return "";
  const value = cellValue(row, column);
  if (value === undefined) return "";
  if (typeof value === "string" || column.kind !== "attribute") return String(value);
  if (column.key === "start_time") return new Date(value).toISOString();
  if (column.key === "duration") return String(value / 1000);
  return String(value);
}

/** The header (column ids, as a filter would name them, run_id first) and one line per run. */
export function toCsv(rows: readonly TableRow[], columns: readonly Column[]): string {
  const lines = [csvLine(["run_id", ...columns.map((c) => c.id)])];
  for (const row of rows) lines.push(csvLine([row.runId, ...columns.map((c) => csvValue(row, c))]));
  return `${lines.join("\r\n")}\r\n`;
}
