// The comparison's tables as data: params side by side with the rows that differ, and the latest
// metrics with the best run per metric. Pure, so the rules (what "differs" means, ties, missing values,
// NaN) are unit-tested without a browser.
import { type ChartRun, type Goal, metricGoal } from "../../charts/index.js";
import { fromWireDouble } from "../../client/rest.js";
import type { WireLoggedModel } from "../../client/wire.js";

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

export interface ModelRow {
  /** "Models", or a model metric as `key (dataset)`. */
  key: string;
  /** One entry per run: its models' names, or the metric's value (numbers), undefined when none. */
  values: (string | number | undefined)[];
  kind: "models" | "metric";
}

/**
 * MLflow 3's logged models of the compared runs, side by side: which models each run made, then each
 * metric logged against them (per dataset). A run with several models having the metric shows its
 * newest model's value. Empty when no run has a logged model.
 */
export function modelRows(
  runs: readonly ChartRun[],
  models: ReadonlyMap<string, readonly WireLoggedModel[]>,
): ModelRow[] {
  const perRun = runs.map((r) =>
    [...(models.get(r.runId) ?? [])].sort(
      (a, b) => (b.info.creation_timestamp_ms ?? 0) - (a.info.creation_timestamp_ms ?? 0),
    ),
  );
  if (perRun.every((list) => list.length === 0)) return [];
  const metricKey = (key: string, dataset: string | undefined) => (dataset ? `${key} (${dataset})` : key);
  const values = perRun.map((list) => {
    const byKey: Record<string, number> = {};
    // Oldest first, so the newest model's value is the one left.
    for (const model of [...list].reverse())
      for (const m of model.data?.metrics ?? [])
        byKey[metricKey(m.key, m.dataset_name)] = fromWireDouble(m.value);
    return byKey;
  });
  return [
    {
      key: "Models",
      kind: "models",
      values: perRun.map((list) =>
        list.length ? list.map((m) => m.info.name || m.info.model_id).join(", ") : undefined,
      ),
    },
    ...sortedKeys(values).map((key) => ({
      key,
      kind: "metric" as const,
      values: values.map((v) => v[key]),
    })),
  ];
}
