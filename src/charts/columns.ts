// Reading a "column" (params.lr, metrics.loss, tags.model, runName, status, runId) off a run.
import type { ChartRun, Goal } from "./types.js";

export interface ColumnValues {
  column: string;
  /** Short name for axes and tooltips: `lr` for `params.lr`. */
  label: string;
  /** True when every present value is a finite number (params and tags are coerced when numeric). */
  numeric: boolean;
  /** Value per run id; missing when the run has no such value (or a non-finite metric). */
  values: Map<string, number | string>;
  /** Runs with a metric value that is NaN or ±Infinity. */
  nonFinite: number;
}

const ATTRIBUTES = new Set(["runName", "runId", "status"]);

/** The short label of a column: `params.lr` → `lr`. */
export function columnLabel(column: string): string {
  const dot = column.indexOf(".");
  if (dot > 0 && ["params", "metrics", "tags", "attributes"].includes(column.slice(0, dot))) {
    return column.slice(dot + 1);
  }
  return column;
}

/** The raw value of `column` for a run (a bare key is looked up as a metric, then as a param). */
export function rawColumnValue(run: ChartRun, column: string): string | number | undefined {
  const dot = column.indexOf(".");
  const head = dot > 0 ? column.slice(0, dot) : "";
  const key = column.slice(dot + 1);
  if (head === "params") return run.params[key];
  if (head === "metrics") return run.metrics[key];
  if (head === "tags") return run.tags?.[key];
  const attr = head === "attributes" ? key : column;
  if (ATTRIBUTES.has(attr)) return run[attr as "runName" | "runId" | "status"];
  return run.metrics[column] ?? run.params[column];
}

/** A string holding a finite number, as a number; anything else unchanged. */
export function coerceNumber(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export function columnValues(runs: readonly ChartRun[], column: string): ColumnValues {
  const raw = new Map<string, string | number>();
  let nonFinite = 0;
  for (const run of runs) {
    const v = rawColumnValue(run, column);
    if (v === undefined || v === null) continue;
    if (typeof v === "number" && !Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    raw.set(run.runId, v);
  }
  const numeric =
    raw.size > 0 && [...raw.values()].every((v) => typeof v === "number" || coerceNumber(v) !== undefined);
  const values = new Map<string, number | string>();
  for (const [id, v] of raw)
    values.set(id, numeric && typeof v === "string" ? (coerceNumber(v) as number) : v);
  return { column, label: columnLabel(column), numeric, values, nonFinite };
}

const HIGHER_IS_BETTER =
  /(acc|accuracy|auc|f1|precision|recall|score|map|iou|dice|bleu|rouge|r2|reward|return|psnr|ssim|throughput)/i;

/** The better direction of a metric: given, or guessed from its name (loss, error, … → min). */
export function metricGoal(metric: string, goals?: Record<string, Goal>): Goal {
  const given = goals?.[metric];
  if (given) return given;
  if (/(loss|err|error|perplexity|ppl|mse|mae|rmse|cost|latency)/i.test(metric)) return "min";
  return HIGHER_IS_BETTER.test(metric) ? "max" : "min";
}

/** Compact number text: 0.123457, 1.2e-7, 12345. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e7) return String(Number(v.toPrecision(6)));
  return v.toExponential(3).replace(/\.?0+e/, "e");
}

/** Round to 6 significant digits to keep inlined data small (far below what a plot can show). */
export function round6(v: number): number {
  return Number.isInteger(v) ? v : Number(v.toPrecision(6));
}
