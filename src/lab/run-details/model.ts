// State of one run's details view: the run, the latest sparkline histories, and the actions on it
// (tags, note, artifacts, histories). No DOM: the view renders it and the unit tests drive it against a
// real server. Every failure becomes state or an Outcome, never a rejection: a deleted run, a server
// that went away or a 403 are things to show, not exceptions.
import { type ISignal, Signal } from "@lumino/signaling";
import { MlflowApiError } from "../../client/errors.js";
import { fromWireDouble, type MetricPoint, RestClient } from "../../client/rest.js";
import type {
  RunStatus,
  WireFileInfo,
  WireLoggedModel,
  WireRun,
  WireTag,
  WireTraceInfo,
} from "../../client/wire.js";
import { TAGS as CELL_TAGS } from "../../tracking/cell-run.js";
import { type CellSource, hasTraceback, readCellSource } from "../cell-source.js";
import { describeError, type Problem } from "../describe-error.js";
import { __ } from "../i18n.js";
import { foldersFirst, type Listing, type OutputsClient, RunOutputs } from "../run-outputs.js";
import { type NotebookPreview, readNotebookPreview } from "./notebook-preview.js";
import type { SparkPoint } from "./sparkline.js";

export const TAG = {
  user: "mlflow.user",
  sourceName: "mlflow.source.name",
  gitCommit: "mlflow.source.git.commit",
  note: "mlflow.note.content",
  parentRunId: "mlflow.parentRunId",
  runName: "mlflow.runName",
  notebook: "labtrack.notebook.path",
  cellId: "labtrack.cell.id",
  errorName: CELL_TAGS.errorName,
  errorMessage: CELL_TAGS.errorMessage,
  killedReason: CELL_TAGS.killedReason,
  /** Set by `labtrack run` on a headless execution's parent run: the executed notebook's artifact path. */
  executedNotebook: "labtrack.executed_notebook",
} as const;

/** A headless execution's notebook as read for the preview (or why it could not be). */
export interface ExecutedNotebook {
  path: string;
  preview: NotebookPreview | null;
  problem: Problem | null;
}

/** Why a tracked cell's run failed or was killed, from the tags the cell wrote when it ended. */
export interface RunFailure {
  /** The exception's type ("ZeroDivisionError"), or "". */
  name: string;
  message: string;
  /** Why the run was killed without an exception (the kernel died, the heartbeat expired), or "". */
  killedReason: string;
}

/** Points per sparkline and per full history chart, downsampled by the server. */
export const SPARK_POINTS = 100;
export const CHART_POINTS = 1000;
/** Sparklines fetched at most: beyond, the table shows values only. */
export const MAX_SPARKLINES = 200;

export type Outcome<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** What the model needs of an ILabtrackConnection (which fits as is); tests pass a plain RestClient. */
export interface RunDetailsSource {
  readonly client: Pick<
    RestClient,
    "getRun" | "setTag" | "deleteTag" | "getMetricHistoryBulkInterval" | "listArtifacts" | "downloadArtifact"
  > &
    OutputsClient;
  readonly uri: string;
  readonly settings?: { readonly refreshIntervalS: number };
  report?(error: unknown | null): void;
}

export interface LatestMetric {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

export type DetailsState = "loading" | "ready" | "error";

export const isSystemTag = (key: string): boolean => key.startsWith("mlflow.") || key.startsWith("labtrack.");

export class RunDetailsModel {
  private readonly _changed = new Signal<this, void>(this);
  private _run: WireRun | null = null;
  private _state: DetailsState = "loading";
  private _error: Problem | null = null;
  private _gone = false;
  private _actionError: Problem | null = null;
  private readonly _sparklines = new Map<string, SparkPoint[]>();
  private _cellSource: CellSource | null = null;
  private _traceback = false;
  private _executedNotebook: ExecutedNotebook | null = null;
  private _loggedModels: Listing<WireLoggedModel> | null = null;
  private _traces: Listing<WireTraceInfo> | null = null;
  /** Reads logged models, traces, trace trees and model files for this view. */
  readonly outputs: RunOutputs;
  /** The run's status and end when the source and traceback were read: they are read again on change. */
  private extrasFor: string | null = null;
  /** Likewise for the logged models and traces (also read again at each refresh while the run runs). */
  private outputsFor: string | null = null;
  /** The latest step and time of each metric when its sparkline was fetched. */
  private readonly sparkSeen = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;
  private disposed = false;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly source: RunDetailsSource,
    readonly runId: string,
  ) {
    this.outputs = new RunOutputs(source.client, source.uri);
  }

  /** Emitted after every change of what the model shows. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get run(): WireRun | null {
    return this._run;
  }

  get state(): DetailsState {
    return this._state;
  }

  /** Why the run could not be (re)loaded; the last loaded run stays shown meanwhile. */
  get error(): Problem | null {
    return this._error;
  }

  /** The server says there is no such run (any more), or it is in the trash. */
  get gone(): boolean {
    return this._gone;
  }

  /** Why the last edit (tag, note) failed. */
  get actionError(): Problem | null {
    return this._actionError;
  }

  get sparklines(): ReadonlyMap<string, SparkPoint[]> {
    return this._sparklines;
  }

  /** The source of the cell that made the run; null until it was read. */
  get cellSource(): CellSource | null {
    return this._cellSource;
  }

  /** Whether the run kept its failed cell's traceback (TRACEBACK_PATH). */
  get traceback(): boolean {
    return this._traceback;
  }

  /** The notebook `labtrack run` executed, when this run is a headless execution; null otherwise. */
  get executedNotebook(): ExecutedNotebook | null {
    return this._executedNotebook;
  }

  /** MLflow 3's logged models of the run (its outputs, or made with it); null until read. */
  get loggedModels(): Listing<WireLoggedModel> | null {
    return this._loggedModels;
  }

  /** The traces recorded under the run; null until read. */
  get traces(): Listing<WireTraceInfo> | null {
    return this._traces;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get status(): RunStatus | null {
    return this._run?.info.status ?? null;
  }

  get running(): boolean {
    return this.status === "RUNNING";
  }

  get name(): string {
    return this._run?.info.run_name || this.tag(TAG.runName) || this.runId;
  }

  /** Milliseconds from start to end, or to `now` while running. */
  durationMs(now = Date.now()): number | undefined {
    const info = this._run?.info;
    if (info?.start_time === undefined) return undefined;
    const end = info.end_time ?? (info.status === "RUNNING" ? now : undefined);
    return end === undefined ? undefined : Math.max(0, end - info.start_time);
  }

  tag(key: string): string | undefined {
    return this._run?.data.tags?.find((t) => t.key === key)?.value;
  }

  get user(): string {
    return this._run?.info.user_id || this.tag(TAG.user) || "";
  }

  get params(): WireTag[] {
    return [...(this._run?.data.params ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  }

  get metrics(): LatestMetric[] {
    return (this._run?.data.metrics ?? [])
      .map((m) => ({ key: m.key, value: fromWireDouble(m.value), step: m.step, timestamp: m.timestamp }))
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Tags the user set: editable. */
  get userTags(): WireTag[] {
    return this.sortedTags().filter((t) => !isSystemTag(t.key));
  }

  /** mlflow.* and labtrack.* tags (but the note, which has its own section): read-only. */
  get systemTags(): WireTag[] {
    return this.sortedTags().filter((t) => isSystemTag(t.key) && t.key !== TAG.note);
  }

  /** The error of a failed or killed tracked cell; null when the run has none. */
  get failure(): RunFailure | null {
    const failure = {
      name: this.tag(TAG.errorName) ?? "",
      message: this.tag(TAG.errorMessage) ?? "",
      killedReason: this.tag(TAG.killedReason) ?? "",
    };
    return failure.name || failure.message || failure.killedReason ? failure : null;
  }

  get note(): string {
    return this.tag(TAG.note) ?? "";
  }

  private sortedTags(): WireTag[] {
    return [...(this._run?.data.tags ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Loads the run (and its sparklines), then keeps reloading at the refresh interval while it runs. */
  start(): Promise<void> {
    return this.reload();
  }

  reload(): Promise<void> {
    if (this.loading) return this.loading;
    this.stopTimer();
    this.loading = this.load().finally(() => {
      this.loading = null;
      this.schedule();
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const generation = ++this.generation;
    try {
      const run = await this.source.client.getRun(this.runId);
      this.source.report?.(null);
      if (generation !== this.generation || this.disposed) return;
      this._run = run;
      this._gone = run.info.lifecycle_stage === "deleted";
      this._error = this._gone
        ? { summary: __("deleted"), detail: __("This run is in the trash: restore it to see it again.") }
        : null;
      this._state = "ready";
      this.emit();
      await Promise.all([
        this.loadSparklines(generation),
        this.loadExtras(generation, run),
        this.loadOutputs(generation, run),
      ]);
    } catch (e) {
      if (generation !== this.generation || this.disposed) return;
      const missing = e instanceof MlflowApiError && e.errorCode === "RESOURCE_DOES_NOT_EXIST";
      if (!missing) this.source.report?.(e);
      this._gone = missing;
      this._error = missing
        ? {
            summary: __("not found"),
            detail: __("The tracking server has no run %1 (was it deleted?).", this.runId),
          }
        : describeError(e, this.source.uri);
      this._state = this._run ? "ready" : "error";
      this.emit();
    }
  }

  /** Every metric's recent shape, a few at a time; the server downsamples long histories. */
  private async loadSparklines(generation: number): Promise<void> {
    // Only metrics with new points since their sparkline was fetched: a live run with many metrics
    // costs a request per metric that moved, not one per metric.
    const latest = this.metrics.slice(0, MAX_SPARKLINES);
    const keys = latest
      .filter((m) => this.sparkSeen.get(m.key) !== `${m.step} ${m.timestamp}` || !this._sparklines.has(m.key))
      .map((m) => m.key);
    const seen = new Map(latest.map((m) => [m.key, `${m.step} ${m.timestamp}`]));
    let next = 0;
    let changed = false;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        const points = await this.source.client.getMetricHistoryBulkInterval([this.runId], key, {
          maxResults: SPARK_POINTS,
        });
        if (generation !== this.generation) return;
        this._sparklines.set(
          key,
          points.map((p) => ({ step: p.step, value: p.value })),
        );
        this.sparkSeen.set(key, seen.get(key) ?? "");
        changed = true;
      }
    };
    try {
      await Promise.all([worker(), worker(), worker(), worker()]);
    } catch {
      // Sparklines are a nicety: the values stay shown without them, and the next refresh tries again.
    }
    if (changed && generation === this.generation && !this.disposed) this.emit();
  }

  /** Reads the cell source and looks for the traceback when the run is new here, changed status or
   * ended, or still runs without its source (a tracked cell uploads it while the code runs). */
  private async loadExtras(generation: number, run: WireRun): Promise<void> {
    const key = `${run.info.status}|${run.info.end_time ?? ""}`;
    const sourcePending = run.info.status === "RUNNING" && this._cellSource?.kind !== "found";
    if (key === this.extrasFor && !sourcePending) return;
    const ended = run.info.status === "FAILED" || run.info.status === "KILLED";
    const notebookPath = run.data.tags?.find((t) => t.key === TAG.executedNotebook)?.value;
    const [source, traceback, notebook] = await Promise.all([
      readCellSource(
        this.source.client,
        { runId: this.runId, artifactUri: run.info.artifact_uri ?? "" },
        this.source.uri,
      ),
      ended ? hasTraceback(this.source.client, this.runId) : Promise.resolve(false),
      notebookPath ? this.readExecutedNotebook(notebookPath) : Promise.resolve(null),
    ]);
    if (generation !== this.generation || this.disposed) return;
    this.extrasFor = key;
    const changed =
      JSON.stringify([source, traceback, notebook]) !==
      JSON.stringify([this._cellSource, this._traceback, this._executedNotebook]);
    this._cellSource = source;
    this._traceback = traceback;
    this._executedNotebook = notebook;
    if (changed) this.emit();
  }

  /** Reads the logged models and traces when the run is new here, changed, or still runs (a running
   * cell logs models and records traces as it goes). */
  private async loadOutputs(generation: number, run: WireRun): Promise<void> {
    const key = `${run.info.status}|${run.info.end_time ?? ""}|${JSON.stringify(run.outputs ?? {})}`;
    if (key === this.outputsFor && run.info.status !== "RUNNING") return;
    const [models, traces] = await Promise.all([this.outputs.loggedModels(run), this.outputs.traces(run)]);
    if (generation !== this.generation || this.disposed) return;
    this.outputsFor = key;
    const changed = JSON.stringify([models, traces]) !== JSON.stringify([this._loggedModels, this._traces]);
    this._loggedModels = models;
    this._traces = traces;
    if (changed) this.emit();
  }

  /** Reads the executed notebook artifact for the preview; a failure is kept as its problem. */
  private async readExecutedNotebook(path: string): Promise<ExecutedNotebook> {
    const blob = await this.downloadArtifact(path);
    if (!blob.ok) return { path, preview: null, problem: blob.problem };
    try {
      return { path, preview: readNotebookPreview(JSON.parse(await blob.value.text())), problem: null };
    } catch (e) {
      return { path, preview: { ok: false, reason: `not JSON (${(e as Error).message})` }, problem: null };
    }
  }

  /** Reloads the run and reads its cell source and traceback again (the Refresh button). */
  refresh(): Promise<void> {
    this.extrasFor = null;
    this.outputsFor = null;
    return this.reload();
  }

  private schedule(): void {
    if (this.disposed || !this.running) return;
    const seconds = this.source.settings?.refreshIntervalS ?? 5;
    if (!(seconds > 0)) return;
    this.timer = setTimeout(() => void this.reload(), seconds * 1000);
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  // ---------------------------------------------------------------- edits

  setTag(key: string, value: string): Promise<boolean> {
    return this.edit(() => this.source.client.setTag(this.runId, key, value));
  }

  deleteTag(key: string): Promise<boolean> {
    return this.edit(() => this.source.client.deleteTag(this.runId, key));
  }

  setNote(text: string): Promise<boolean> {
    return this.setTag(TAG.note, text);
  }

  /** Tag keys the user may set here: not system ones (those belong to MLflow and Labtrack). */
  static tagKeyProblem(key: string): string | null {
    if (!key.trim()) return __("A tag needs a name.");
    if (key !== key.trim()) return __("A tag name cannot start or end with spaces.");
    if (isSystemTag(key))
      return __("Names starting with %1 or %2 are reserved for the system.", "mlflow.", "labtrack.");
    if (key.length > 250) return __("A tag name can have at most %1 characters.", 250);
    return null;
  }

  private async edit(action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      this.source.report?.(null);
      this._actionError = null;
    } catch (e) {
      this._actionError = describeError(e, this.source.uri);
      this.emit();
      return false;
    }
    await this.reload();
    return true;
  }

  // ---------------------------------------------------------------- histories and artifacts

  /** One metric's history for the full chart, downsampled by the server to at most `maxResults` steps. */
  async history(key: string, maxResults = CHART_POINTS): Promise<Outcome<MetricPoint[]>> {
    return this.attempt(async () =>
      (await this.source.client.getMetricHistoryBulkInterval([this.runId], key, { maxResults })).map(
        ({ key: k, value, step, timestamp }) => ({ key: k, value, step, timestamp }),
      ),
    );
  }

  /** The files and folders directly under `path` ("" for the root), folders first. */
  async listArtifacts(path = ""): Promise<Outcome<WireFileInfo[]>> {
    return this.attempt(async () => {
      const { files } = await this.source.client.listArtifacts(this.runId, path || undefined);
      return foldersFirst(files);
    });
  }

  /** An artifact's bytes, through the same connection (the Jupyter proxy in the Lab). */
  async downloadArtifact(path: string): Promise<Outcome<Blob>> {
    const uri = this._run?.info.artifact_uri ?? "";
    const proxyPath = RestClient.proxyPath(uri, path);
    if (proxyPath === null)
      return {
        ok: false,
        problem: {
          summary: __("not served"),
          detail: __(
            "This run's artifacts are stored at %1, which the tracking server does not serve: open them there.",
            uri || __("an unknown place"),
          ),
        },
      };
    return this.attempt(async () => (await this.source.client.downloadArtifact(proxyPath)).blob());
  }

  private async attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
    try {
      const value = await work();
      this.source.report?.(null);
      return { ok: true, value };
    } catch (e) {
      return { ok: false, problem: describeError(e, this.source.uri) };
    }
  }

  private emit(): void {
    if (!this.disposed) this._changed.emit();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopTimer();
    Signal.clearData(this);
  }
}
