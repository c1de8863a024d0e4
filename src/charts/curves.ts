// Metric curves: one line per run (or one mean line with a min–max band per group), one panel per metric.
import type { TopLevelSpec } from "vega-lite";
import { assignColors, assignRunColors, runDashes } from "./colors.js";
import { columnLabel, rawColumnValue, round6 } from "./columns.js";
import {
  colorEncoding,
  DEFAULT_WIDTH,
  dashEncoding,
  legendSelection,
  metricRows,
  noDataSpec,
  RUN_SELECTION,
  runFields,
  selectedOpacity,
  topLevel,
} from "./common.js";
import { downsampleIndices } from "./downsample.js";
import { smoothEma } from "./smooth.js";
import type { ChartRun, CurvesOptions, CurveX, MetricPoint } from "./types.js";

export const DEFAULT_MAX_POINTS = 1000;
export const DEFAULT_MAX_TOTAL_POINTS = 5000;
/**
 * Most points that answer the pointer (tooltips). Finding the nearest point costs a voronoi diagram of
 * them, redone on every live update when the x axis grows; beyond this many, every k-th point per
 * series answers (the lines keep all their points).
 */
export const MAX_HOVER_POINTS = 2500;

/** Every how many points of a series one answers the pointer, for a chart of `total` points. */
export function hoverStride(total: number): number {
  return Math.max(1, Math.ceil(total / MAX_HOVER_POINTS));
}

/** One run's usable points of one metric, sorted by step (then time). */
export interface CurveSeries {
  runId: string;
  metric: string;
  steps: number[];
  timestamps: number[];
  /** Raw values (finite; > 0 on a log scale). */
  values: number[];
  /** Points left out because the value was NaN or ±Infinity. */
  nonFinite: number;
  /** Points left out because the value was ≤ 0 on a log scale. */
  nonPositive: number;
}

export interface PreparedCurves {
  runs: ChartRun[];
  metrics: string[];
  x: CurveX;
  smooth: number;
  log: boolean;
  /** Series with at least one point, by metric then run order. */
  series: CurveSeries[];
  /** metric → ids of the runs with no usable point of it. */
  missing: Map<string, string[]>;
  /** First timestamp of each run (over all its metrics): the origin of relative time. */
  start: Map<string, number>;
}

function sortPoints(points: readonly MetricPoint[]): MetricPoint[] {
  return points.slice().sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
}

/** Metric keys of the histories (and latest metrics), sorted. */
export function allMetricKeys(opts: Pick<CurvesOptions, "runs" | "histories">): string[] {
  const keys = new Set<string>();
  for (const r of opts.runs) for (const k of Object.keys(opts.histories[r.runId] ?? {})) keys.add(k);
  if (keys.size === 0) for (const r of opts.runs) for (const k of Object.keys(r.metrics)) keys.add(k);
  return [...keys].sort();
}

/** Cleans the input of `curvesSpec` (drops non-finite and, on log scales, non-positive values). */
export function prepareCurves(opts: CurvesOptions): PreparedCurves {
  const runs = opts.runs;
  const metrics = opts.metrics && opts.metrics.length > 0 ? [...new Set(opts.metrics)] : allMetricKeys(opts);
  const log = opts.log === true;
  const series: CurveSeries[] = [];
  const missing = new Map<string, string[]>();
  const start = new Map<string, number>();
  for (const run of runs) {
    let first = Number.POSITIVE_INFINITY;
    for (const pts of Object.values(opts.histories[run.runId] ?? {})) {
      for (const p of pts) if (Number.isFinite(p.timestamp) && p.timestamp < first) first = p.timestamp;
    }
    start.set(run.runId, Number.isFinite(first) ? first : 0);
  }
  for (const metric of metrics) {
    const lacking: string[] = [];
    for (const run of runs) {
      const points = sortPoints(opts.histories[run.runId]?.[metric] ?? []);
      const s: CurveSeries = {
        runId: run.runId,
        metric,
        steps: [],
        timestamps: [],
        values: [],
        nonFinite: 0,
        nonPositive: 0,
      };
      for (const p of points) {
        if (!Number.isFinite(p.value)) s.nonFinite++;
        else if (log && p.value <= 0) s.nonPositive++;
        else {
          s.steps.push(p.step);
          s.timestamps.push(p.timestamp);
          s.values.push(p.value);
        }
      }
      if (s.values.length === 0) lacking.push(run.runId);
      if (s.values.length > 0 || s.nonFinite > 0 || s.nonPositive > 0) series.push(s);
    }
    missing.set(metric, lacking);
  }
  const smooth = Math.min(0.999, Math.max(0, Number.isFinite(opts.smooth) ? (opts.smooth as number) : 0));
  return { runs, metrics, x: opts.x ?? "step", smooth, log, series, missing, start };
}

interface XInfo {
  /** Field plotted on x after the transforms. */
  field: string;
  type: "quantitative" | "temporal";
  title: string;
  /** Milliseconds per unit of relative time. */
  unit: number;
}

function relativeUnit(maxMs: number): { unit: number; name: string } {
  if (maxMs <= 120_000) return { unit: 1000, name: "s" };
  if (maxMs <= 2 * 3_600_000) return { unit: 60_000, name: "min" };
  return { unit: 3_600_000, name: "h" };
}

function xInfo(prep: PreparedCurves): XInfo {
  if (prep.x === "time") return { field: "X", type: "temporal", title: "time", unit: 1 };
  if (prep.x === "relative") {
    let max = 0;
    for (const s of prep.series) {
      const t0 = prep.start.get(s.runId) ?? 0;
      for (const t of s.timestamps) max = Math.max(max, t - t0);
    }
    const u = relativeUnit(max);
    return { field: "X", type: "quantitative", title: `relative time (${u.name})`, unit: u.unit };
  }
  return { field: "x", type: "quantitative", title: "step", unit: 1 };
}

/** x of each point before the spec's transforms: step, or milliseconds since the run's (or epoch) start. */
function xValues(prep: PreparedCurves, s: CurveSeries, grouped: boolean): number[] {
  if (prep.x === "step") return s.steps;
  const t0 = prep.x === "time" && grouped ? 0 : (prep.start.get(s.runId) ?? 0);
  return s.timestamps.map((t) => t - t0);
}

/** Mean, min and max of several series on the union of their x values (linear interpolation inside each). */
export function aggregateSeries(series: readonly { x: readonly number[]; y: readonly number[] }[]): {
  x: number[];
  mean: number[];
  lo: number[];
  hi: number[];
  n: number[];
} {
  const grid = [...new Set(series.flatMap((s) => s.x as number[]))].sort((a, b) => a - b);
  const ptr = series.map(() => 0);
  const out = {
    x: [] as number[],
    mean: [] as number[],
    lo: [] as number[],
    hi: [] as number[],
    n: [] as number[],
  };
  for (const gx of grid) {
    let sum = 0;
    let n = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    series.forEach((s, k) => {
      const len = s.x.length;
      if (len === 0 || gx < (s.x[0] as number) || gx > (s.x[len - 1] as number)) return;
      let p = ptr[k] as number;
      while (p + 1 < len && (s.x[p + 1] as number) <= gx) p++;
      ptr[k] = p;
      const x0 = s.x[p] as number;
      const y0 = s.y[p] as number;
      let y = y0;
      if (x0 !== gx && p + 1 < len) {
        const x1 = s.x[p + 1] as number;
        const y1 = s.y[p + 1] as number;
        y = x1 === x0 ? y0 : y0 + ((y1 - y0) * (gx - x0)) / (x1 - x0);
      }
      sum += y;
      n++;
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    });
    if (n === 0) continue;
    out.x.push(gx);
    out.mean.push(sum / n);
    out.lo.push(lo);
    out.hi.push(hi);
    out.n.push(n);
  }
  return out;
}

/** Points kept per series so the whole chart holds at most `maxTotalPoints`. */
export function pointsPerSeries(seriesCount: number, maxPoints?: number, maxTotalPoints?: number): number {
  const perSeries = Math.max(2, Math.floor(maxPoints ?? DEFAULT_MAX_POINTS));
  const total = Math.max(2, Math.floor(maxTotalPoints ?? DEFAULT_MAX_TOTAL_POINTS));
  return Math.max(2, Math.min(perSeries, Math.floor(total / Math.max(1, seriesCount))));
}

const pick = (values: readonly number[], idx: readonly number[], round = true) =>
  idx.map((i) => (round ? round6(values[i] as number) : (values[i] as number)));

/** Group key and label of a run for `groupBy`. */
export function groupOf(run: ChartRun, groupBy: string): string {
  const v = rawColumnValue(run, groupBy);
  return `${columnLabel(groupBy)}=${v === undefined ? "(none)" : String(v)}`;
}

/** Group labels in display order (numeric order of values when they all are numbers). */
export function groupLabels(runs: readonly ChartRun[], groupBy: string): string[] {
  const labels = [...new Set(runs.map((r) => groupOf(r, groupBy)))];
  const prefix = `${columnLabel(groupBy)}=`;
  const num = (l: string) => Number(l.slice(prefix.length));
  const numeric = labels.every((l) => l.endsWith("(none)") || Number.isFinite(num(l)));
  return labels.sort((a, b) => {
    if (numeric) {
      const na = a.endsWith("(none)") ? Number.POSITIVE_INFINITY : num(a);
      const nb = b.endsWith("(none)") ? Number.POSITIVE_INFINITY : num(b);
      if (na !== nb) return na - nb;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * The line of each series (selectable from the legend) and, in interactive charts, the invisible
 * points that show a tooltip under the pointer: the same for runs and for groups.
 */
function seriesLayers(o: {
  selectBy: "run" | "group";
  strokeWidth: number;
  yScale: object;
  live: boolean;
  hover: object;
  tooltip: unknown;
  /** Every how many points of a series one answers the pointer (see MAX_HOVER_POINTS). */
  hoverStride: number;
  /** The field that tells the series apart (the row of the inline data). */
  seriesKey: string;
  /** Dash patterns of runs that share a colour (see `runDashes`). */
  strokeDash?: object | undefined;
  /** Some series has a single point, which a line cannot draw: those get a dot. */
  singles?: boolean;
}): unknown[] {
  const y = { field: "v", type: "quantitative", title: null, scale: o.yScale };
  const opacity = o.live ? { opacity: selectedOpacity() } : {};
  const line = {
    mark: { type: "line", strokeWidth: o.strokeWidth },
    ...(o.live ? { params: [legendSelection(o.selectBy)] } : {}),
    encoding: { y, ...opacity, ...(o.strokeDash ? { strokeDash: o.strokeDash } : {}) },
  };
  const dots = o.singles
    ? [
        {
          transform: [{ filter: "datum.one === 1" }],
          mark: { type: "point", filled: true, size: 60, opacity: 1 },
          encoding: { y, ...opacity },
        },
      ]
    : [];
  if (!o.live) return [line, ...dots];
  const points = {
    mark: { type: "point", filled: true, size: 40 },
    ...(o.hoverStride > 1
      ? {
          transform: [
            { window: [{ op: "row_number", as: "k" }], groupby: [o.seriesKey, "m"] },
            { filter: `datum.k % ${o.hoverStride} === 1` },
          ],
        }
      : {}),
    params: [o.hover],
    encoding: {
      y,
      opacity: { condition: { param: "hover", empty: false, value: 1 }, value: 0 },
      tooltip: o.tooltip,
    },
  };
  return [line, ...dots, points];
}

export function curvesSpec(opts: CurvesOptions): TopLevelSpec {
  const prep = prepareCurves(opts);
  if (prep.runs.length === 0) return noDataSpec(opts, "curves", "No data: no runs");
  const usable = prep.series.filter((s) => s.values.length > 0);
  if (usable.length === 0 || prep.metrics.length === 0) {
    const what = prep.metrics.length > 0 ? prep.metrics.join(", ") : "any metric";
    return noDataSpec(opts, "curves", `No data for ${what}`);
  }
  const live = opts.static !== true;
  const xi = xInfo(prep);
  const width = opts.width ?? DEFAULT_WIDTH;
  const height = opts.height ?? (prep.metrics.length > 2 ? 160 : 200);
  const meta = {
    runIds: prep.runs.map((r) => r.runId),
    metrics: prep.metrics,
    x: prep.x,
    smooth: prep.smooth,
    log: prep.log,
    ...(opts.groupBy ? { groupBy: opts.groupBy } : {}),
    dropped: {
      nonFinite: prep.series.reduce((n, s) => n + s.nonFinite, 0),
      nonPositive: prep.series.reduce((n, s) => n + s.nonPositive, 0),
    },
  };
  const xEnc = {
    field: xi.field,
    type: xi.type,
    title: xi.title,
    ...(xi.type === "quantitative" ? { scale: { zero: false, nice: false } } : {}),
    // Steps are whole numbers: no 0.5 ticks, no "2.0"; large ones as 10k, 1.5M.
    ...(prep.x === "step" ? { axis: { tickMinStep: 1, format: "~s" } } : {}),
  };
  const yScale = prep.log ? { type: "log" as const } : { zero: false };
  const xCalc =
    prep.x === "time"
      ? [{ calculate: "datum.t0 + datum.x", as: "X" }]
      : prep.x === "relative"
        ? [{ calculate: `datum.x / ${xi.unit}`, as: "X" }]
        : [];
  const stepField = prep.x === "step" ? "x" : "s";
  const facet = metricRows("m", prep.metrics);
  const xTooltip =
    prep.x === "time"
      ? [{ field: "X", type: "temporal", title: "time", format: "%Y-%m-%d %H:%M:%S" }]
      : prep.x === "relative"
        ? [{ field: "X", type: "quantitative", title: xi.title, format: ".4~f" }]
        : [];
  const hover = {
    name: "hover",
    select: { type: "point", on: "pointerover", clear: "pointerout", nearest: true },
  };

  if (opts.groupBy) {
    const groupBy = opts.groupBy;
    const labels = groupLabels(prep.runs, groupBy);
    const colors = assignColors(labels.map((key) => ({ key })));
    const byGroup = new Map<string, string[]>(labels.map((l) => [l, []]));
    for (const r of prep.runs) byGroup.get(groupOf(r, groupBy))?.push(r.runId);
    const aggregated: { g: number; m: string; agg: ReturnType<typeof aggregateSeries> }[] = [];
    for (const metric of prep.metrics) {
      labels.forEach((label, g) => {
        const ids = new Set(byGroup.get(label));
        const members = usable
          .filter((s) => s.metric === metric && ids.has(s.runId))
          .map((s) => ({ x: xValues(prep, s, true), y: smoothEma(s.values, prep.smooth) }));
        if (members.length === 0) return;
        aggregated.push({ g, m: metric, agg: aggregateSeries(members) });
      });
    }
    // A group's row carries five arrays (x, mean, min, max, count) instead of two or three: half the points.
    const per = pointsPerSeries(aggregated.length * 2, opts.maxPoints, opts.maxTotalPoints);
    const values = aggregated.map(({ g, m, agg }) => {
      const idx = downsampleIndices(agg.mean, per);
      return {
        g,
        m,
        ...(prep.x === "time" ? { t0: 0 } : {}),
        x: pick(agg.x, idx, false),
        v: pick(agg.mean, idx),
        lo: pick(agg.lo, idx),
        hi: pick(agg.hi, idx),
        n: pick(agg.n, idx, false),
      };
    });
    const groups = labels.map((group, g) => {
      const runIds = byGroup.get(group) ?? [];
      return { g, group, runIds, runs: runIds.length };
    });
    const color = colorEncoding(
      "group",
      labels,
      labels.map((l) => colors.get(l) as string),
      columnLabel(groupBy),
    );
    const tooltip = [
      { field: "group", type: "nominal", title: "group" },
      { field: "runs", type: "quantitative", title: "runs in group" },
      { field: "n", type: "quantitative", title: "runs at this point" },
      { field: "m", type: "nominal", title: "metric" },
      { field: "x", type: prep.x === "time" ? "temporal" : "quantitative", title: xi.title },
      { field: "v", type: "quantitative", title: "mean", format: ".6~g" },
      { field: "lo", type: "quantitative", title: "min", format: ".6~g" },
      { field: "hi", type: "quantitative", title: "max", format: ".6~g" },
    ];
    const layer: unknown[] = [
      {
        mark: { type: "area", opacity: 0.2, line: false },
        encoding: {
          y: { field: "lo", type: "quantitative", title: null, scale: yScale },
          y2: { field: "hi" },
          ...(live ? { opacity: selectedOpacity(0.2, 0.03) } : {}),
        },
      },
      ...seriesLayers({
        selectBy: "group",
        strokeWidth: 2,
        yScale,
        live,
        hover,
        tooltip,
        hoverStride: hoverStride(values.reduce((n, row) => n + row.x.length, 0)),
        seriesKey: "g",
      }),
    ];
    return {
      ...topLevel(opts, "curves", { ...meta, groups: groups.length, pointsPerSeries: per }),
      data: { values },
      transform: [
        { flatten: ["x", "v", "lo", "hi", "n"] },
        { lookup: "g", from: { data: { values: groups }, key: "g", fields: ["group", "runIds", "runs"] } },
        ...xCalc,
      ],
      facet,
      spec: {
        width,
        height,
        encoding: { x: xEnc, color },
        layer,
      },
      resolve: { scale: { y: "independent" } },
    } as TopLevelSpec;
  }

  const fields = runFields(prep.runs);
  const colors = assignRunColors(prep.runs);
  const index = new Map(prep.runs.map((r, i) => [r.runId, i]));
  const per = pointsPerSeries(usable.length, opts.maxPoints, opts.maxTotalPoints);
  const smoothed = prep.smooth > 0;
  const values = usable.map((s) => {
    const idx = downsampleIndices(s.values, per);
    const y = smoothed ? smoothEma(s.values, prep.smooth) : s.values;
    return {
      i: index.get(s.runId) as number,
      m: s.metric,
      ...(prep.x === "time" ? { t0: prep.start.get(s.runId) ?? 0 } : {}),
      x: pick(xValues(prep, s, false), idx, false),
      ...(prep.x !== "step" ? { s: pick(s.steps, idx, false) } : {}),
      v: pick(y, idx),
      ...(smoothed ? { r: pick(s.values, idx) } : {}),
      ...(idx.length === 1 ? { one: 1 } : {}),
    };
  });
  const singles = values.some((row) => row.one === 1);
  const dashes = runDashes(prep.runs, colors);
  const runsTable = prep.runs.map((r, i) => ({ i, ...(fields.get(r.runId) as object) }));
  const labels = prep.runs.map((r) => fields.get(r.runId)?.run as string);
  const color = colorEncoding(
    "run",
    labels,
    prep.runs.map((r) => colors.get(r.runId) as string),
    "run",
  );
  const tooltip = [
    { field: "runName", type: "nominal", title: "run" },
    { field: "params", type: "nominal", title: "params" },
    { field: "m", type: "nominal", title: "metric" },
    { field: stepField, type: "quantitative", title: "step" },
    ...xTooltip,
    { field: "v", type: "quantitative", title: smoothed ? "smoothed" : "value", format: ".6~g" },
    ...(smoothed ? [{ field: "r", type: "quantitative", title: "value", format: ".6~g" }] : []),
    { field: "status", type: "nominal", title: "status" },
  ];
  const layer: unknown[] = [];
  if (smoothed) {
    layer.push({
      mark: { type: "line", strokeWidth: 1, opacity: 0.25 },
      encoding: {
        y: { field: "r", type: "quantitative", title: null, scale: yScale },
        ...(live ? { opacity: selectedOpacity(0.25, 0.03) } : {}),
      },
    });
  }
  layer.push(
    ...seriesLayers({
      selectBy: "run",
      strokeWidth: 1.6,
      yScale,
      live,
      hover,
      tooltip,
      hoverStride: hoverStride(values.reduce((n, row) => n + row.x.length, 0)),
      seriesKey: "i",
      singles,
      strokeDash: dashes
        ? dashEncoding(
            "run",
            labels,
            prep.runs.map((r) => dashes.get(r.runId) as number[]),
          )
        : undefined,
    }),
  );
  return {
    ...topLevel(opts, "curves", { ...meta, pointsPerSeries: per, selection: live ? RUN_SELECTION : null }),
    data: { values },
    transform: [
      { flatten: ["x", "v", ...(smoothed ? ["r"] : []), ...(prep.x !== "step" ? ["s"] : [])] },
      {
        lookup: "i",
        from: {
          data: { values: runsTable },
          key: "i",
          fields: ["runId", "run", "runName", "status", "params"],
        },
      },
      ...xCalc,
    ],
    facet,
    spec: { width, height, encoding: { x: xEnc, color }, layer },
    resolve: { scale: { y: "independent" } },
  } as TopLevelSpec;
}
