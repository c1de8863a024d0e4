// Group-by over the loaded runs: one group per value of a param or tag (runs without it in their own
// group, last), with the count of runs and the min, mean and max of one metric. Pure.
import type { TableRow } from "./rows.js";

export interface MetricStats {
  /** Runs of the group that have the metric. */
  count: number;
  min: number;
  mean: number;
  max: number;
}

export interface RunGroup {
  /** The param/tag value; null for the runs that have none. */
  value: string | null;
  rows: TableRow[];
  stats: MetricStats | null;
}

/** The value of `params.x` / `tags.x` for a row, undefined when the run has none. */
export function groupValue(row: TableRow, by: string): string | undefined {
  if (by.startsWith("params.")) return row.params[by.slice(7)];
  if (by.startsWith("tags.")) return row.tags[by.slice(5)];
  return undefined;
}

export function metricStats(rows: readonly TableRow[], metric: string): MetricStats | null {
  const key = metric.startsWith("metrics.") ? metric.slice(8) : metric;
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    const v = row.metrics[key];
    // NaN and infinities would make every aggregate meaningless; they are left out.
    if (v === undefined || !Number.isFinite(v)) continue;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return count ? { count, min, mean: sum / count, max } : null;
}

/**
 * Groups in the order their first run appears (so the server's sort orders the groups too), the
 * group of runs without a value last. `metric` is a `metrics.` column id, or null for counts only.
 */
export function groupRows(rows: readonly TableRow[], by: string, metric: string | null): RunGroup[] {
  const groups = new Map<string, TableRow[]>();
  const missing: TableRow[] = [];
  for (const row of rows) {
    const value = groupValue(row, by);
    if (value === undefined) {
      missing.push(row);
      continue;
    }
    const list = groups.get(value);
    if (list) list.push(row);
    else groups.set(value, [row]);
  }
  const out: RunGroup[] = [...groups].map(([value, list]) => ({
    value,
    rows: list,
    stats: metric ? metricStats(list, metric) : null,
  }));
  if (missing.length)
    out.push({ value: null, rows: missing, stats: metric ? metricStats(missing, metric) : null });
  return out;
}
