// Pieces shared by the builders: run labels, tooltips' params text, the theme, the legend selection and
// the "No data" chart.
import type { Config, TopLevelSpec } from "vega-lite";
import type { ChartOptions, ChartRun, ChartTheme } from "./types.js";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
/** Name of the legend-bound selection: clicking a legend entry highlights that run (or group). */
export const RUN_SELECTION = "run";
/** Longest run label shown in legends and axes (the full name stays in tooltips). */
export const MAX_LABEL = 32;
/** Opacity of what is not highlighted while a run is selected in the legend. */
export const DIMMED = 0.12;
export const DEFAULT_WIDTH = 520;

export function truncate(text: string, max = MAX_LABEL): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A unique, short display label per run (keyed by run id): the run name cut to MAX_LABEL characters,
 * with the start of the id appended when two runs would otherwise read the same.
 */
export function runLabels(runs: readonly ChartRun[]): Map<string, string> {
  const base = new Map(runs.map((r) => [r.runId, truncate(r.runName || r.runId.slice(0, 8))]));
  const counts = new Map<string, number>();
  for (const l of base.values()) counts.set(l, (counts.get(l) ?? 0) + 1);
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const r of runs) {
    let label = base.get(r.runId) as string;
    if ((counts.get(label) ?? 0) > 1) label = `${truncate(label, MAX_LABEL - 9)} (${r.runId.slice(0, 6)})`;
    if (taken.has(label)) label = `${truncate(label, MAX_LABEL - 9)} (${r.runId})`;
    taken.add(label);
    out.set(r.runId, label);
  }
  return out;
}

/**
 * Param keys worth showing in tooltips: those whose values differ between the runs (all of them when
 * they never differ), at most `max`.
 */
export function interestingParams(runs: readonly ChartRun[], max = 6): string[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const differing = keys.filter((k) => new Set(runs.map((r) => r.params[k])).size > 1);
  return (differing.length > 0 ? differing : keys).slice(0, max);
}

/** `lr=0.01, bs=32` for the given keys (present ones only), cut to `max` characters. */
export function paramsText(run: ChartRun, keys: readonly string[], max = 120): string {
  const parts = keys.filter((k) => run.params[k] !== undefined).map((k) => `${k}=${run.params[k]}`);
  return truncate(parts.join(", "), max);
}

/** Fields every per-run datum carries, so tooltips can show them and a click can find the run. */
export interface RunFields {
  runId: string;
  /** Unique display label (legend, colour domain). */
  run: string;
  runName: string;
  status: string;
  params: string;
}

export function runFields(runs: readonly ChartRun[]): Map<string, RunFields> {
  const labels = runLabels(runs);
  const keys = interestingParams(runs);
  return new Map(
    runs.map((r) => [
      r.runId,
      {
        runId: r.runId,
        run: labels.get(r.runId) as string,
        runName: r.runName,
        status: r.status,
        params: paramsText(r, keys),
      },
    ]),
  );
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `over` merged into `base`, recursively for plain objects (arrays and values are replaced). */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
  return out as T;
}

export interface ThemeColors {
  text: string;
  muted: string;
  grid: string;
  domain: string;
}

export const THEME_COLORS: Record<ChartTheme, ThemeColors> = {
  light: { text: "#303030", muted: "#616161", grid: "#e0e0e0", domain: "#9e9e9e" },
  dark: { text: "#e0e0e0", muted: "#a8a8a8", grid: "#3c3c3c", domain: "#757575" },
};

/** The Vega-Lite config of a theme: transparent background, text and axes readable on it. */
export function themeConfig(theme: ChartTheme = "light", override?: Config): Config {
  const c = THEME_COLORS[theme] ?? THEME_COLORS.light;
  const base: Config = {
    background: "transparent",
    view: { stroke: c.grid },
    axis: {
      labelColor: c.muted,
      titleColor: c.text,
      gridColor: c.grid,
      domainColor: c.domain,
      tickColor: c.domain,
      labelFontSize: 11,
      titleFontSize: 11,
      titleFontWeight: "normal",
    },
    legend: { labelColor: c.text, titleColor: c.text, labelLimit: 240, symbolLimit: 60 },
    header: { labelColor: c.text, titleColor: c.text, labelFontSize: 12 },
    title: { color: c.text, subtitleColor: c.muted, anchor: "start" },
    text: { color: c.text },
    style: { "guide-label": { fill: c.muted }, "guide-title": { fill: c.text } },
  };
  return override ? deepMerge(base, override) : base;
}

export interface TopLevelProps {
  $schema: string;
  title?: string;
  background: string;
  config: Config;
  usermeta: { labtrack: Record<string, unknown> };
}

/** Top-level properties every spec shares. */
export function topLevel(
  opts: ChartOptions,
  kind: string,
  extra: Record<string, unknown> = {},
): TopLevelProps {
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(opts.title ? { title: opts.title } : {}),
    background: "transparent",
    // A static rendering drops the ARIA attributes (a third of the SVG); its text/plain summary says it all.
    config: opts.static
      ? { aria: false, ...themeConfig(opts.theme, opts.config) }
      : themeConfig(opts.theme, opts.config),
    usermeta: { labtrack: { kind, ...extra } },
  };
}

/** A chart that says there is nothing to show (0 runs, no values), instead of failing. */
export function noDataSpec(opts: ChartOptions, kind: string, message = "No data"): TopLevelSpec {
  return {
    ...topLevel(opts, kind, { empty: true }),
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? 120,
    data: { values: [{ text: message }] },
    mark: { type: "text", fontSize: 14, color: THEME_COLORS[opts.theme ?? "light"].muted },
    encoding: { text: { field: "text", type: "nominal" } },
  } as TopLevelSpec;
}

/** The legend-bound point selection on `field` (the run label, or the group label). */
export function legendSelection(field: string) {
  return {
    name: RUN_SELECTION,
    select: { type: "point" as const, fields: [field] },
    bind: "legend" as const,
  };
}

/** Opacity: 1 for the selected run (and all runs when none is selected), dimmed otherwise. */
export function selectedOpacity(selected = 1, dimmed = DIMMED) {
  return { condition: { param: RUN_SELECTION, value: selected }, value: dimmed };
}

/** The colour encoding: explicit domain (labels) and range (colours) so a run keeps its colour. */
export function colorEncoding(
  field: string,
  domain: string[],
  range: string[],
  title: string | null,
  symbolType: "stroke" | "square" | "circle" = "stroke",
) {
  return {
    field,
    type: "nominal" as const,
    scale: { domain, range },
    legend: { title, labelLimit: 240, symbolType, symbolOpacity: 1 },
  };
}
