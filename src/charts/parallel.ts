// Parallel coordinates over params and metrics: each axis normalised to [0, 1] here (numbers by min–max,
// categories evenly spaced), tooltips and axis labels show the raw values.
import type { TopLevelSpec } from "vega-lite";
import { assignRunColors } from "./colors.js";
import { type ColumnValues, columnValues, formatNumber } from "./columns.js";
import {
  colorEncoding,
  DEFAULT_WIDTH,
  interestingParams,
  legendSelection,
  noDataSpec,
  runFields,
  selectedOpacity,
  THEME_COLORS,
  topLevel,
} from "./common.js";
import type { ChartRun, ParallelOptions } from "./types.js";

/** Most axes picked when no columns are given. */
export const MAX_DEFAULT_COLUMNS = 8;
/** Most category labels written along a categorical axis. */
export const MAX_CATEGORY_LABELS = 12;

/** Default axes: params that differ between the runs, then every metric, at most MAX_DEFAULT_COLUMNS. */
export function defaultParallelColumns(runs: readonly ChartRun[]): string[] {
  const params = interestingParams(runs, MAX_DEFAULT_COLUMNS).filter(
    (k) => runs.length < 2 || new Set(runs.map((r) => r.params[k])).size > 1,
  );
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  return [...params.map((k) => `params.${k}`), ...metrics.map((k) => `metrics.${k}`)].slice(
    0,
    MAX_DEFAULT_COLUMNS,
  );
}

/** Axis end labels: 4 significant digits are plenty. */
const tickText = (v: number) => formatNumber(Number(v.toPrecision(4)));

export interface ParallelAxis {
  column: string;
  values: ColumnValues;
  /** Normalised position of a value in [0, 1]. */
  position: (v: number | string) => number;
  /** Labels written along the axis. */
  ticks: { n: number; label: string }[];
}

export function parallelAxis(runs: readonly ChartRun[], column: string): ParallelAxis {
  const values = columnValues(runs, column);
  if (values.numeric) {
    const nums = [...values.values.values()] as number[];
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const position = (v: number | string) => (max === min ? 0.5 : ((v as number) - min) / (max - min));
    const ticks =
      nums.length === 0
        ? []
        : max === min
          ? [{ n: 0.5, label: tickText(min) }]
          : [
              { n: 0, label: tickText(min) },
              { n: 1, label: tickText(max) },
            ];
    return { column, values, position, ticks };
  }
  const cats = [...new Set([...values.values.values()].map(String))].sort();
  const at = new Map(cats.map((c, i) => [c, cats.length === 1 ? 0.5 : i / (cats.length - 1)]));
  const step = Math.max(1, Math.ceil(cats.length / MAX_CATEGORY_LABELS));
  const ticks = cats
    .filter((_, i) => i % step === 0 || i === cats.length - 1)
    .map((c) => ({ n: at.get(c) as number, label: c.length > 16 ? `${c.slice(0, 15)}…` : c }));
  return { column, values, position: (v) => at.get(String(v)) ?? 0.5, ticks };
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

export function parallelSpec(opts: ParallelOptions): TopLevelSpec {
  const runs = opts.runs;
  if (runs.length === 0) return noDataSpec(opts, "parallel", "No data: no runs");
  const columns =
    opts.columns && opts.columns.length > 0 ? [...new Set(opts.columns)] : defaultParallelColumns(runs);
  const axes = columns.map((c) => parallelAxis(runs, c)).filter((a) => a.values.values.size > 0);
  if (axes.length === 0) {
    return noDataSpec(
      opts,
      "parallel",
      `No data for ${columns.length > 0 ? columns.join(", ") : "any column"}`,
    );
  }
  const live = opts.static !== true;
  const fields = runFields(runs);
  const colors = assignRunColors(runs);
  const labels = runs.map((r) => fields.get(r.runId)?.run as string);
  // Axes are named by their short label (`lr`), unless two columns share it (`params.x`, `metrics.x`).
  const short = axes.map((a) => a.values.label);
  const names = axes.map((a, i) =>
    short.indexOf(short[i] as string) !== short.lastIndexOf(short[i] as string)
      ? a.column
      : (short[i] as string),
  );
  const nameOf = new Map(axes.map((a, i) => [a.column, names[i] as string]));
  const order = names;
  const values: Record<string, unknown>[] = [];
  for (const run of runs) {
    for (const a of axes) {
      const v = a.values.values.get(run.runId);
      values.push({
        ...fields.get(run.runId),
        col: nameOf.get(a.column),
        column: a.column,
        n: v === undefined ? null : round4(a.position(v)),
        raw: v === undefined ? "(missing)" : typeof v === "number" ? formatNumber(v) : v,
      });
    }
  }
  const muted = THEME_COLORS[opts.theme ?? "light"];
  const x = {
    field: "col",
    type: "nominal" as const,
    sort: order,
    scale: { domain: order, padding: 0.3 },
    axis: {
      title: null,
      labelAngle: 0,
      orient: "bottom" as const,
      domain: false,
      ticks: false,
      labelLimit: 140,
    },
  };
  const yScale = { domain: [-0.04, 1.04], nice: false, zero: false };
  const y = { field: "n", type: "quantitative" as const, axis: null, scale: yScale };
  const color = colorEncoding(
    "run",
    labels,
    runs.map((r) => colors.get(r.runId) as string),
    "run",
  );
  const layer: unknown[] = [
    {
      data: { values: order.map((col) => ({ col })) },
      mark: { type: "rule", color: muted.domain },
      encoding: { x, y: { datum: 0, type: "quantitative", axis: null, scale: yScale }, y2: { datum: 1 } },
    },
    {
      mark: { type: "line", strokeWidth: 1.6, invalid: null },
      ...(live ? { params: [legendSelection("run")] } : {}),
      encoding: {
        x,
        y,
        color,
        detail: { field: "runId", type: "nominal" },
        ...(live ? { opacity: selectedOpacity(0.9) } : { opacity: { value: 0.9 } }),
      },
    },
  ];
  if (live) {
    layer.push({
      mark: { type: "point", filled: true, size: 25 },
      encoding: {
        x,
        y,
        color,
        opacity: selectedOpacity(1),
        tooltip: [
          { field: "runName", type: "nominal", title: "run" },
          { field: "column", type: "nominal", title: "column" },
          { field: "raw", type: "nominal", title: "value" },
          { field: "params", type: "nominal", title: "params" },
        ],
      },
    });
  }
  layer.push({
    data: {
      values: axes.flatMap((a) =>
        a.ticks.map((t) => ({ col: nameOf.get(a.column), n: t.n, label: t.label })),
      ),
    },
    mark: { type: "text", align: "left", dx: 4, fontSize: 9, color: muted.muted },
    encoding: { x, y, text: { field: "label", type: "nominal" } },
  });
  return {
    ...topLevel(opts, "parallel", { runIds: runs.map((r) => r.runId), columns: axes.map((a) => a.column) }),
    width: opts.width ?? Math.max(DEFAULT_WIDTH, 110 * order.length),
    height: opts.height ?? 260,
    view: { stroke: null },
    data: { values },
    layer,
  } as TopLevelSpec;
}
