// Final (latest) metric values per run — the chart of `--kind bar`, and the part of an automatic chart
// for metrics logged once per run — drawn as a dot plot: one row per run (its label on the axis), a dot
// at the value with the value written beside it, one panel per metric.
//
// Why dots and not bars: a bar is read by its length, so its axis must start at zero, and then 0.97
// and 0.99 are two bars of the same length. A dot is read by its position along the axis, which stays
// honest on an axis fitted to the values (zero not included, padded around the smallest and largest):
// the 0.02 between them becomes most of the panel's width, and the labels give the exact numbers.
import type { TopLevelSpec } from "vega-lite";
import { assignColors, assignRunColors } from "./colors.js";
import { columnLabel, round6 } from "./columns.js";
import {
  colorEncoding,
  DEFAULT_WIDTH,
  lackingText,
  legendSelection,
  metricRows,
  noDataSpec,
  runFields,
  selectedOpacity,
  THEME_COLORS,
  topLevel,
} from "./common.js";
import { groupLabels, groupOf } from "./curves.js";
import type { BarOptions, ChartRun } from "./types.js";

/** Latest-metric keys of the runs, sorted. */
export function latestMetricKeys(runs: readonly ChartRun[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
}

export function barMetrics(opts: BarOptions): string[] {
  return opts.metrics && opts.metrics.length > 0 ? [...new Set(opts.metrics)] : latestMetricKeys(opts.runs);
}

const finite = (v: number | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/** Height of one row (one run or group) of a panel, in pixels. */
const ROW = 22;

/**
 * The axis domain of one panel: the values' range padded on both sides (more on the right, where the
 * largest value's label is written), never forced to include zero. A single value (or equal ones) gets
 * a window of ±5 % around it.
 */
export function paddedDomain(values: readonly number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo;
  if (span === 0 || span < Math.abs(hi) * 1e-9) {
    const half = Math.abs(hi) * 0.05 || 0.5;
    return [round6(lo - half), round6(hi + half)];
  }
  return [round6(lo - span * 0.15), round6(hi + span * 0.4)];
}

/**
 * The values written as text with just enough significant digits (4 to 6) that values which differ
 * read differently: 0.97 stays 0.97, 1/3 is 0.3333, and 0.97123 and 0.97124 get five.
 */
export function valueLabels(values: readonly number[]): string[] {
  const distinct = new Set(values).size;
  const text = (v: number, digits: number) => {
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e-4 && a < 1e7) return String(Number(v.toPrecision(digits)));
    return v.toExponential(digits - 1).replace(/\.?0+e/, "e");
  };
  for (let digits = 4; digits < 6; digits++) {
    const out = values.map((v) => text(v, digits));
    if (new Set(out).size === distinct) return out;
  }
  return values.map((v) => text(v, 6));
}

export interface BarBuild {
  /**
   * Part of a bigger chart whose legend names the runs (the automatic chart's curves): this part then
   * shares that legend and its selection. Alone, the rows' labels name the runs and there is no legend.
   */
  sharedLegend?: boolean;
}

export function barSpec(opts: BarOptions, build: BarBuild = {}): TopLevelSpec {
  const runs = opts.runs;
  if (runs.length === 0) return noDataSpec(opts, "bar", "No data: no runs");
  const metrics = barMetrics(opts);
  const present = metrics.filter((m) => runs.some((r) => finite(r.metrics[m])));
  if (present.length === 0) {
    return noDataSpec(opts, "bar", lackingText(runs, metrics));
  }
  const live = opts.static !== true;
  const legend = build.sharedLegend === true;
  const theme = THEME_COLORS[opts.theme ?? "light"];
  const facet = metricRows("metric", present);
  const meta = { runIds: runs.map((r) => r.runId), metrics: present, plot: "dots" };
  const grouped = Boolean(opts.groupBy);
  const rowField = grouped ? "group" : "run";
  /** Rows of the panels: the groups, or the runs' labels. */
  let rows: string[];
  let colorDomain: string[];
  let colorRange: string[];
  const values: Record<string, unknown>[] = [];
  // Two invisible points per panel at the ends of its padded domain: they fit each panel's axis to its
  // own values (a faceted chart cannot set a domain per panel otherwise).
  const pads: Record<string, unknown>[] = [];
  const pushPads = (metric: string, numbers: number[]) => {
    for (const value of paddedDomain(numbers)) pads.push({ metric, pad: true, value });
  };

  if (opts.groupBy) {
    const groupBy = opts.groupBy;
    rows = groupLabels(runs, groupBy);
    const colors = assignColors(rows.map((key) => ({ key })));
    colorDomain = rows;
    colorRange = rows.map((l) => colors.get(l) as string);
    for (const metric of present) {
      const at = values.length;
      for (const group of rows) {
        const members = runs.filter((r) => groupOf(r, groupBy) === group && finite(r.metrics[metric]));
        if (members.length === 0) continue;
        const v = members.map((r) => r.metrics[metric] as number);
        values.push({
          metric,
          group,
          runIds: members.map((r) => r.runId),
          runs: members.length,
          value: round6(v.reduce((a, b) => a + b, 0) / v.length),
          lo: round6(Math.min(...v)),
          hi: round6(Math.max(...v)),
        });
      }
      const mine = values.slice(at);
      const labels = valueLabels(mine.map((d) => d.value as number));
      mine.forEach((d, i) => {
        d.label = labels[i];
      });
      pushPads(
        metric,
        mine.flatMap((d) => [d.lo as number, d.hi as number]),
      );
    }
  } else {
    const fields = runFields(runs);
    const colors = assignRunColors(runs);
    rows = runs.map((r) => fields.get(r.runId)?.run as string);
    colorDomain = rows;
    colorRange = runs.map((r) => colors.get(r.runId) as string);
    for (const metric of present) {
      const have = runs.filter((r) => finite(r.metrics[metric]));
      const numbers = have.map((r) => round6(r.metrics[metric] as number));
      const labels = valueLabels(numbers);
      have.forEach((run, i) => {
        values.push({ ...fields.get(run.runId), metric, value: numbers[i], label: labels[i] });
      });
      pushPads(metric, numbers);
    }
  }

  // Beside curves the shared legend draws strokes, which show the dash of runs sharing a colour.
  const color = colorEncoding(
    rowField,
    colorDomain,
    colorRange,
    grouped ? columnLabel(opts.groupBy as string) : "run",
    legend ? "stroke" : "circle",
  );
  const longest = Math.max(...rows.map((r) => r.length));
  // The rows' labels sit left of the plot: the plot takes what they leave of the usual width.
  const width = opts.width ?? Math.max(220, DEFAULT_WIDTH - Math.min(240, Math.round(longest * 6.2)) + 60);
  const tooltip = grouped
    ? [
        { field: "group", type: "nominal", title: "group" },
        { field: "runs", type: "quantitative", title: "runs" },
        { field: "metric", type: "nominal", title: "metric" },
        { field: "value", type: "quantitative", title: "mean", format: ".6~g" },
        { field: "lo", type: "quantitative", title: "min", format: ".6~g" },
        { field: "hi", type: "quantitative", title: "max", format: ".6~g" },
      ]
    : [
        { field: "runName", type: "nominal", title: "run" },
        { field: "params", type: "nominal", title: "params" },
        { field: "metric", type: "nominal", title: "metric" },
        { field: "value", type: "quantitative", title: "value", format: ".6~g" },
        { field: "status", type: "nominal", title: "status" },
      ];
  const x = { field: "value", type: "quantitative", title: null, scale: { zero: false, nice: false } };
  const y = {
    field: rowField,
    type: "nominal",
    title: null,
    sort: rows,
    scale: { domain: rows, padding: 0.5 },
    axis: { grid: true, gridDash: [2, 3], domain: false, ticks: false, labelLimit: 240, labelFontSize: 11 },
  };
  const selectable = live && legend;
  const dotColor = legend ? color : { ...color, legend: null };
  const layer: unknown[] = [
    {
      transform: [{ filter: "datum.pad === true" }],
      mark: { type: "point", opacity: 0 },
      encoding: { x },
    },
  ];
  if (grouped) {
    layer.push({
      transform: [{ filter: "datum.pad !== true" }],
      mark: { type: "rule", strokeWidth: 2, opacity: 0.6 },
      encoding: { x: { field: "lo", type: "quantitative" }, x2: { field: "hi" }, y, color: dotColor },
    });
  }
  layer.push(
    {
      transform: [{ filter: "datum.pad !== true" }],
      mark: { type: "point", filled: true, size: 110, opacity: 1 },
      ...(selectable ? { params: [legendSelection(rowField)] } : {}),
      encoding: {
        x,
        y,
        color: dotColor,
        ...(selectable ? { opacity: selectedOpacity(1, 0.15) } : {}),
        ...(live ? { tooltip } : {}),
      },
    },
    {
      transform: [{ filter: "datum.pad !== true" }],
      mark: { type: "text", align: "left", baseline: "middle", dx: 9, fontSize: 11, color: theme.text },
      encoding: {
        x: grouped ? { field: "hi", type: "quantitative" } : x,
        y,
        text: { field: "label", type: "nominal" },
        ...(selectable ? { opacity: selectedOpacity(1, 0.15) } : {}),
      },
    },
  );
  return {
    ...topLevel(opts, "bar", { ...meta, ...(opts.groupBy ? { groupBy: opts.groupBy } : {}) }),
    data: { values: [...values, ...pads] },
    facet,
    spec: { width, height: { step: ROW }, layer },
    resolve: { scale: { x: "independent" } },
  } as TopLevelSpec;
}
