// One point per run at (column x, column y): params are coerced to numbers when they all are numeric.
import type { TopLevelSpec } from "vega-lite";
import { assignRunColors } from "./colors.js";
import { type ColumnValues, columnValues, round6 } from "./columns.js";
import {
  colorEncoding,
  DEFAULT_WIDTH,
  legendSelection,
  noDataSpec,
  runFields,
  selectedOpacity,
  topLevel,
} from "./common.js";
import type { ChartRun, ScatterOptions } from "./types.js";

export interface PreparedScatter {
  x: ColumnValues;
  y: ColumnValues;
  /** Runs with both values (and > 0 where the axis is logarithmic). */
  plotted: ChartRun[];
  /** Runs lacking x or y (or with a NaN/±Infinity metric there). */
  missing: number;
  /** Runs left out because a value was ≤ 0 on a log axis. */
  nonPositive: number;
}

export function prepareScatter(opts: ScatterOptions): PreparedScatter {
  const x = columnValues(opts.runs, opts.x);
  const y = columnValues(opts.runs, opts.y);
  const logX = opts.logX === true && x.numeric;
  const logY = opts.logY === true && y.numeric;
  let missing = 0;
  let nonPositive = 0;
  const plotted: ChartRun[] = [];
  for (const r of opts.runs) {
    const xv = x.values.get(r.runId);
    const yv = y.values.get(r.runId);
    if (xv === undefined || yv === undefined) missing++;
    else if ((logX && (xv as number) <= 0) || (logY && (yv as number) <= 0)) nonPositive++;
    else plotted.push(r);
  }
  return { x, y, plotted, missing, nonPositive };
}

function axis(col: ColumnValues, log: boolean) {
  return col.numeric
    ? {
        type: "quantitative" as const,
        scale: log ? { type: "log" as const, padding: 12 } : { zero: false, padding: 12 },
      }
    : { type: "nominal" as const };
}

export function scatterSpec(opts: ScatterOptions): TopLevelSpec {
  if (opts.runs.length === 0) return noDataSpec(opts, "scatter", "No data: no runs");
  const prep = prepareScatter(opts);
  if (prep.plotted.length === 0) {
    return noDataSpec(opts, "scatter", `No data: no run has both ${opts.x} and ${opts.y}`);
  }
  const live = opts.static !== true;
  const fields = runFields(opts.runs);
  const colors = assignRunColors(opts.runs);
  const labels = opts.runs.map((r) => fields.get(r.runId)?.run as string);
  const value = (v: number | string) => (typeof v === "number" ? round6(v) : v);
  const values = prep.plotted.map((r) => ({
    ...fields.get(r.runId),
    x: value(prep.x.values.get(r.runId) as number | string),
    y: value(prep.y.values.get(r.runId) as number | string),
  }));
  const logX = opts.logX === true && prep.x.numeric;
  const logY = opts.logY === true && prep.y.numeric;
  return {
    ...topLevel(opts, "scatter", {
      runIds: opts.runs.map((r) => r.runId),
      x: opts.x,
      y: opts.y,
      dropped: { missing: prep.missing, nonPositive: prep.nonPositive },
    }),
    width: opts.width ?? Math.min(DEFAULT_WIDTH, 420),
    height: opts.height ?? 300,
    data: { values },
    mark: { type: "point", filled: true, size: 90 },
    ...(live ? { params: [legendSelection("run")] } : {}),
    encoding: {
      x: { field: "x", title: opts.x, ...axis(prep.x, logX) },
      y: { field: "y", title: opts.y, ...axis(prep.y, logY) },
      color: colorEncoding(
        "run",
        labels,
        opts.runs.map((r) => colors.get(r.runId) as string),
        "run",
        "circle",
      ),
      ...(live ? { opacity: selectedOpacity(0.95, 0.12) } : {}),
      tooltip: [
        { field: "runName", type: "nominal", title: "run" },
        { field: "x", type: prep.x.numeric ? "quantitative" : "nominal", title: opts.x },
        { field: "y", type: prep.y.numeric ? "quantitative" : "nominal", title: opts.y },
        { field: "params", type: "nominal", title: "params" },
        { field: "status", type: "nominal", title: "status" },
      ],
    },
  } as TopLevelSpec;
}
