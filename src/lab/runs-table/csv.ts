// CSV of the runs table's view (RFC 4180: CRLF lines, fields quoted when they hold a comma, a quote or
// a line break, quotes doubled). Cells keep full precision: this is data for another tool, not for eyes.
import type { Column } from "./columns.js";
import type { TableRow } from "./rows.js";

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

/** The raw value of a cell: numbers as JavaScript writes them, times as ISO 8601 (UTC), durations in seconds. */
export function csvValue(row: TableRow, column: Column): string {
  switch (column.kind) {
    case "param":
      return row.params[column.key] ?? "";
    case "tag":
      return row.tags[column.key] ?? "";
    case "metric": {
      const value = row.metrics[column.key];
      return value === undefined ? "" : String(value);
    }
  }
  switch (column.key) {
    case "run_name":
      return row.name;
    case "status":
      return row.status;
    case "user_id":
      return row.userId;
    case "start_time":
      return row.startTime === undefined ? "" : new Date(row.startTime).toISOString();
    case "duration":
      return row.startTime !== undefined && row.endTime !== undefined
        ? String((row.endTime - row.startTime) / 1000)
        : "";
    default:
      return "";
  }
}

/** The header (column ids, as a filter would name them, run_id first) and one line per run. */
export function toCsv(rows: readonly TableRow[], columns: readonly Column[]): string {
  const lines = [csvLine(["run_id", ...columns.map((c) => c.id)])];
  for (const row of rows) lines.push(csvLine([row.runId, ...columns.map((c) => csvValue(row, c))]));
  return `${lines.join("\r\n")}\r\n`;
}
