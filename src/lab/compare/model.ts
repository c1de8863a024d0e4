// State of one comparison of runs: the runs as read from the server, the table options and the chart
// choices. No DOM: the widget renders it and the unit tests drive it against a real server.
//
// Metric histories come through `%track compare`'s chartFor (the bulk-interval API: the server
// downsamples, the browser never pulls whole histories), once per set of chosen metrics; switching x,
// smoothing or log scale only rebuilds the spec. Failures become state, never rejections, and answers
// a newer request superseded are dropped.
import { type ISignal, Signal } from "@lumino/signaling";
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
import { chartFor, toChartRun } from "../../tracking/compare.js";
import { type CellSource, readCellSource } from "../cell-source.js";
import { describeError, type Problem } from "../describe-error.js";
import { RunOutputs } from "../run-outputs.js";
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

/** What the model needs of an ILabtrackConnection (which fits as is); tests pass a plain RestClient. */
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
  private readonly _changed = new Signal<this, void>(this);
  private _state: LoadState = "idle";
  private _error: Problem | null = null;
  private _runs: ChartRun[] = [];
  private _missing: string[] = [];
  private _colors = new Map<string, string>();
  private _onlyDifferences = false;
  private _curves: CurveOptions = { metrics: [], x: "step", smooth: 0, log: false };
  private _histories: MetricHistories | null = null;
  private _historiesState: LoadState = "idle";
  private _historiesError: Problem | null = null;
  private _scatter: { x: string; y: string } | null = null;
  private _parallelColumns: string[] = [];
  private _sourcePair: { base: string; other: string } | null = null;
  private readonly _sources = new Map<string, CellSource | "loading">();
  private readonly _loggedModels = new Map<string, WireLoggedModel[]>();
  private _loggedModelsError: Problem | null = null;
  private wire: WireRun[] = [];
  private historiesFor = "";
  private generation = 0;
  private historyGeneration = 0;
  private disposed = false;

  constructor(
    private readonly source: CompareSource,
    readonly runIds: readonly string[],
  ) {}

  /** Emitted after every change of what the model shows. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): LoadState {
    return this._state;
  }

  get error(): Problem | null {
    return this._error;
  }

  get runs(): ChartRun[] {
    return this._runs;
  }

  /** Asked-for run ids the server does not know (deleted since, or mistyped). */
  get missing(): string[] {
    return this._missing;
  }

  get colors(): ReadonlyMap<string, string> {
    return this._colors;
  }

  get onlyDifferences(): boolean {
    return this._onlyDifferences;
  }

  get curves(): CurveOptions {
    return this._curves;
  }

  get histories(): MetricHistories | null {
    return this._histories;
  }

  get historiesState(): LoadState {
    return this._historiesState;
  }

  get historiesError(): Problem | null {
    return this._historiesError;
  }

  get scatter(): { x: string; y: string } | null {
    return this._scatter;
  }

  get parallelColumns(): string[] {
    return this._parallelColumns;
  }

  /** The two runs whose cell sources are diffed: a baseline (the first run by default) and another. */
  get sourcePair(): { base: string; other: string } | null {
    return this._sourcePair;
  }

  /** Cell sources read so far, by run id ("loading" while read); read again with the runs. */
  get sources(): ReadonlyMap<string, CellSource | "loading"> {
    return this._sources;
  }

  /** MLflow 3's logged models of each compared run that declared outputs; read after the runs. */
  get loggedModels(): ReadonlyMap<string, WireLoggedModel[]> {
    return this._loggedModels;
  }

  /** Why some run's logged models could not be read (the rest are shown). */
  get loggedModelsError(): Problem | null {
    return this._loggedModelsError;
  }

  get paramRows(): ParamRow[] {
    return paramRows(this._runs);
  }

  get metricRows(): MetricRow[] {
    return metricRows(this._runs);
  }

  /** Every column a scatter or the parallel coordinates can show. */
  get columns(): string[] {
    return chartColumns(this._runs);
  }

  get modelRows(): ModelRow[] {
    return modelRows(this._runs, this._loggedModels);
  }

  get metricKeys(): string[] {
    return this.metricRows.map((r) => r.key);
  }

  async load(): Promise<void> {
    const generation = ++this.generation;
    this._state = "loading";
    this._error = null;
    this.emit();
    try {
      const found = await Promise.all(this.runIds.map((id) => this.readRun(id)));
      if (generation !== this.generation || this.disposed) return;
      this.wire = found.filter((r): r is WireRun => r !== null);
      this._missing = this.runIds.filter((_, i) => found[i] === null);
      this._runs = this.wire.map(toChartRun);
      this._colors = assignRunColors(this._runs);
      this._sources.clear();
      this.keepChoicesValid();
      this._state = "ready";
      this.source.report?.(null);
    } catch (e) {
      if (generation !== this.generation || this.disposed) return;
      this._state = "error";
      this._error = describeError(e, this.source.uri);
      this.source.report?.(e);
    }
    this.emit();
    if (this._state === "ready")
      await Promise.all([this.loadHistories(), this.loadSources(), this.loadLoggedModels()]);
  }

  /** The logged models of the runs that have outputs (MLflow 3 clients declare each logged model). */
  private async loadLoggedModels(): Promise<void> {
    const generation = this.generation;
    const outputs = new RunOutputs(this.source.client, this.source.uri);
    const withModels = this.wire.filter((r) => (r.outputs?.model_outputs ?? []).length > 0);
    const listings = await Promise.all(withModels.map((run) => outputs.loggedModels(run)));
    if (generation !== this.generation || this.disposed) return;
    this._loggedModels.clear();
    this._loggedModelsError = null;
    withModels.forEach((run, i) => {
      const listing = listings[i];
      if (listing?.kind === "ok") this._loggedModels.set(run.info.run_id, listing.items);
      else if (listing?.kind === "error") this._loggedModelsError = listing.problem;
    });
    if (withModels.length > 0) this.emit();
  }

  setOnlyDifferences(on: boolean): void {
    this._onlyDifferences = on;
    this.emit();
  }

  async setCurveMetrics(metrics: readonly string[]): Promise<void> {
    this._curves = { ...this._curves, metrics: [...metrics] };
    this.emit();
    await this.loadHistories();
  }

  setCurveX(x: CurveX): void {
    this._curves = { ...this._curves, x };
    this.emit();
  }

  setSmooth(smooth: number): void {
    const s = Number.isFinite(smooth) ? Math.min(MAX_SMOOTH, Math.max(0, smooth)) : 0;
    this._curves = { ...this._curves, smooth: s };
    this.emit();
  }

  setLog(log: boolean): void {
    this._curves = { ...this._curves, log };
    this.emit();
  }

  setScatter(x: string, y: string): void {
    this._scatter = { x, y };
    this.emit();
  }

  setParallelColumns(columns: readonly string[]): void {
    this._parallelColumns = [...columns];
    this.emit();
  }

  /** Diffs `other`'s cell source against `base`'s (each one of the compared runs). */
  async setSourcePair(base: string, other: string): Promise<void> {
    const known = new Set(this._runs.map((r) => r.runId));
    if (!known.has(base) || !known.has(other) || base === other) return;
    this._sourcePair = { base, other };
    this.emit();
    await this.loadSources();
  }

  /** Reads the cell sources of the chosen pair that are not read yet (each run's at most once). */
  async loadSources(): Promise<void> {
    const pair = this._sourcePair;
    if (!pair) return;
    const wanted = [...new Set([pair.base, pair.other])].filter((id) => !this._sources.has(id));
    if (wanted.length === 0) return;
    const generation = this.generation;
    for (const id of wanted) this._sources.set(id, "loading");
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
        this._sources.set(runId, source);
        this.emit();
      }),
    );
  }

  /** The curves chart, or null while its histories are not there (or no metric is chosen). */
  curvesRequest(theme: ChartTheme): ChartRequest | null {
    if (!this._histories || this._curves.metrics.length === 0) return null;
    return {
      kind: "curves",
      runs: this._runs,
      histories: this._histories,
      metrics: this._curves.metrics,
      x: this._curves.x,
      smooth: this._curves.smooth,
      log: this._curves.log,
      theme,
    };
  }

  parallelRequest(theme: ChartTheme): ChartRequest | null {
    if (this._runs.length === 0 || this._parallelColumns.length === 0) return null;
    return { kind: "parallel", runs: this._runs, columns: this._parallelColumns, theme };
  }

  scatterRequest(theme: ChartTheme): ChartRequest | null {
    if (this._runs.length === 0 || !this._scatter) return null;
    return { kind: "scatter", runs: this._runs, x: this._scatter.x, y: this._scatter.y, theme };
  }

  /** Reads the histories of the chosen metrics unless those are the ones already read. */
  async loadHistories(): Promise<void> {
    const metrics = this._curves.metrics;
    const key = JSON.stringify(metrics);
    if (key === this.historiesFor && this._historiesState !== "error") return;
    const generation = ++this.historyGeneration;
    this.historiesFor = key;
    if (metrics.length === 0 || this.wire.length === 0) {
      this._histories = {};
      this._historiesState = "ready";
      this.emit();
      return;
    }
    this._historiesState = "loading";
    this._historiesError = null;
    this.emit();
    try {
      const chart = await chartFor(
        this.source.client,
        {
          experimentIds: [...new Set(this.wire.map((r) => r.info.experiment_id))],
          runIds: this._runs.map((r) => r.runId),
          chart: "curves",
          metrics,
          params: [],
          x: this._curves.x,
          smooth: this._curves.smooth,
          log: this._curves.log,
        },
        "light",
        this.wire,
      );
      if (generation !== this.historyGeneration || this.disposed) return;
      this._histories = chart.request.kind === "curves" ? chart.request.histories : {};
      this._historiesState = "ready";
      this.source.report?.(null);
    } catch (e) {
      if (generation !== this.historyGeneration || this.disposed) return;
      this._historiesState = "error";
      this._historiesError = describeError(e, this.source.uri);
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
    const kept = this._curves.metrics.filter((m) => metrics.has(m));
    this._curves = { ...this._curves, metrics: kept.length ? kept : defaultCurveMetrics(this._runs) };
    if (!this._scatter || !columns.has(this._scatter.x) || !columns.has(this._scatter.y))
      this._scatter = defaultScatter([...columns]);
    const parallel = this._parallelColumns.filter((c) => columns.has(c));
    this._parallelColumns = parallel.length ? parallel : defaultParallel(this._runs);
    const ids = this._runs.map((r) => r.runId);
    const pair = this._sourcePair;
    if (!pair || !ids.includes(pair.base) || !ids.includes(pair.other) || pair.base === pair.other)
      this._sourcePair = ids.length >= 2 ? { base: ids[0] as string, other: ids[1] as string } : null;
  }

  private emit(): void {
    if (!this.disposed) this._changed.emit();
  }
}
