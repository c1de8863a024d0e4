// `%track compare`: the selected runs' metrics as a chart in the cell's output. The bundle holds the
// Vega-Lite spec with its data (JupyterLab renders it), a static SVG for viewers without a Vega-Lite
// renderer (GitHub, nbviewer), and a text summary. vega and vega-lite load on the first chart only.

import {
  buildChart,
  type ChartRequest,
  type ChartRun,
  type MetricHistories,
  textSummary,
} from "../charts/index.js";
import { fromWireDouble, type RestClient } from "../client/rest.js";
import type { WireRun } from "../client/wire.js";
import { compareLine } from "../magics/index.js";
import type { CompareCommand } from "../magics/types.js";

const MAX_RUNS = 50;
const POINTS_PER_RUN = 1000;
/** src/charts' default cap on the points of one chart (maxTotalPoints). */
const CHART_POINTS = 5000;

export function toChartRun(run: WireRun): ChartRun {
  const record = (items: { key: string; value: string }[] | undefined) =>
    Object.fromEntries((items ?? []).map((t) => [t.key, t.value]));
  return {
    runId: run.info.run_id,
    runName: run.info.run_name || run.info.run_id,
    status: run.info.status,
    params: record(run.data.params),
    metrics: Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, fromWireDouble(m.value)])),
    tags: record(run.data.tags),
  };
}

/** The `attributes.run_name = '…'` filter the magic resolves a run name with. */
function nameFilter(name: string): string {
  return `attributes.run_name = '${name.replace(/'/g, "\\'")}'`;
}

async function selectRuns(client: RestClient, c: CompareCommand, experimentId: string): Promise<WireRun[]> {
  const selection = c.selection;
  if (selection.kind === "query") {
    const { runs } = await client.searchRuns([experimentId], {
      filter: selection.filter?.text,
      orderBy: ["attributes.start_time DESC"],
      maxResults: Math.min(selection.last ?? MAX_RUNS, MAX_RUNS),
    });
    return runs.reverse();
  }
  const found: WireRun[] = [];
  for (const ref of selection.runs) {
    if (ref.kind === "id") found.push(await client.getRun(ref.id));
    else {
      const { runs } = await client.searchRuns([experimentId], {
        filter: nameFilter(ref.name),
        orderBy: ["attributes.start_time DESC"],
        maxResults: 1,
      });
      if (!runs[0]) throw new Error(`no run named "${ref.name}" in this experiment`);
      found.push(runs[0]);
    }
  }
  return found;
}

/** What a chart shows, kept in its output so it can be redrawn with fresh data (live charts). */
export interface ChartQuery {
  /** The experiments of the shown runs (a comparison may span several). */
  experimentIds: string[];
  runIds: string[];
  chart: CompareCommand["chart"];
  metrics: string[];
  params: string[];
  x: CompareCommand["x"];
  smooth: number;
  log: boolean;
  groupBy?: string | undefined;
}

export const CHART_MIME = "application/vnd.labtrack.chart+json";

export interface CompareChart {
  request: ChartRequest;
  summary: string;
  query: ChartQuery;
  /** Some shown run is still RUNNING: the chart should follow it. */
  running: boolean;
}

export async function compareChart(
  client: RestClient,
  c: CompareCommand,
  experimentId: string,
  theme: "light" | "dark",
): Promise<CompareChart> {
  const wire = await selectRuns(client, c, experimentId);
  if (wire.length === 0) throw new Error("no runs to compare: the selection matched none");
  const query: ChartQuery = {
    experimentIds: [...new Set(wire.map((r) => r.info.experiment_id))],
    runIds: wire.map((r) => r.info.run_id),
    chart: c.chart,
    metrics: [...c.metrics],
    params: [...c.params],
    x: c.x,
    smooth: c.smooth,
    log: c.log,
    groupBy: c.groupBy ? `${c.groupBy.entity === "param" ? "params" : "tags"}.${c.groupBy.key}` : undefined,
  };
  return chartFor(client, query, theme, wire);
}

/** The chart of `query` with the server's current data (the runs are re-read unless given). */
/**
 * Histories of runs that had ended when they were read: they cannot change, so a live chart reads
 * again only the runs still running.
 */
export type EndedHistories = Map<string, Record<string, MetricHistories[string][string]>>;

/** Ended runs (their metadata) as last read: like their histories, they no longer change. */
const endedRuns = new WeakMap<EndedHistories, Map<string, WireRun>>();

async function readRuns(client: RestClient, query: ChartQuery, ended?: EndedHistories): Promise<WireRun[]> {
  const cache = ended ? (endedRuns.get(ended) ?? new Map<string, WireRun>()) : new Map<string, WireRun>();
  if (ended) endedRuns.set(ended, cache);
  const missing = query.runIds.filter((id) => !cache.has(id));
  const fetched = missing.length
    ? (
        await client.searchRuns(query.experimentIds, {
          filter: `attributes.run_id IN (${missing.map((id) => `'${id}'`).join(", ")})`,
          maxResults: missing.length,
        })
      ).runs
    : [];
  const byId = new Map([...cache, ...fetched.map((r) => [r.info.run_id, r] as const)]);
  if (ended) for (const r of fetched) if (r.info.status !== "RUNNING") cache.set(r.info.run_id, r);
  return query.runIds.flatMap((id) => {
    const run = byId.get(id);
    return run ? [run] : [];
  });
}

export async function chartFor(
  client: RestClient,
  query: ChartQuery,
  theme: "light" | "dark",
  known?: WireRun[],
  ended?: EndedHistories,
): Promise<CompareChart> {
  const wire = known ?? (await readRuns(client, query, ended));
  const runs = wire.map(toChartRun);
  const runIds = runs.map((r) => r.runId);
  const metricColumns = query.metrics.map((m) => `metrics.${m}`);
  const paramColumns = query.params.map((p) => `params.${p}`);
  let request: ChartRequest;
  // The automatic chart reads the histories too: how many steps each metric has decides its kind.
  if (query.chart === "curves" || query.chart === "auto") {
    const histories: MetricHistories = {};
    // The chart keeps about CHART_POINTS points in all (src/charts downsamples to that), so the server
    // is asked for no more per run than that share, with room for the downsampler to pick extremes.
    const perRun = Math.max(
      50,
      Math.min(POINTS_PER_RUN, Math.ceil((2 * CHART_POINTS) / (runIds.length * query.metrics.length))),
    );
    const toRead = runIds.filter((id) => !ended?.has(id));
    const answers = await Promise.all(
      query.metrics.map((key) =>
        toRead.length ? client.getMetricHistoryBulkInterval(toRead, key, { maxResults: perRun }) : [],
      ),
    );
    for (const id of runIds) {
      const saved = ended?.get(id);
      if (saved) histories[id] = { ...saved };
    }
    query.metrics.forEach((key, i) => {
      for (const p of answers[i] ?? []) {
        const byKey = histories[p.runId] ?? {};
        histories[p.runId] = byKey;
        const series = byKey[key] ?? [];
        byKey[key] = series;
        series.push({ step: p.step, timestamp: p.timestamp, value: p.value });
      }
    });
    if (ended)
      for (const run of runs)
        if (run.status !== "RUNNING" && !ended.has(run.runId))
          ended.set(run.runId, histories[run.runId] ?? {});
    request = {
      kind: query.chart,
      runs,
      histories,
      metrics: query.metrics,
      x: query.x,
      smooth: query.smooth,
      log: query.log,
      groupBy: query.groupBy,
      theme,
    };
  } else if (query.chart === "bar") {
    request = { kind: "bar", runs, metrics: query.metrics, groupBy: query.groupBy, theme };
  } else if (query.chart === "scatter") {
    const columns = [...paramColumns, ...metricColumns];
    if (columns.length < 2)
      throw new Error("a scatter needs two columns: --params p --metrics m, or --metrics a,b");
    request = {
      kind: "scatter",
      runs,
      x: columns[0] as string,
      y: columns[columns.length - 1] as string,
      theme,
    };
  } else {
    request = { kind: "parallel", runs, columns: [...paramColumns, ...metricColumns], theme };
  }
  return {
    request,
    summary: textSummary(request),
    query: { ...query, runIds },
    running: runs.some((r) => r.status === "RUNNING"),
  };
}

/** The chart as SVG, rendered by vega itself (in the browser or in Node; loaded now, on the first chart). */
export async function renderSvg(request: ChartRequest): Promise<string> {
  const [vl, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  // The picture keeps fewer points than the interactive chart: it stays small in the saved notebook.
  const lean =
    request.kind === "curves" || request.kind === "auto" ? { ...request, maxTotalPoints: 2000 } : request;
  const compiled = vl.compile(buildChart({ ...lean, static: true } as ChartRequest)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Most metrics an inserted comparison charts: a chart per metric beyond that is more than a glance. */
export const MAX_INSERTED_METRICS = 4;

export interface CompareCellRequest {
  experimentId: string;
  /** The experiment's name when the caller knows it (read from the server otherwise). */
  experimentName?: string | null | undefined;
  runIds: readonly string[];
  /** The metric columns the user shows, in their order: preferred among the metrics the runs have. */
  shownMetrics?: readonly string[];
}

/**
 * The `%track compare` line that charts the given runs (the runs table's *Compare in notebook*): the
 * metrics those runs have — the shown columns they have first, else the metrics all of them have, else
 * any of theirs — and the runs by name, which a reader can follow, with `--experiment` so the names
 * resolve whatever experiment the notebook tracks into. A run whose name does not find exactly that run
 * in its experiment (shared with another run, or spelled like an id) is written by id.
 */
export async function compareCellSource(client: RestClient, req: CompareCellRequest): Promise<string> {
  if (req.runIds.length === 0) throw new Error("no runs selected");
  const runs = await Promise.all(req.runIds.map((id) => client.getRun(id)));
  const keysOf = (run: WireRun) => (run.data.metrics ?? []).map((m) => m.key);
  const union = [...new Set(runs.flatMap(keysOf))].sort();
  if (union.length === 0) throw new Error("the selected runs have no metrics to compare");
  const common = union.filter((k) => runs.every((r) => keysOf(r).includes(k)));
  const shown = (req.shownMetrics ?? []).filter((k) => union.includes(k));
  const metrics = (shown.length > 0 ? shown : common.length > 0 ? common : union).slice(
    0,
    MAX_INSERTED_METRICS,
  );
  const names = runs.map((r) => r.info.run_name ?? "");
  const byName = await Promise.all(
    runs.map(async (run, i) => {
      const name = names[i] as string;
      if (!name || names.indexOf(name) !== names.lastIndexOf(name)) return false;
      const { runs: found } = await client.searchRuns([run.info.experiment_id], {
        filter: nameFilter(name),
        maxResults: 2,
      });
      return found.length === 1 && found[0]?.info.run_id === run.info.run_id;
    }),
  );
  const refs = runs.map((run, i) => (byName[i] ? { name: names[i] as string } : { id: run.info.run_id }));
  const experiments = new Set(runs.map((r) => r.info.experiment_id));
  let experiment: string | undefined;
  if (byName.some(Boolean) && experiments.size === 1) {
    const id = [...experiments][0] as string;
    experiment =
      id === req.experimentId && req.experimentName
        ? req.experimentName
        : (await client.getExperiment(id)).name;
  }
  // Names resolve in one experiment only: runs of several experiments are all written by id.
  const line = compareLine({
    runs: experiments.size === 1 ? refs : runs.map((r) => ({ id: r.info.run_id })),
    metrics,
    experiment,
  });
  return line;
}
