// State of the sidebar panel: the experiments (and, on request, the deleted ones), the selected one and
// its latest runs, the current notebook's experiment, and the outcome of the last edit. Views render it;
// every request's failure becomes `error` or `actionError` (never an unhandled rejection), and answers
// that arrive after a newer request started are dropped so a slow server cannot show stale runs.
import { type ISignal, Signal } from "@lumino/signaling";
import { fromWireDouble } from "../../client/rest.js";
import type { RunStatus, WireExperiment, WireRun } from "../../client/wire.js";
import { runError } from "../../tracking/cell-run.js";
import { describeError, type Problem } from "../describe-error.js";
import { __ } from "../i18n.js";
import type { ILabtrackConnection } from "../tokens.js";

export interface RunRow {
  runId: string;
  name: string;
  status: RunStatus;
  startTime?: number | undefined;
  /** Wall time so far for running runs. */
  durationMs?: number | undefined;
  /** Latest value of each metric, by key, sorted by key. */
  metrics: ReadonlyArray<{ key: string; value: number }>;
  params: Readonly<Record<string, string>>;
  /** Why a tracked cell's run failed or was killed (`ZeroDivisionError: division by zero`). */
  error?: string | undefined;
}

export type LoadState = "idle" | "loading" | "ready" | "error";

/** An edit that failed: what the user tried, and why it failed. */
export interface ActionError {
  action: string;
  problem: Problem;
}

export type ActionResult = { ok: true } | { ok: false; error: ActionError };

/** Where the current experiment comes from: the notebook's `%track experiment`, or the settings. */
export type CurrentSource = "notebook" | "default";

export const RUNS_SHOWN = 50;

/** Tags MLflow itself writes (mlflow.note.content and the like): shown, but not edited here. */
export const isSystemTag = (key: string): boolean => key.startsWith("mlflow.");

export function toRunRow(run: WireRun, now: number = Date.now()): RunRow {
  const info = run.info;
  const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
  const name = info.run_name || tags["mlflow.runName"] || info.run_id;
  const end = info.end_time ?? (info.status === "RUNNING" ? now : undefined);
  return {
    runId: info.run_id,
    name,
    status: info.status,
    startTime: info.start_time,
    durationMs: info.start_time !== undefined && end !== undefined ? end - info.start_time : undefined,
    metrics: (run.data.metrics ?? [])
      .map((m) => ({ key: m.key, value: fromWireDouble(m.value) }))
      .sort((a, b) => a.key.localeCompare(b.key)),
    params: Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value])),
    error: runError(tags),
  };
}

/**
 * Per run, the params whose values differ among `runs` (a key some runs lack counts as differing),
 * as `key=value` by key: what tells re-runs of one cell apart. Runs without such params get [].
 */
export function differingParams(runs: readonly RunRow[]): Map<string, string[]> {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.params)));
  const differing = [...keys]
    .filter((k) => new Set(runs.map((r) => r.params[k])).size > 1)
    .sort((a, b) => a.localeCompare(b));
  return new Map(
    runs.map((r) => [
      r.runId,
      differing.filter((k) => r.params[k] !== undefined).map((k) => `${k}=${r.params[k]}`),
    ]),
  );
}

/** Case-insensitive: the name, or any tag's key or value, contains the text. */
export function matchesFilter(experiment: WireExperiment, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  if (experiment.name.toLowerCase().includes(needle)) return true;
  return (experiment.tags ?? []).some(
    (t) => t.key.toLowerCase().includes(needle) || t.value.toLowerCase().includes(needle),
  );
}

type State = Pick<
  ExperimentsModel,
  | "experiments"
  | "deleted"
  | "showDeleted"
  | "filterText"
  | "selectedId"
  | "runs"
  | "runsLoading"
  | "moreRuns"
  | "state"
  | "error"
  | "actionError"
  | "cellFilter"
  | "highlightedRunId"
  | "current"
>;

export class ExperimentsModel {
  private readonly _changed = new Signal<this, void>(this);
  /** What the panel shows, read through the getters below; changed only by `set`, which emits. */
  private readonly fields: State = {
    experiments: [],
    deleted: [],
    showDeleted: false,
    filterText: "",
    selectedId: null,
    runs: [],
    runsLoading: false,
    moreRuns: false,
    state: "idle",
    error: null,
    actionError: null,
    cellFilter: null,
    highlightedRunId: null,
    current: null,
  };
  private generation = 0;

  constructor(
    private readonly connection: ILabtrackConnection,
    private readonly preferredExperiment: () => string = () => "",
  ) {}

  /** Emitted after every change of what the model shows. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get experiments(): WireExperiment[] {
    return this.fields.experiments;
  }

  /** Deleted experiments; loaded only while `showDeleted`. */
  get deleted(): WireExperiment[] {
    return this.fields.deleted;
  }

  get showDeleted(): boolean {
    return this.fields.showDeleted;
  }

  get filterText(): string {
    return this.fields.filterText;
  }

  get selectedId(): string | null {
    return this.fields.selectedId;
  }

  get runs(): RunRow[] {
    return this.fields.runs;
  }

  /** The selection changed and its runs are on their way (`runs` is empty meanwhile). */
  get runsLoading(): boolean {
    return this.fields.runsLoading;
  }

  /** More runs exist than RUNS_SHOWN. */
  get moreRuns(): boolean {
    return this.fields.moreRuns;
  }

  get state(): LoadState {
    return this.fields.state;
  }

  /** Why the list could not be loaded. */
  get error(): Problem | null {
    return this.fields.error;
  }

  /** Why the last edit (create, rename, delete, restore, tag, open) failed; until dismissed. */
  get actionError(): ActionError | null {
    return this.fields.actionError;
  }

  /** Only the runs of one notebook cell (its history), when set. */
  get cellFilter(): { cellId: string; label: string } | null {
    return this.fields.cellFilter;
  }

  /** The run to bring into view and mark (opened from a cell's badge). */
  get highlightedRunId(): string | null {
    return this.fields.highlightedRunId;
  }

  /** The name of the experiment the current notebook tracks into. */
  get current(): { name: string; source: CurrentSource } | null {
    return this.fields.current;
  }

  get selected(): WireExperiment | undefined {
    return this.fields.experiments.find((e) => e.experiment_id === this.fields.selectedId);
  }

  /** The experiments the filter lets through, in list order. */
  get visibleExperiments(): WireExperiment[] {
    return this.fields.experiments.filter((e) => matchesFilter(e, this.fields.filterText));
  }

  get visibleDeleted(): WireExperiment[] {
    return this.fields.showDeleted
      ? this.fields.deleted.filter((e) => matchesFilter(e, this.fields.filterText))
      : [];
  }

  /** The current notebook's experiment, when it exists (and is not deleted). */
  get currentExperiment(): WireExperiment | undefined {
    const name = this.fields.current?.name;
    return name ? this.fields.experiments.find((e) => e.name === name) : undefined;
  }

  /** An active or deleted experiment by id. */
  find(experimentId: string): WireExperiment | undefined {
    return (
      this.fields.experiments.find((e) => e.experiment_id === experimentId) ??
      this.fields.deleted.find((e) => e.experiment_id === experimentId)
    );
  }

  /** The visible experiment `delta` places from the selected one (clamped), for arrow keys. */
  neighbour(delta: number): WireExperiment | undefined {
    const list = this.visibleExperiments;
    if (list.length === 0) return undefined;
    const at = list.findIndex((e) => e.experiment_id === this.fields.selectedId);
    if (at < 0) return delta >= 0 ? list[0] : list[list.length - 1];
    return list[Math.min(list.length - 1, Math.max(0, at + delta))];
  }

  setFilter(text: string): void {
    if (text !== this.fields.filterText) this.set({ filterText: text });
  }

  /**
   * Follows the current notebook. A name not listed yet (`%track experiment` just created it) makes
   * the list reload once.
   */
  setCurrent(name: string | null, source: CurrentSource = "notebook"): void {
    const next = name ? { name, source } : null;
    if (next?.name === this.fields.current?.name && next?.source === this.fields.current?.source) return;
    this.set({ current: next });
    if (next && this.fields.state === "ready" && !this.fields.experiments.some((e) => e.name === next.name))
      void this.refresh();
  }

  async setShowDeleted(show: boolean): Promise<void> {
    if (show === this.fields.showDeleted) return;
    this.set({ showDeleted: show, deleted: show ? this.fields.deleted : [] });
    await this.refresh();
  }

  dismissActionError(): void {
    if (this.fields.actionError) this.set({ actionError: null });
  }

  /** Shows a failure of something done outside the model (a command of another view). */
  fail(action: string, error: unknown): ActionError {
    const actionError = { action, problem: describeError(error, this.connection.uri) };
    this.set({ actionError });
    return actionError;
  }

  /** Reloads experiments and the selected experiment's runs. Never rejects. */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    if (this.fields.state !== "ready") this.set({ state: "loading" });
    try {
      const client = this.connection.client;
      const [{ experiments }, deleted] = await Promise.all([
        client.searchExperiments({ orderBy: ["name ASC"], maxResults: 1000 }),
        this.fields.showDeleted
          ? client
              .searchExperiments({ orderBy: ["name ASC"], maxResults: 1000, viewType: "DELETED_ONLY" })
              .then((r) => r.experiments)
          : Promise.resolve([]),
      ]);
      if (generation !== this.generation) return;
      const selectedId = this.pickSelection(experiments);
      const runs = selectedId ? await this.loadRuns(selectedId) : { rows: [], more: false };
      if (generation !== this.generation) return;
      this.connection.report(null);
      this.set({
        experiments,
        deleted,
        selectedId,
        runs: runs.rows,
        runsLoading: false,
        moreRuns: runs.more,
        state: "ready",
        error: null,
      });
    } catch (e) {
      if (generation !== this.generation) return;
      this.connection.report(e);
      this.set({ state: "error", runsLoading: false, error: describeError(e, this.connection.uri) });
    }
  }

  /** Shows `runId` in its experiment; with `cell`, only that cell's runs (its history). */
  async showRun(
    experimentId: string,
    runId: string,
    cell: { cellId: string; label: string } | null = null,
  ): Promise<void> {
    this.set({ selectedId: experimentId, highlightedRunId: runId, cellFilter: cell });
    await this.refresh();
  }

  async clearCellFilter(): Promise<void> {
    this.set({ cellFilter: null });
    await this.refresh();
  }

  async select(experimentId: string): Promise<void> {
    if (experimentId === this.fields.selectedId) return;
    this.set({
      selectedId: experimentId,
      runs: [],
      runsLoading: true,
      moreRuns: false,
      cellFilter: null,
      highlightedRunId: null,
    });
    await this.refresh();
  }

  // ------------------------------------------------------------------ edits
  // Each edit resolves to its outcome (also kept in `actionError` for the panel) and never rejects.

  /** Creates an experiment and selects it. */
  async create(name: string): Promise<ActionResult> {
    const trimmed = name.trim();
    const action = __('Cannot create experiment "%1"', trimmed);
    if (!trimmed) return this.invalid(__("Cannot create an experiment"), __("Give the experiment a name."));
    return this.edit(action, async () => {
      const id = await this.connection.client.createExperiment(trimmed);
      this.set({
        selectedId: id,
        runs: [],
        runsLoading: true,
        moreRuns: false,
        cellFilter: null,
        highlightedRunId: null,
      });
    });
  }

  async rename(experimentId: string, newName: string): Promise<ActionResult> {
    const trimmed = newName.trim();
    const old = this.find(experimentId)?.name ?? experimentId;
    if (!trimmed)
      return this.invalid(__('Cannot rename experiment "%1"', old), __("Give the experiment a name."));
    if (trimmed === old) return { ok: true };
    return this.edit(__('Cannot rename experiment "%1" to "%2"', old, trimmed), () =>
      this.connection.client.renameExperiment(experimentId, trimmed),
    );
  }

  async remove(experimentId: string): Promise<ActionResult> {
    const name = this.find(experimentId)?.name ?? experimentId;
    return this.edit(__('Cannot delete experiment "%1"', name), () =>
      this.connection.client.deleteExperiment(experimentId),
    );
  }

  async restore(experimentId: string): Promise<ActionResult> {
    const name = this.find(experimentId)?.name ?? experimentId;
    return this.edit(__('Cannot restore experiment "%1"', name), () =>
      this.connection.client.restoreExperiment(experimentId),
    );
  }

  /** Sets a tag; with `previousKey` (an edit that renamed the key) the old key goes away. */
  async setTag(
    experimentId: string,
    key: string,
    value: string,
    previousKey?: string,
  ): Promise<ActionResult> {
    const k = key.trim();
    if (!k) return this.invalid(__("Cannot set the tag"), __("Give the tag a key."));
    return this.edit(__('Cannot set tag "%1"', k), async () => {
      const client = this.connection.client;
      await client.setExperimentTag(experimentId, k, value);
      if (previousKey !== undefined && previousKey !== k)
        await client.deleteExperimentTag(experimentId, previousKey);
    });
  }

  async deleteTag(experimentId: string, key: string): Promise<ActionResult> {
    return this.edit(__('Cannot delete tag "%1"', key), () =>
      this.connection.client.deleteExperimentTag(experimentId, key),
    );
  }

  private invalid(action: string, detail: string): ActionResult {
    const error = { action, problem: { summary: "invalid", detail } };
    this.set({ actionError: error });
    return { ok: false, error };
  }

  private async edit(action: string, request: () => Promise<void>): Promise<ActionResult> {
    try {
      await request();
    } catch (e) {
      const error = { action, problem: describeError(e, this.connection.uri) };
      this.set({ actionError: error });
      return { ok: false, error };
    }
    this.set({ actionError: null });
    await this.refresh();
    return { ok: true };
  }

  private pickSelection(experiments: WireExperiment[]): string | null {
    const ids = new Set(experiments.map((e) => e.experiment_id));
    if (this.fields.selectedId && ids.has(this.fields.selectedId)) return this.fields.selectedId;
    for (const preferred of [this.fields.current?.name, this.preferredExperiment()]) {
      const byName = preferred ? experiments.find((e) => e.name === preferred) : undefined;
      if (byName) return byName.experiment_id;
    }
    const recent = [...experiments].sort((a, b) => (b.last_update_time ?? 0) - (a.last_update_time ?? 0))[0];
    return recent?.experiment_id ?? null;
  }

  private async loadRuns(experimentId: string): Promise<{ rows: RunRow[]; more: boolean }> {
    const cell = this.fields.cellFilter?.cellId.replace(/'/g, "\\'");
    const { runs, nextPageToken } = await this.connection.client.searchRuns([experimentId], {
      filter: cell ? `tags.\`labtrack.cell.id\` = '${cell}'` : undefined,
      orderBy: ["attributes.start_time DESC"],
      maxResults: RUNS_SHOWN,
    });
    const now = Date.now();
    return { rows: runs.map((r) => toRunRow(r, now)), more: nextPageToken !== undefined };
  }

  private set(patch: Partial<State>): void {
    Object.assign(this.fields, patch);
    this._changed.emit();
  }
}
