// The comparison's tables as data: params side by side with the rows that differ, and the latest
// metrics with the best run per metric. Pure, so the rules (what "differs" means, ties, missing values,
// NaN) are unit-tested without a browser.
import { type ChartRun, type Goal, metricGoal } from "../../charts/index.js";

export interface ParamRow {
  key: string;
  /** One entry per run, in the runs' order; undefined where the run has no such param. */
  values: (string | undefined)[];
  /** Some runs disagree, a missing value counting as a value of its own. */
  differs: boolean;
}

export interface MetricRow {
  key: string;
  values: (number | undefined)[];
  goal: Goal;
  /** Indices of the runs with the best finite value (several on a tie); empty when none has one. */
  best: number[];
  differs: boolean;
}

const sortedKeys = (records: readonly Record<string, unknown>[]): string[] =>
  [...new Set(records.flatMap((r) => Object.keys(r)))].sort((a, b) => a.localeCompare(b));

export function paramRows(runs: readonly ChartRun[]): ParamRow[] {
  return sortedKeys(runs.map((r) => r.params)).map((key) => {
    const values = runs.map((r) => r.params[key]);
    return { key, values, differs: new Set(values).size > 1 };
  });
}

export function metricRows(runs: readonly ChartRun[], goals?: Record<string, Goal>): MetricRow[] {
  return sortedKeys(runs.map((r) => r.metrics)).map((key) => {
    const values = runs.map((r) => r.metrics[key]);
    const goal = metricGoal(key, goals);
    const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
    const target =
      finite.length === 0 ? undefined : goal === "min" ? Math.min(...finite) : Math.max(...finite);
    const best = target === undefined ? [] : values.flatMap((v, i) => (v === target ? [i] : []));
    // NaN ≠ NaN would make two NaN runs "differ": compare their text instead.
    const differs = new Set(values.map((v) => (v === undefined ? "" : String(v)))).size > 1;
    return { key, values, goal, best, differs };
  });
}

/** Rows the "only differences" toggle keeps (all of them when it is off). */
export function visibleRows<T extends { differs: boolean }>(
  rows: readonly T[],
  onlyDifferences: boolean,
): T[] {
  return onlyDifferences ? rows.filter((r) => r.differs) : [...rows];
}

/**
 * Columns a scatter or the parallel coordinates can use: differing params first (the interesting ones),
 * then the other params, then every metric, as `params.k` / `metrics.k`.
 */
export function chartColumns(runs: readonly ChartRun[]): string[] {
  const params = paramRows(runs);
  return [
    ...params.filter((p) => p.differs).map((p) => `params.${p.key}`),
    ...params.filter((p) => !p.differs).map((p) => `params.${p.key}`),
    ...sortedKeys(runs.map((r) => r.metrics)).map((k) => `metrics.${k}`),
  ];
}

/** Default axes of the parallel coordinates: differing params, then metrics, at most `max`. */
export function defaultParallel(runs: readonly ChartRun[], max = 8): string[] {
  const differing = paramRows(runs)
    .filter((p) => p.differs)
    .map((p) => `params.${p.key}`);
  const metrics = sortedKeys(runs.map((r) => r.metrics)).map((k) => `metrics.${k}`);
  // Metrics get at least half of the axes: they are what the params are compared by.
  const shown = metrics.slice(0, Math.max(Math.ceil(max / 2), max - differing.length));
  return [...differing.slice(0, max - shown.length), ...shown];
}

/** A default scatter: the first differing param against the first metric, or two metrics. */
export function defaultScatter(columns: readonly string[]): { x: string; y: string } | null {
  if (columns.length < 2) return null;
  const x = columns[0] as string;
  const y = columns.find((c) => c !== x && c.startsWith("metrics.")) ?? (columns[1] as string);
  return { x, y };
}

/** Metric keys the curves start with: at most `max`, losses and accuracies first. */
export function defaultCurveMetrics(runs: readonly ChartRun[], max = 3): string[] {
  const keys = sortedKeys(runs.map((r) => r.metrics));
  const rank = (k: string) => (/loss/i.test(k) ? 0 : /acc/i.test(k) ? 1 : 2);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, max);
}
