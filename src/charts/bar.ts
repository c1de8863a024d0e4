// Final (latest) metric values per run as horizontal bars (run names stay readable), one panel per metric.
import type { TopLevelSpec } from "vega-lite";
import { assignColors, assignRunColors } from "./colors.js";
import { columnLabel, round6 } from "./columns.js";
import {
  colorEncoding,
  DEFAULT_WIDTH,
  legendSelection,
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

export function barSpec(opts: BarOptions): TopLevelSpec {
  const runs = opts.runs;
  if (runs.length === 0) return noDataSpec(opts, "bar", "No data: no runs");
  const metrics = barMetrics(opts);
  const present = metrics.filter((m) => runs.some((r) => finite(r.metrics[m])));
  if (present.length === 0) {
    return noDataSpec(opts, "bar", `No data for ${metrics.length > 0 ? metrics.join(", ") : "any metric"}`);
  }
  const live = opts.static !== true;
  const width = opts.width ?? Math.max(160, Math.floor(DEFAULT_WIDTH / Math.min(present.length, 3)) - 20);
  const columns = Math.min(present.length, 3);
  const facet = {
    field: "metric",
    type: "nominal" as const,
    sort: present,
    title: null,
    header: {
      labelAngle: 0,
      labelOrient: "top" as const,
      labelAnchor: "start" as const,
      labelFontWeight: "bold",
    },
  };
  const valueText = {
    mark: { type: "text", align: "left", dx: 3, fontSize: 10 },
    encoding: {
      text: { field: "value", type: "quantitative", format: ".4~g" },
      color: { value: THEME_COLORS[opts.theme ?? "light"].muted },
    },
  };
  const meta = { runIds: runs.map((r) => r.runId), metrics: present };

  if (opts.groupBy) {
    const groupBy = opts.groupBy;
    const labels = groupLabels(runs, groupBy);
    const colors = assignColors(labels.map((key) => ({ key })));
    const values: Record<string, unknown>[] = [];
    for (const metric of present) {
      for (const group of labels) {
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
    }
    const color = colorEncoding(
      "group",
      labels,
      labels.map((l) => colors.get(l) as string),
      columnLabel(groupBy),
      "square",
    );
    return {
      ...topLevel(opts, "bar", { ...meta, groupBy }),
      data: { values },
      facet,
      columns,
      spec: {
        width,
        height: { step: 20 },
        encoding: {
          y: { field: "group", type: "nominal", title: null, sort: labels, scale: { domain: labels } },
          x: { field: "value", type: "quantitative", title: null },
          color,
          tooltip: [
            { field: "group", type: "nominal", title: "group" },
            { field: "runs", type: "quantitative", title: "runs" },
            { field: "metric", type: "nominal", title: "metric" },
            { field: "value", type: "quantitative", title: "mean", format: ".6~g" },
            { field: "lo", type: "quantitative", title: "min", format: ".6~g" },
            { field: "hi", type: "quantitative", title: "max", format: ".6~g" },
          ],
        },
        layer: [
          {
            mark: { type: "bar", height: { band: 0.7 } },
            ...(live ? { params: [legendSelection("group")] } : {}),
            encoding: live ? { opacity: selectedOpacity(0.85, 0.15) } : { opacity: { value: 0.85 } },
          },
          {
            mark: { type: "rule", strokeWidth: 1.5 },
            encoding: {
              x: { field: "lo", type: "quantitative" },
              x2: { field: "hi" },
              color: { value: "#888" },
            },
          },
          { ...valueText, encoding: { ...valueText.encoding, x: { field: "hi", type: "quantitative" } } },
        ],
      },
      resolve: { scale: { x: "independent" } },
    } as TopLevelSpec;
  }

  const fields = runFields(runs);
  const colors = assignRunColors(runs);
  const labels = runs.map((r) => fields.get(r.runId)?.run as string);
  const values: Record<string, unknown>[] = [];
  for (const metric of present) {
    for (const run of runs) {
      const v = run.metrics[metric];
      if (!finite(v)) continue;
      values.push({ ...fields.get(run.runId), metric, value: round6(v) });
    }
  }
  return {
    ...topLevel(opts, "bar", meta),
    data: { values },
    facet,
    columns,
    spec: {
      width,
      height: { step: 20 },
      encoding: {
        y: { field: "run", type: "nominal", title: null, sort: labels, scale: { domain: labels } },
        x: { field: "value", type: "quantitative", title: null },
        color: colorEncoding(
          "run",
          labels,
          runs.map((r) => colors.get(r.runId) as string),
          "run",
          "square",
        ),
        tooltip: [
          { field: "runName", type: "nominal", title: "run" },
          { field: "params", type: "nominal", title: "params" },
          { field: "metric", type: "nominal", title: "metric" },
          { field: "value", type: "quantitative", title: "value", format: ".6~g" },
          { field: "status", type: "nominal", title: "status" },
        ],
      },
      layer: [
        {
          mark: { type: "bar", height: { band: 0.7 } },
          ...(live ? { params: [legendSelection("run")] } : {}),
          encoding: live ? { opacity: selectedOpacity(1, 0.15) } : {},
        },
        valueText,
      ],
    },
    resolve: { scale: { x: "independent" } },
  } as TopLevelSpec;
}
