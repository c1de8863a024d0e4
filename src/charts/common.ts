// Pieces shared by the builders: run labels, tooltips' params text, the theme, the legend selection and
// the "No data" chart.
import type { Config, TopLevelSpec } from "vega-lite";
import type { ChartOptions, ChartRun, ChartTheme } from "./types.js";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
/** Name of the legend-bound selection: clicking a legend entry highlights that run (or group). */
export const RUN_SELECTION = "run";
/** Longest run label shown in legends and axes (the full name stays in tooltips). */
export const MAX_LABEL = 40;
/** Most differing params written into a run's label. */
export const MAX_LABEL_PARAMS = 3;
/** Opacity of what is not highlighted while a run is selected in the legend. */
export const DIMMED = 0.12;
export const DEFAULT_WIDTH = 520;

export function truncate(text: string, max = MAX_LABEL): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * `text` cut in the middle to at most `max` characters: run names often differ only at their end
 * (`… #3`, `…-seed-12`), which must stay.
 */
export function truncateMiddle(text: string, max = MAX_LABEL): string {
  if (text.length <= max) return text;
  const tail = Math.floor((max - 1) * 0.4);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/**
 * Param keys whose values differ between the runs (a run without the param counts as a value of its
 * own), sorted. None for a single run.
 */
export function differingParams(runs: readonly ChartRun[]): string[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  return keys.filter((k) => new Set(runs.map((r) => r.params[k])).size > 1);
}

/** ` lr=0.1 opt=adam`: the given params of a run (present ones, and not already in its name). */
function paramsSuffix(run: ChartRun, name: string, keys: readonly string[]): string {
  const parts = keys
    .filter((k) => run.params[k] !== undefined)
    .map((k) => `${k}=${truncate(run.params[k] as string, 16)}`)
    .filter((pair) => !name.includes(pair));
  return parts.length > 0 ? ` ${parts.join(" ")}` : "";
}

/**
 * A unique, short display label per run (keyed by run id), for legends, axes and colour domains: the
 * run name followed by the params that differ among the shown runs (`logreg lr=0.1`), at most
 * MAX_LABEL characters. Just the name when nothing differs. Only runs that would still read the same
 * (same name, same params) get the start of their id, the one thing left that tells them apart.
 */
export function runLabels(runs: readonly ChartRun[]): Map<string, string> {
  const differing = differingParams(runs);
  const label = (r: ChartRun, keys: readonly string[]) => {
    const name = truncateMiddle(r.runName || r.runId.slice(0, 8), MAX_LABEL - 12);
    return truncate(`${name}${paramsSuffix(r, r.runName, keys)}`);
  };
  const tally = (labels: Map<string, string>) => {
    const n = new Map<string, number>();
    for (const l of labels.values()) n.set(l, (n.get(l) ?? 0) + 1);
    return (id: string) => n.get(labels.get(id) as string) ?? 0;
  };
  // Labels that collide take every differing param, then the start of the id.
  const short = new Map(runs.map((r) => [r.runId, label(r, differing.slice(0, MAX_LABEL_PARAMS))]));
  const shortCount = tally(short);
  const longer = new Map(
    runs.map((r) => [
      r.runId,
      shortCount(r.runId) > 1 ? label(r, differing) : (short.get(r.runId) as string),
    ]),
  );
  const longerCount = tally(longer);
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const r of runs) {
    let text = longer.get(r.runId) as string;
    if (longerCount(r.runId) > 1) text = `${truncate(text, MAX_LABEL - 9)} (${r.runId.slice(0, 6)})`;
    if (taken.has(text)) text = `${truncate(text, 8)} (${r.runId})`;
    taken.add(text);
    out.set(r.runId, text);
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

/**
 * One row per metric (a facet), the metric's name bold above its row: how the final-values and the
 * curves charts stack their metrics, so the two read alike when shown together.
 */
export function metricRows(field: string, sort: readonly string[]) {
  return {
    row: {
      field,
      type: "nominal" as const,
      sort: [...sort],
      title: null,
      header: {
        labelAngle: 0,
        labelOrient: "top" as const,
        labelAnchor: "start" as const,
        labelFontWeight: "bold",
      },
    },
  };
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

/**
 * A chart that says there is nothing to show (0 runs, no values) in one line of text — no axes, no
 * empty frame — instead of failing. Starts with "No data".
 */
export function noDataSpec(opts: ChartOptions, kind: string, message = "No data"): TopLevelSpec {
  // Wide enough for the whole line at 13 px (about 7 px a character): the message is the whole chart.
  const width = Math.max(opts.width ?? DEFAULT_WIDTH, Math.ceil(message.length * 7.2));
  return {
    ...topLevel(opts, kind, { empty: true }),
    width,
    height: 20,
    view: { stroke: null },
    data: { values: [{ text: message }] },
    mark: {
      type: "text",
      fontSize: 13,
      align: "left",
      baseline: "middle",
      color: THEME_COLORS[opts.theme ?? "light"].muted,
      limit: width,
    },
    encoding: {
      text: { field: "text", type: "nominal" },
      x: { value: 0 },
      y: { value: 10 },
    },
  } as TopLevelSpec;
}

const orList = (keys: readonly string[], joiner: string) =>
  keys.length <= 1 ? (keys[0] ?? "") : `${keys.slice(0, -1).join(", ")} ${joiner} ${keys[keys.length - 1]}`;

/** "No data: none of the 3 runs has accuracy or final_loss (they have loss, lr)". */
export function lackingText(runs: readonly ChartRun[], missing: readonly string[], lead = "No data"): string {
  const who = runs.length === 1 ? "the run has" : `none of the ${runs.length} runs has`;
  const what = missing.length > 0 ? orList(missing, "or") : "any metric";
  const have = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const shown = have.length > 8 ? [...have.slice(0, 8), "…"] : have;
  const tail =
    have.length === 0
      ? runs.length === 1
        ? " (it has no metrics)"
        : " (they have no metrics)"
      : ` (${runs.length === 1 ? "it has" : "they have"} ${shown.join(", ")})`;
  return `${lead}: ${who} ${what}${tail}`;
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

/**
 * The dash encoding of runs that share a colour in this chart (see `runDashes`): on the same field and
 * domain as the colour, so Vega-Lite draws one legend whose symbols show colour and dash together.
 */
export function dashEncoding(
  field: string,
  domain: string[],
  range: number[][],
  title: string | null = "run",
) {
  return {
    field,
    type: "nominal" as const,
    scale: { domain, range },
    legend: { title, labelLimit: 240, symbolType: "stroke", symbolOpacity: 1 },
  };
}
