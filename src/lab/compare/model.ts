// State of one comparison of runs: the runs as read from the server, the table options and the chart
// choices. No DOM: the widget renders it and the unit tests drive it against a real server.
//
// Metric histories come through `%track compare`'s chartFor (the bulk-interval API: the server
// downsamples, the browser never pulls whole histories), once per set of chosen metrics; switching x,
// smoothing or log scale only rebuilds the spec. Failures become state, never rejections, and answers
// a newer request superseded are dropped.
import { Signal } from "@lumino/signaling";
import {
  assignRunColors,
  type ChartRequest,
  type ChartRun,
  type ChartTheme,
  type CurveX,
  type MetricHistories,
} from "../../charts/index.js";
import { MlflowApiError } from "../../client/errors.js";
import type { RestClient } from "../../client/rest.js";
import type { WireLoggedModel, WireRun } from "../../client/wire.js";
import { type CellSource, readCellSource } from "../cell-source.js";
import { describeError, type Problem } from "../describe-error.js";
import { RunOutputs } from "../run-outputs.js";
import { chartFor, toChartRun } from "../tracking/compare.js";
import {
  chartColumns,
  defaultCurveMetrics,
  defaultParallel,
  defaultScatter,
  type MetricRow,
  type ModelRow,
  metricRows,
  modelRows,
  type ParamRow,
  paramRows,
} from "./tables.js";

/** What the model needs of a TrackingConnection (which fits as is); tests pass a plain RestClient. */
export interface CompareSource {
  readonly client: RestClient;
  readonly uri: string;
  report?(error: unknown | null): void;
}

export type LoadState = "idle" | "loading" | "ready" | "error";

export interface CurveOptions {
  metrics: string[];
  x: CurveX;
  /** EMA weight in [0, 0.99]. */
  smooth: number;
  log: boolean;
}

export const MAX_SMOOTH = 0.99;

export class CompareModel {
  readonly changed = new Signal<this, void>(this);
  state: LoadState = "idle";
  error: Problem | null = null;
  runs: ChartRun[] = [];
  /** Asked-for run ids the server does not know (deleted since, or mistyped). */
  missing: string[] = [];
  colors = new Map<string, string>();
  onlyDifferences = false;
  curves: CurveOptions = { metrics: [], x: "step", smooth: 0, log: false };
  histories: MetricHistories | null = null;
  historiesState: LoadState = "idle";
  historiesError: Problem | null = null;
  scatter: { x: string; y: string } | null = null;
  parallelColumns: string[] = [];
  /** The two runs whose cell sources are diffed: a baseline (the first run by default) and another. */
  sourcePair: { base: string; other: string } | null = null;
  /** Cell sources read so far, by run id ("loading" while read); read again with the runs. */
  readonly sources = new Map<string, CellSource | "loading">();
  /** MLflow 3's logged models of each compared run that declared outputs; read after the runs. */
  readonly loggedModels = new Map<string, WireLoggedModel[]>();
  /** Why some run's logged models could not be read (the rest are shown). */
  loggedModelsError: Problem | null = null;
  private wire: WireRun[] = [];
  private historiesFor = "";
  private generation = 0;
  private historyGeneration = 0;
  private disposed = false;

  constructor(
    private readonly source: CompareSource,
    readonly runIds: readonly string[],
  ) {}

  get paramRows(): ParamRow[] {
    return paramRows(this.runs);
  }

  get metricRows(): MetricRow[] {
    return metricRows(this.runs);
  }

  /** Every column a scatter or the parallel coordinates can show. */
  get columns(): string[] {
    return chartColumns(this.runs);
  }

  get modelRows(): ModelRow[] {
    return modelRows(this.runs, this.loggedModels);
  }

  get metricKeys(): string[] {
    return this.metricRows.map((r) => r.key);
  }

  async load(): Promise<void> {
    const generation = ++this.generation;
    this.state = "loading";
    this.error = null;
    this.emit();
    try {
      const found = await Promise.all(this.runIds.map((id) => this.readRun(id)));
      if (generation !== this.generation || this.disposed) return;
      this.wire = found.filter((r): r is WireRun => r !== null);
      this.missing = this.runIds.filter((_, i) => found[i] === null);
      this.runs = this.wire.map(toChartRun);
      this.colors = assignRunColors(this.runs);
      this.sources.clear();
      this.keepChoicesValid();
      this.state = "ready";
      this.source.report?.(null);
    } catch (e) {
      if (generation !== this.generation || this.disposed) return;
      this.state = "error";
      this.error = describeError(e, this.source.uri);
      this.source.report?.(e);
    }
    this.emit();
    if (this.state === "ready")
      await Promise.all([this.loadHistories(), this.loadSources(), this.loadLoggedModels()]);
  }

  /** The logged models of the runs that have outputs (MLflow 3 clients declare each logged model). */
  private async loadLoggedModels(): Promise<void> {
    const generation = this.generation;
    const outputs = new RunOutputs(this.source.client, this.source.uri);
    const withModels = this.wire.filter((r) => (r.outputs?.model_outputs ?? []).length > 0);
    const listings = await Promise.all(withModels.map((run) => outputs.loggedModels(run)));
    if (generation !== this.generation || this.disposed) return;
    this.loggedModels.clear();
    this.loggedModelsError = null;
    withModels.forEach((run, i) => {
      const listing = listings[i];
      if (listing?.kind === "ok") this.loggedModels.set(run.info.run_id, listing.items);
      else if (listing?.kind === "error") this.loggedModelsError = listing.problem;
    });
    if (withModels.length > 0) this.emit();
  }

  setOnlyDifferences(on: boolean): void {
    this.onlyDifferences = on;
    this.emit();
  }

  async setCurveMetrics(metrics: readonly string[]): Promise<void> {
    this.curves = { ...this.curves, metrics: [...metrics] };
    this.emit();
    await this.loadHistories();
  }

  setCurveX(x: CurveX): void {
    this.curves = { ...this.curves, x };
    this.emit();
  }

  setSmooth(smooth: number): void {
    const s = Number.isFinite(smooth) ? Math.min(MAX_SMOOTH, Math.max(0, smooth)) : 0;
    this.curves = { ...this.curves, smooth: s };
    this.emit();
  }

  setLog(log: boolean): void {
    this.curves = { ...this.curves, log };
    this.emit();
  }

  setScatter(x: string, y: string): void {
    this.scatter = { x, y };
    this.emit();
  }

  setParallelColumns(columns: readonly string[]): void {
    this.parallelColumns = [...columns];
    this.emit();
  }

  /** Diffs `other`'s cell source against `base`'s (each one of the compared runs). */
  async setSourcePair(base: string, other: string): Promise<void> {
    const known = new Set(this.runs.map((r) => r.runId));
    if (!known.has(base) || !known.has(other) || base === other) return;
    this.sourcePair = { base, other };
    this.emit();
    await this.loadSources();
  }

  /** Reads the cell sources of the chosen pair that are not read yet (each run's at most once). */
  async loadSources(): Promise<void> {
    const pair = this.sourcePair;
    if (!pair) return;
    const wanted = [...new Set([pair.base, pair.other])].filter((id) => !this.sources.has(id));
    if (wanted.length === 0) return;
    const generation = this.generation;
    for (const id of wanted) this.sources.set(id, "loading");
    this.emit();
    await Promise.all(
      wanted.map(async (runId) => {
        const run = this.wire.find((r) => r.info.run_id === runId);
        const source = await readCellSource(
          this.source.client,
          { runId, artifactUri: run?.info.artifact_uri ?? "" },
          this.source.uri,
        );
        // Runs read again meanwhile: their sources are read again with them.
        if (generation !== this.generation || this.disposed) return;
        this.sources.set(runId, source);
        this.emit();
      }),
    );
  }

  /** The curves chart, or null while its histories are not there (or no metric is chosen). */
  curvesRequest(theme: ChartTheme): ChartRequest | null {
    if (!this.histories || this.curves.metrics.length === 0) return null;
    return {
      kind: "curves",
      runs: this.runs,
      histories: this.histories,
      metrics: this.curves.metrics,
      x: this.curves.x,
      smooth: this.curves.smooth,
      log: this.curves.log,
      theme,
    };
  }

  parallelRequest(theme: ChartTheme): ChartRequest | null {
    if (this.runs.length === 0 || this.parallelColumns.length === 0) return null;
    return { kind: "parallel", runs: this.runs, columns: this.parallelColumns, theme };
  }

  scatterRequest(theme: ChartTheme): ChartRequest | null {
    if (this.runs.length === 0 || !this.scatter) return null;
    return { kind: "scatter", runs: this.runs, x: this.scatter.x, y: this.scatter.y, theme };
  }

  /** Reads the histories of the chosen metrics unless those are the ones already read. */
  async loadHistories(): Promise<void> {
    const metrics = this.curves.metrics;
    const key = JSON.stringify(metrics);
    if (key === this.historiesFor && this.historiesState !== "error") return;
    const generation = ++this.historyGeneration;
    this.historiesFor = key;
    if (metrics.length === 0 || this.wire.length === 0) {
      this.histories = {};
      this.historiesState = "ready";
      this.emit();
      return;
    }
    this.historiesState = "loading";
    this.historiesError = null;
    this.emit();
    try {
      const chart = await chartFor(
        this.source.client,
        {
          experimentIds: [...new Set(this.wire.map((r) => r.info.experiment_id))],
          runIds: this.runs.map((r) => r.runId),
          chart: "curves",
          metrics,
          params: [],
          x: this.curves.x,
          smooth: this.curves.smooth,
          log: this.curves.log,
        },
        "light",
        this.wire,
      );
      if (generation !== this.historyGeneration || this.disposed) return;
      this.histories = chart.request.kind === "curves" ? chart.request.histories : {};
      this.historiesState = "ready";
      this.source.report?.(null);
    } catch (e) {
      if (generation !== this.historyGeneration || this.disposed) return;
      this.historiesState = "error";
      this.historiesError = describeError(e, this.source.uri);
      this.source.report?.(e);
    }
    this.emit();
  }

  dispose(): void {
    this.disposed = true;
    Signal.clearData(this);
  }

  private async readRun(runId: string): Promise<WireRun | null> {
    try {
      return await this.source.client.getRun(runId);
    } catch (e) {
      if (e instanceof MlflowApiError && e.errorCode === "RESOURCE_DOES_NOT_EXIST") return null;
      throw e;
    }
  }

  /** Choices that name columns the runs no longer have are replaced by defaults. */
  private keepChoicesValid(): void {
    const columns = new Set(this.columns);
    const metrics = new Set(this.metricKeys);
    const kept = this.curves.metrics.filter((m) => metrics.has(m));
    this.curves = { ...this.curves, metrics: kept.length ? kept : defaultCurveMetrics(this.runs) };
    if (!this.scatter || !columns.has(this.scatter.x) || !columns.has(this.scatter.y))
      this.scatter = defaultScatter([...columns]);
    const parallel = this.parallelColumns.filter((c) => columns.has(c));
    this.parallelColumns = parallel.length ? parallel : defaultParallel(this.runs);
    const ids = this.runs.map((r) => r.runId);
    const pair = this.sourcePair;
    if (!pair || !ids.includes(pair.base) || !ids.includes(pair.other) || pair.base === pair.other)
      this.sourcePair = ids.length >= 2 ? { base: ids[0] as string, other: ids[1] as string } : null;
  }

  private emit(): void {
    if (!this.disposed) this.changed.emit();
  }
}
