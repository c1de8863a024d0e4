// The chart the data ask for (`%track compare` without `--kind`): a metric some run logged at several
// steps is a curve; a metric every run logged once (the `%%track --metrics` recipe: one final value per
// run) is a dot plot of those values — a line through one point draws nothing. Both kinds stacked in
// one chart, sharing one legend and one colour per run, when the metrics differ; one line of text
// naming what the runs lack when nothing at all can be drawn.
import type { TopLevelSpec } from "vega-lite";
import { barSpec } from "./bar.js";
import { lackingText, noDataSpec, topLevel } from "./common.js";
import { allMetricKeys, curvesSpec } from "./curves.js";
import type { AutoOptions } from "./types.js";

export interface AutoPlan {
  /** Metrics drawn as curves: some run has values at two or more x positions. */
  curves: string[];
  /**
   * Metrics logged many times without a step (all at MLflow's default step 0, e.g. `log_metric(k, v)`
   * in a loop): on a step axis they would be one vertical line, so they are curves over the time since
   * each run's start. Only on a step axis; empty otherwise.
   */
  timeCurves: string[];
  /** Metrics drawn as final values: every run has at most one point (or its latest value only). */
  finals: string[];
  /** Metrics no run has a finite value of. */
  missing: string[];
}

/** Metric keys the runs have: their latest metrics and their histories, sorted. */
function metricsOfRuns(opts: AutoOptions): string[] {
  const keys = new Set(allMetricKeys(opts));
  for (const r of opts.runs) for (const k of Object.keys(r.metrics)) keys.add(k);
  return [...keys].sort();
}

/**
 * Which metrics are curves and which are final values. Positions are steps (or timestamps on a time
 * axis). Values logged again and again at one step — a loop that gives no step — are a curve over
 * time (`timeCurves`) rather than a vertical line at step 0; one value per run is a final value.
 */
export function planAuto(opts: AutoOptions): AutoPlan {
  const metrics = opts.metrics && opts.metrics.length > 0 ? [...new Set(opts.metrics)] : metricsOfRuns(opts);
  const byStep = (opts.x ?? "step") === "step";
  const plan: AutoPlan = { curves: [], timeCurves: [], finals: [], missing: [] };
  for (const metric of metrics) {
    let steps = false;
    let times = false;
    let any = false;
    for (const run of opts.runs) {
      const atSteps = new Set<number>();
      const atTimes = new Set<number>();
      for (const p of opts.histories[run.runId]?.[metric] ?? []) {
        if (!Number.isFinite(p.value) || (opts.log === true && p.value <= 0)) continue;
        atSteps.add(p.step);
        atTimes.add(p.timestamp);
      }
      if ((byStep ? atSteps : atTimes).size > 1) steps = true;
      else if (atTimes.size > 1) times = true;
      if (atTimes.size > 0 || Number.isFinite(run.metrics[metric])) any = true;
    }
    if (steps) plan.curves.push(metric);
    else if (times) plan.timeCurves.push(metric);
    else if (any) plan.finals.push(metric);
    else plan.missing.push(metric);
  }
  return plan;
}

/** A builder's top-level spec as a part of a concatenation: what only the top level may hold removed. */
function asPart(spec: TopLevelSpec): Record<string, unknown> {
  const {
    $schema: _s,
    config: _c,
    background: _b,
    usermeta: _u,
    title: _t,
    ...rest
  } = spec as unknown as Record<string, unknown>;
  return rest;
}

export function autoSpec(opts: AutoOptions): TopLevelSpec {
  if (opts.runs.length === 0) return noDataSpec(opts, "auto", "No data: no runs");
  const plan = planAuto(opts);
  const meta = { runIds: opts.runs.map((r) => r.runId), ...plan };
  const { title: _title, ...untitled } = opts;
  const curves = plan.curves.length > 0 ? curvesSpec({ ...untitled, metrics: plan.curves }) : null;
  const timeCurves =
    plan.timeCurves.length > 0 ? curvesSpec({ ...untitled, metrics: plan.timeCurves, x: "relative" }) : null;
  const finals =
    plan.finals.length > 0
      ? barSpec(
          {
            runs: opts.runs,
            metrics: plan.finals,
            groupBy: opts.groupBy,
            theme: opts.theme,
            static: opts.static,
            config: opts.config,
            // A given width is the curves' plot; the dots' plot leaves room for the runs' labels.
            ...(opts.width !== undefined ? { width: Math.max(160, opts.width - 180) } : {}),
          },
          { sharedLegend: curves !== null || timeCurves !== null },
        )
      : null;
  if (!curves && !timeCurves && !finals)
    return noDataSpec(opts, "auto", lackingText(opts.runs, plan.missing));
  // Metrics some runs were asked for and none has: said under the title, the rest is still drawn.
  const note = plan.missing.length > 0 ? lackingText(opts.runs, plan.missing, "Not drawn") : undefined;
  const title = opts.title
    ? { title: { text: opts.title, ...(note ? { subtitle: note, subtitleFontSize: 12 } : {}) } }
    : note
      ? { title: { text: note, fontSize: 12, fontWeight: "normal" } }
      : {};
  const parts = [curves, timeCurves, finals].filter((s): s is TopLevelSpec => s !== null);
  const top = topLevel({ ...opts, title: undefined }, "auto", meta);
  if (parts.length === 1) {
    return { ...asPart(parts[0] as TopLevelSpec), ...top, ...title } as unknown as TopLevelSpec;
  }
  return {
    ...top,
    ...title,
    vconcat: parts.map(asPart),
    spacing: 28,
    resolve: { scale: { color: "shared" }, legend: { color: "shared" } },
  } as unknown as TopLevelSpec;
}
