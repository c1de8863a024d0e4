// One run as a table row, and the text of each of its cells. Built once per run when a page arrives,
// so scrolling only reads plain objects.
import { fromWireDouble } from "../../client/rest.js";
import type { RunStatus, WireRun } from "../../client/wire.js";
import { runError } from "../../tracking/cell-run.js";
import { formatDuration, formatMetric, formatTime } from "../format.js";
import type { Column } from "./columns.js";

export interface TableRow {
  runId: string;
  name: string;
  status: RunStatus;
  /** In the trash (lifecycle_stage "deleted"): restorable until the server purges it. */
  deleted: boolean;
  userId: string;
  startTime?: number | undefined;
  endTime?: number | undefined;
  params: Readonly<Record<string, string>>;
  metrics: Readonly<Record<string, number>>;
  tags: Readonly<Record<string, string>>;
  /** MLflow 3's logged models the run made (distinct ids of its outputs). */
  loggedModels: number;
}

export function toTableRow(run: WireRun): TableRow {
  const info = run.info;
  const params: Record<string, string> = {};
  const metrics: Record<string, number> = {};
  const tags: Record<string, string> = {};
  for (const p of run.data.params ?? []) params[p.key] = p.value;
  for (const m of run.data.metrics ?? []) metrics[m.key] = fromWireDouble(m.value);
  for (const t of run.data.tags ?? []) tags[t.key] = t.value;
  return {
    runId: info.run_id,
    name: info.run_name || tags["mlflow.runName"] || info.run_id,
    status: info.status,
    deleted: info.lifecycle_stage === "deleted",
    userId: info.user_id || tags["mlflow.user"] || "",
    startTime: info.start_time,
    endTime: info.end_time,
    params,
    metrics,
    tags,
    loggedModels: new Set((run.outputs?.model_outputs ?? []).map((o) => o.model_id)).size,
  };
}

/**
 * The value of a cell, unformatted: params and tags as text, metrics and times (ms) as numbers, the
 * duration in ms (a RUNNING run's counts up to `now`); undefined when the run has none.
 */
export function cellValue(
  row: TableRow,
  column: Column,
  now: number = Date.now(),
): string | number | undefined {
  switch (column.kind) {
    case "param":
      return row.params[column.key];
    case "tag":
      return row.tags[column.key];
    case "metric":
      return row.metrics[column.key];
  }
  switch (column.key) {
    case "run_name":
      return row.name;
    case "status":
      return row.status;
    case "user_id":
      return row.userId;
    case "error":
      return runError(row.tags);
    case "models":
      return row.loggedModels > 0 ? row.loggedModels : undefined;
    case "start_time":
      return row.startTime;
    case "duration": {
      const end = row.endTime ?? (row.status === "RUNNING" ? now : undefined);
      return row.startTime !== undefined && end !== undefined ? end - row.startTime : undefined;
    }
    default:
      return undefined;
  }
}

/** The text a cell shows; "" when the run has no value for the column. */
export function cellText(row: TableRow, column: Column, now: number = Date.now()): string {
  const value = cellValue(row, column, now);
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (column.kind === "metric") return formatMetric(value);
  if (column.key === "start_time") return formatTime(value, now);
  if (column.key === "duration") return formatDuration(value);
  return String(value);
}
