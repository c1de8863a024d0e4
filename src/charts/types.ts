// Input data model of the chart builders. Plain JSON-able data: the same shapes come from the tracking
// server (a run's latest metrics, params, tags; metric histories) in the panel and in the `%track` magic.
import type { Config } from "vega-lite";

/** One run as the charts see it. */
export interface ChartRun {
  runId: string;
  runName: string;
  /** RUNNING, FINISHED, FAILED, KILLED, SCHEDULED. */
  status: string;
  params: Record<string, string>;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
  tags?: Record<string, string>;
  /** Explicit colour (CSS colour); otherwise one is picked from the run id (see `runColor`). */
  color?: string;
}

export interface MetricPoint {
  step: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  value: number;
}

/** runId → metric key → points (any order; the builders sort by step, then timestamp). */
export type MetricHistories = Record<string, Record<string, MetricPoint[]>>;

export type ChartTheme = "light" | "dark";
export type CurveX = "step" | "time" | "relative";
/** Whether lower or higher is better for a metric. */
export type Goal = "min" | "max";

/** Options every builder takes. */
export interface ChartOptions {
  theme?: ChartTheme | undefined;
  /** Width of one plot (one panel of a faceted chart), in pixels. */
  width?: number;
  /** Height of one plot (one panel of a faceted chart), in pixels. */
  height?: number;
  title?: string | undefined;
  /** Vega-Lite config merged (deeply) over the theme's, to override colours, fonts, … */
  config?: Config | undefined;
  /**
   * Static rendering (the image/svg+xml fallback): leaves out the invisible hover points and the
   * selections, which only matter in a live view and would make the SVG bigger.
   */
  static?: boolean | undefined;
  /** Better direction per metric key; by default guessed from the name (acc, auc, f1, … → max). */
  goals?: Record<string, Goal> | undefined;
}

export interface CurvesOptions extends ChartOptions {
  runs: ChartRun[];
  histories: MetricHistories;
  /** Metric keys, one panel each, in this order. Default: every metric key found, sorted. */
  metrics?: string[];
  x?: CurveX;
  /** Exponential-moving-average weight in [0, 1) (TensorBoard-style, debiased). 0 = raw. */
  smooth?: number;
  /** Logarithmic y scale; values ≤ 0 are left out (and counted in the summary). */
  log?: boolean;
  /** Column such as `params.lr`: one mean line with a min–max band per distinct value. */
  groupBy?: string | undefined;
  /** Most points kept per run per metric (default 1,000). */
  maxPoints?: number;
  /** Most points kept in the whole chart (default 5,000), shared evenly by the series. */
  maxTotalPoints?: number;
}

export interface BarOptions extends ChartOptions {
  runs: ChartRun[];
  /** Metric keys, one panel each. Default: every latest-metric key found, sorted. */
  metrics?: string[];
  /** Column such as `params.lr`: one bar (mean, with a min–max rule) per distinct value. */
  groupBy?: string | undefined;
}

export interface ScatterOptions extends ChartOptions {
  runs: ChartRun[];
  /** Column such as `params.lr`, `metrics.loss`, `tags.model`, `runName`, `status`. */
  x: string;
  y: string;
  logX?: boolean;
  logY?: boolean;
}

export interface ParallelOptions extends ChartOptions {
  runs: ChartRun[];
  /** Columns (axes) in order. Default: params whose values differ between runs, then metrics. */
  columns?: string[];
}

/**
 * The chart chosen by the data (`%track compare` without `--kind`): curves for the metrics some run
 * logged at several steps, final values (dots) for the others, both stacked when there are both.
 */
export type AutoOptions = CurvesOptions;

export type ChartRequest =
  | ({ kind: "auto" } & AutoOptions)
  | ({ kind: "curves" } & CurvesOptions)
  | ({ kind: "bar" } & BarOptions)
  | ({ kind: "scatter" } & ScatterOptions)
  | ({ kind: "parallel" } & ParallelOptions);

export type ChartKind = ChartRequest["kind"];
