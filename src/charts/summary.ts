// A few lines of text/plain saying what a chart shows: the notebook output's text fallback, and what a
// screen reader or a terminal gets.
import { planAuto } from "./auto.js";
import { barMetrics } from "./bar.js";
import { formatNumber, metricGoal } from "./columns.js";
import { interestingParams, lackingText, paramsText, runLabels } from "./common.js";
import { groupLabels, groupOf, prepareCurves } from "./curves.js";
import { defaultParallelColumns, parallelAxis } from "./parallel.js";
import { prepareScatter } from "./scatter.js";
import type {
  AutoOptions,
  BarOptions,
  ChartRequest,
  ChartRun,
  CurvesOptions,
  Goal,
  ParallelOptions,
  ScatterOptions,
} from "./types.js";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const better = (goal: Goal, a: number, b: number) => (goal === "min" ? a < b : a > b);
const goalText = (goal: Goal) => (goal === "min" ? "lower is better" : "higher is better");

/** A run's label (name and differing params) with the other given params in brackets. */
function describeRun(run: ChartRun, label: string, keys: readonly string[]): string {
  const p = paramsText(
    run,
    keys.filter((k) => !label.includes(`${k}=`)),
    60,
  );
  return p ? `${label} [${p}]` : label;
}

function curvesSummary(opts: CurvesOptions): string {
  const prep = prepareCurves(opts);
  const head = [
    `Labtrack curves · ${plural(prep.runs.length, "run")}`,
    `x=${prep.x}`,
    ...(prep.smooth > 0 ? [`smoothing ${prep.smooth}`] : []),
    ...(prep.log ? ["log scale"] : []),
    ...(opts.groupBy ? [`grouped by ${opts.groupBy}`] : []),
  ].join(" · ");
  if (prep.runs.length === 0) return "No data: 0 runs";
  if (prep.metrics.length === 0) return `${head}\nNo data: no metrics`;
  const labels = runLabels(prep.runs);
  const keys = interestingParams(prep.runs, 3);
  const byId = new Map(prep.runs.map((r) => [r.runId, r]));
  const lines = [head];
  for (const metric of prep.metrics) {
    const goal = metricGoal(metric, opts.goals);
    const series = prep.series.filter((s) => s.metric === metric);
    const usable = series.filter((s) => s.values.length > 0);
    const notes: string[] = [];
    const lacking = prep.missing.get(metric) ?? [];
    if (lacking.length > 0) notes.push(`${plural(lacking.length, "run")} without ${metric}`);
    const nonFinite = series.reduce((n, s) => n + s.nonFinite, 0);
    if (nonFinite > 0) notes.push(`${plural(nonFinite, "NaN/±Infinity value")} dropped`);
    const nonPositive = series.reduce((n, s) => n + s.nonPositive, 0);
    if (nonPositive > 0) notes.push(`${plural(nonPositive, "value")} ≤ 0 dropped (log scale)`);
    if (usable.length === 0) {
      lines.push(`${metric}: no data${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`);
      continue;
    }
    let text: string;
    if (opts.groupBy) {
      const groupBy = opts.groupBy;
      let best: { group: string; mean: number; n: number } | undefined;
      for (const group of groupLabels(prep.runs, groupBy)) {
        const finals = usable
          .filter((s) => groupOf(byId.get(s.runId) as ChartRun, groupBy) === group)
          .map((s) => s.values[s.values.length - 1] as number);
        if (finals.length === 0) continue;
        const mean = finals.reduce((a, b) => a + b, 0) / finals.length;
        if (!best || better(goal, mean, best.mean)) best = { group, mean, n: finals.length };
      }
      text = best
        ? `best group ${best.group}: final mean ${formatNumber(best.mean)} (${plural(best.n, "run")})`
        : "no data";
    } else {
      let best: { runId: string; value: number; step: number } | undefined;
      for (const s of usable) {
        s.values.forEach((v, i) => {
          if (!best || better(goal, v, best.value))
            best = { runId: s.runId, value: v, step: s.steps[i] as number };
        });
      }
      const b = best as { runId: string; value: number; step: number };
      const finals = usable.map((s) => s.values[s.values.length - 1] as number);
      const lo = Math.min(...finals);
      const hi = Math.max(...finals);
      text =
        `best ${describeRun(byId.get(b.runId) as ChartRun, labels.get(b.runId) as string, keys)} ` +
        `(${formatNumber(b.value)} at step ${b.step})` +
        ` · final ${lo === hi ? formatNumber(lo) : `${formatNumber(lo)} … ${formatNumber(hi)}`}` +
        ` over ${plural(usable.length, "run")}`;
    }
    lines.push(`${metric} (${goalText(goal)}): ${text}${notes.length > 0 ? ` · ${notes.join("; ")}` : ""}`);
  }
  return lines.join("\n");
}

function barSummary(opts: BarOptions): string {
  const runs = opts.runs;
  if (runs.length === 0) return "No data: 0 runs";
  const metrics = barMetrics(opts);
  const labels = runLabels(runs);
  const keys = interestingParams(runs, 3);
  const lines = [
    `Labtrack bars (final values) · ${plural(runs.length, "run")}${opts.groupBy ? ` · grouped by ${opts.groupBy}` : ""}`,
  ];
  if (metrics.length === 0) lines.push("No data: no metrics");
  for (const metric of metrics) {
    const goal = metricGoal(metric, opts.goals);
    const have = runs.filter((r) => Number.isFinite(r.metrics[metric]));
    const nonFinite = runs.filter(
      (r) => typeof r.metrics[metric] === "number" && !Number.isFinite(r.metrics[metric]),
    );
    const notes: string[] = [];
    const without = runs.length - have.length - nonFinite.length;
    if (without > 0) notes.push(`${plural(without, "run")} without ${metric}`);
    if (nonFinite.length > 0) notes.push(`${plural(nonFinite.length, "NaN/±Infinity value")} left out`);
    const tail = notes.length > 0 ? ` · ${notes.join("; ")}` : "";
    if (have.length === 0) {
      lines.push(`${metric}: no data${tail}`);
      continue;
    }
    if (opts.groupBy) {
      const groupBy = opts.groupBy;
      let best: { group: string; mean: number; n: number } | undefined;
      for (const group of groupLabels(have, groupBy)) {
        const v = have.filter((r) => groupOf(r, groupBy) === group).map((r) => r.metrics[metric] as number);
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        if (!best || better(goal, mean, best.mean)) best = { group, mean, n: v.length };
      }
      const b = best as { group: string; mean: number; n: number };
      lines.push(
        `${metric} (${goalText(goal)}): best group ${b.group}: mean ${formatNumber(b.mean)} (${plural(b.n, "run")})${tail}`,
      );
      continue;
    }
    const sorted = have.slice().sort((a, b) => {
      const va = a.metrics[metric] as number;
      const vb = b.metrics[metric] as number;
      return goal === "min" ? va - vb : vb - va;
    });
    const best = sorted[0] as ChartRun;
    const worst = sorted[sorted.length - 1] as ChartRun;
    const bestText = `best ${describeRun(best, labels.get(best.runId) as string, keys)} ${formatNumber(best.metrics[metric] as number)}`;
    const worstText =
      sorted.length > 1
        ? ` · worst ${labels.get(worst.runId)} ${formatNumber(worst.metrics[metric] as number)}`
        : "";
    lines.push(
      `${metric} (${goalText(goal)}): ${bestText}${worstText} · ${plural(have.length, "run")}${tail}`,
    );
  }
  return lines.join("\n");
}

/** Pearson correlation, or undefined when it is not defined. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | undefined {
  const n = xs.length;
  if (n < 3 || ys.length !== n) return undefined;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? undefined : sxy / Math.sqrt(sxx * syy);
}

function scatterSummary(opts: ScatterOptions): string {
  if (opts.runs.length === 0) return "No data: 0 runs";
  const prep = prepareScatter(opts);
  const parts = [
    `Labtrack scatter ${opts.y} vs ${opts.x}`,
    `${prep.plotted.length} of ${plural(opts.runs.length, "run")} plotted`,
  ];
  if (prep.missing > 0) parts.push(`${plural(prep.missing, "run")} without both values`);
  if (prep.nonPositive > 0)
    parts.push(`${plural(prep.nonPositive, "run")} with a value ≤ 0 left out (log axis)`);
  if (prep.x.numeric && prep.y.numeric) {
    const r = pearson(
      prep.plotted.map((run) => prep.x.values.get(run.runId) as number),
      prep.plotted.map((run) => prep.y.values.get(run.runId) as number),
    );
    if (r !== undefined) parts.push(`Pearson r = ${r.toFixed(2)}`);
  }
  return parts.join(" · ");
}

function parallelSummary(opts: ParallelOptions): string {
  const runs = opts.runs;
  if (runs.length === 0) return "No data: 0 runs";
  const columns =
    opts.columns && opts.columns.length > 0 ? [...new Set(opts.columns)] : defaultParallelColumns(runs);
  const axes = columns.map((c) => parallelAxis(runs, c));
  const describe = axes.map((a) => {
    const vals = [...a.values.values.values()];
    if (vals.length === 0) return `${a.column} (no values)`;
    if (a.values.numeric) {
      const nums = vals as number[];
      return `${a.column} ${formatNumber(Math.min(...nums))} … ${formatNumber(Math.max(...nums))}`;
    }
    return `${a.column} (${plural(new Set(vals).size, "value")})`;
  });
  const missing = axes.reduce((n, a) => n + (runs.length - a.values.values.size), 0);
  return [
    `Labtrack parallel coordinates · ${plural(runs.length, "run")} · ${plural(axes.length, "axis", "axes")}`,
    describe.join("; "),
    ...(missing > 0 ? [`${plural(missing, "missing value")}`] : []),
  ].join("\n");
}

/** The automatic chart: the summary of its curves, then of its final values, then what is missing. */
function autoSummary(opts: AutoOptions): string {
  if (opts.runs.length === 0) return "No data: 0 runs";
  const plan = planAuto(opts);
  const lines: string[] = [];
  if (plan.curves.length > 0) lines.push(curvesSummary({ ...opts, metrics: plan.curves }));
  if (plan.timeCurves.length > 0)
    lines.push(curvesSummary({ ...opts, metrics: plan.timeCurves, x: "relative" }));
  if (plan.finals.length > 0)
    lines.push(
      barSummary({ runs: opts.runs, metrics: plan.finals, groupBy: opts.groupBy, goals: opts.goals }),
    );
  if (plan.missing.length > 0)
    lines.push(lackingText(opts.runs, plan.missing, lines.length > 0 ? "Not drawn" : "No data"));
  return lines.join("\n");
}

/** A short text/plain summary of the chart `req` describes. */
export function textSummary(req: ChartRequest): string {
  switch (req.kind) {
    case "auto":
      return autoSummary(req);
    case "curves":
      return curvesSummary(req);
    case "bar":
      return barSummary(req);
    case "scatter":
      return scatterSummary(req);
    case "parallel":
      return parallelSummary(req);
  }
}
