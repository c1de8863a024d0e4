// State of the sidebar panel: the experiments, the selected one and its latest runs. Views render it;
// every request's failure becomes `error` (never an unhandled rejection), and answers that arrive after
// a newer request started are dropped so a slow server cannot show stale runs.
import { Signal } from "@lumino/signaling";
import { fromWireDouble } from "../client/rest.js";
import type { RunStatus, WireExperiment, WireRun } from "../client/wire.js";
import type { TrackingConnection } from "./connection.js";
import { describeError, type Problem } from "./describe-error.js";

export interface RunRow {
  runId: string;
  name: string;
  status: RunStatus;
  startTime?: number | undefined;
  /** Wall time so far for running runs. */
  durationMs?: number | undefined;
  /** Latest value of each metric, by key, sorted by key. */
  metrics: ReadonlyArray<{ key: string; value: number }>;
}

export type LoadState = "idle" | "loading" | "ready" | "error";

export const RUNS_SHOWN = 50;

export function toRunRow(run: WireRun, now: number = Date.now()): RunRow {
  const info = run.info;
  const tags = run.data.tags ?? [];
  const name = info.run_name || tags.find((t) => t.key === "mlflow.runName")?.value || info.run_id;
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
  };
}

export class ExperimentsModel {
  readonly changed = new Signal<this, void>(this);
  experiments: WireExperiment[] = [];
  selectedId: string | null = null;
  runs: RunRow[] = [];
  /** More runs exist than RUNS_SHOWN. */
  moreRuns = false;
  state: LoadState = "idle";
  error: Problem | null = null;
  /** Only the runs of one notebook cell (its history), when set. */
  cellFilter: { cellId: string; label: string } | null = null;
  /** The run to bring into view and mark (opened from a cell's badge). */
  highlightedRunId: string | null = null;
  private generation = 0;

  constructor(
    private readonly connection: TrackingConnection,
    private readonly preferredExperiment: () => string = () => "",
  ) {}

  get selected(): WireExperiment | undefined {
    return this.experiments.find((e) => e.experiment_id === this.selectedId);
  }

  /** Reloads experiments and the selected experiment's runs. Never rejects. */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    if (this.state !== "ready") this.set({ state: "loading" });
    try {
      const client = this.connection.client;
      const { experiments } = await client.searchExperiments({ orderBy: ["name ASC"], maxResults: 1000 });
      if (generation !== this.generation) return;
      const selectedId = this.pickSelection(experiments);
      const runs = selectedId ? await this.loadRuns(selectedId) : { rows: [], more: false };
      if (generation !== this.generation) return;
      this.connection.report(null);
      this.set({
        experiments,
        selectedId,
        runs: runs.rows,
        moreRuns: runs.more,
        state: "ready",
        error: null,
      });
    } catch (e) {
      if (generation !== this.generation) return;
      this.connection.report(e);
      this.set({ state: "error", error: describeError(e, this.connection.uri) });
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
    if (experimentId === this.selectedId) return;
    this.set({
      selectedId: experimentId,
      runs: [],
      moreRuns: false,
      cellFilter: null,
      highlightedRunId: null,
    });
    await this.refresh();
  }

  private pickSelection(experiments: WireExperiment[]): string | null {
    const ids = new Set(experiments.map((e) => e.experiment_id));
    if (this.selectedId && ids.has(this.selectedId)) return this.selectedId;
    const preferred = this.preferredExperiment();
    const byName = experiments.find((e) => e.name === preferred);
    if (byName) return byName.experiment_id;
    const recent = [...experiments].sort((a, b) => (b.last_update_time ?? 0) - (a.last_update_time ?? 0))[0];
    return recent?.experiment_id ?? null;
  }

  private async loadRuns(experimentId: string): Promise<{ rows: RunRow[]; more: boolean }> {
    const cell = this.cellFilter?.cellId.replace(/'/g, "\\'");
    const { runs, nextPageToken } = await this.connection.client.searchRuns([experimentId], {
      filter: cell ? `tags.\`labtrack.cell.id\` = '${cell}'` : undefined,
      orderBy: ["attributes.start_time DESC"],
      maxResults: RUNS_SHOWN,
    });
    const now = Date.now();
    return { rows: runs.map((r) => toRunRow(r, now)), more: nextPageToken !== undefined };
  }

  private set(
    patch: Partial<
      Pick<
        ExperimentsModel,
        | "experiments"
        | "selectedId"
        | "runs"
        | "moreRuns"
        | "state"
        | "error"
        | "cellFilter"
        | "highlightedRunId"
      >
    >,
  ): void {
    Object.assign(this, patch);
    this.changed.emit();
  }
}
