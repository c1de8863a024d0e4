// State of one runs table for one experiment: columns, sort, filter, quick filter, loaded pages and
// selection. No DOM: the widget renders it and the unit tests drive it against a real server.
//
// Pages of PAGE_SIZE runs are asked of the server (runs/search with its page tokens) only when the view
// comes near the end of what is loaded, so 100,000 runs cost what the user scrolls through. Sorting and
// filtering happen on the server. Every failure becomes state (`error`, `filterError`), never a
// rejection, and answers to a request that a newer one superseded are dropped (generation counter).
import { Signal } from "@lumino/signaling";
import { MlflowApiError } from "../../client/errors.js";
import type { RestClient } from "../../client/rest.js";
import type { RunStatus } from "../../client/wire.js";
import { describeError, type Problem } from "../describe-error.js";
import {
  ATTRIBUTE_COLUMNS,
  type Column,
  compareColumns,
  defaultWidth,
  firstDirection,
  keyColumn,
  MIN_WIDTH,
  NAME_COLUMN,
  orderByClause,
  type SortDirection,
  type SortSpec,
  START_COLUMN,
  visibleByDefault,
} from "./columns.js";
import { type TableRow, toTableRow } from "./rows.js";

export const PAGE_SIZE = 1000;

/** What the model needs of a TrackingConnection (which fits as is); tests pass a plain RestClient. */
export interface RunsSource {
  readonly client: Pick<RestClient, "searchRuns">;
  readonly uri: string;
  /** Told the outcome of each request, so the status bar follows reality. */
  report?(error: unknown | null): void;
}

export interface FilterError {
  message: string;
  /** 0-based offset in the filter text, when the server said where. */
  position?: number | undefined;
}

export type TableState = "idle" | "loading" | "ready" | "error";

export const STATUS_CHOICES: readonly RunStatus[] = ["RUNNING", "FINISHED", "FAILED", "KILLED", "SCHEDULED"];

/** Our server ends filter errors with "(at position N)"; MLflow's say nothing of where. */
export function parseFilterError(message: string): FilterError {
  const m = /\s*\(at position (\d+)\)\s*$/.exec(message);
  return m ? { message: message.slice(0, m.index), position: Number(m[1]) } : { message };
}

export class RunsTableModel {
  readonly changed = new Signal<this, void>(this);
  rows: TableRow[] = [];
  state: TableState = "idle";
  /** A next page is being fetched (rows stay usable meanwhile). */
  loadingMore = false;
  error: Problem | null = null;
  filterError: FilterError | null = null;
  /** The filter text in effect (what the last load sent). */
  filter = "";
  statusFilter: RunStatus | "" = "";
  sort: SortSpec = { columnId: START_COLUMN, direction: "DESC" };
  /** Counts the times the rows were replaced by a new first page (new sort or filter): views scroll to the top. */
  resets = 0;
  private _selection = new Set<string>();
  private readonly discovered = new Map<string, Column>(ATTRIBUTE_COLUMNS.map((c) => [c.id, c]));
  private readonly visibility = new Map<string, boolean>();
  private readonly widths = new Map<string, number>();
  private readonly pinned = new Set<string>([NAME_COLUMN]);
  private nextPageToken: string | undefined;
  private generation = 0;
  private disposed = false;

  constructor(
    private readonly source: RunsSource,
    readonly experimentId: string,
  ) {}

  /** More runs exist on the server than are loaded. */
  get hasMore(): boolean {
    return this.nextPageToken !== undefined;
  }

  get selection(): ReadonlySet<string> {
    return this._selection;
  }

  /** Every known column: attributes, then metrics, params and tags by key. */
  get columns(): Column[] {
    return [...this.discovered.values()].sort(compareColumns);
  }

  /** The columns shown, pinned ones first (in column order). */
  get visibleColumns(): Column[] {
    const shown = this.columns.filter((c) => this.isVisible(c.id));
    return [...shown.filter((c) => this.isPinned(c.id)), ...shown.filter((c) => !this.isPinned(c.id))];
  }

  column(id: string): Column | undefined {
    return this.discovered.get(id);
  }

  isVisible(id: string): boolean {
    const column = this.discovered.get(id);
    if (!column) return false;
    return this.visibility.get(id) ?? visibleByDefault(column);
  }

  isPinned(id: string): boolean {
    return this.pinned.has(id);
  }

  width(id: string): number {
    const column = this.discovered.get(id);
    return this.widths.get(id) ?? (column ? defaultWidth(column) : 110);
  }

  setVisible(id: string, visible: boolean): void {
    // The run name identifies a row; it cannot be hidden.
    if (id === NAME_COLUMN || !this.discovered.has(id)) return;
    this.visibility.set(id, visible);
    this.emit();
  }

  setPinned(id: string, pinned: boolean): void {
    if (pinned) this.pinned.add(id);
    else if (id !== NAME_COLUMN) this.pinned.delete(id);
    this.emit();
  }

  setWidth(id: string, px: number): void {
    this.widths.set(id, Math.max(MIN_WIDTH, Math.round(px)));
    this.emit();
  }

  /** The order_by sent to runs/search. */
  get orderBy(): string[] {
    const column = this.sortable(this.sort.columnId);
    return column?.orderKey ? [orderByClause(column, this.sort.direction)] : [];
  }

  /** The filter sent: the user's text, then the quick filter (MLflow has AND only, and no parentheses). */
  get effectiveFilter(): string {
    const parts = [this.filter.trim()];
    if (this.statusFilter) parts.push(`attributes.status = '${this.statusFilter}'`);
    return parts.filter((p) => p).join(" AND ");
  }

  // ------------------------------------------------------------------ actions (none reject)

  setFilter(text: string): Promise<void> {
    this.filter = text.trim();
    return this.reload();
  }

  setStatusFilter(status: RunStatus | ""): Promise<void> {
    this.statusFilter = status;
    return this.reload();
  }

  setSort(columnId: string, direction: SortDirection): Promise<void> {
    if (!this.sortable(columnId)) return Promise.resolve();
    this.sort = { columnId, direction };
    return this.reload();
  }

  /** A header click: the other direction on the sorted column, else the column's first direction. */
  toggleSort(columnId: string): Promise<void> {
    const column = this.sortable(columnId);
    if (!column) return Promise.resolve();
    const direction =
      this.sort.columnId === columnId
        ? this.sort.direction === "ASC"
          ? "DESC"
          : "ASC"
        : firstDirection(column);
    return this.setSort(columnId, direction);
  }

  setSelected(runId: string, selected: boolean): void {
    if (selected) this._selection.add(runId);
    else this._selection.delete(runId);
    this.emit();
  }

  /** Selects every loaded row, or clears the selection when all loaded rows are selected. */
  toggleSelectAll(): void {
    const all = this.rows.length > 0 && this.rows.every((r) => this._selection.has(r.runId));
    if (all) this._selection.clear();
    else for (const r of this.rows) this._selection.add(r.runId);
    this.emit();
  }

  clearSelection(): void {
    this._selection.clear();
    this.emit();
  }

  /** Loads the first page again, with the current sort and filter. The selection stays. */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.nextPageToken = undefined;
    this.loadingMore = false;
    this.set({ state: "loading" });
    await this.fetch(generation, undefined);
  }

  /**
   * Reloads what is loaded (as many pages as before, so the scroll position still has rows under
   * it), keeping sort, filter and selection. Rows stay on screen until the new ones arrive.
   */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const pages = Math.max(1, Math.ceil(this.rows.length / PAGE_SIZE));
    this.loadingMore = false;
    if (this.state !== "ready") this.set({ state: "loading" });
    const rows: TableRow[] = [];
    let token: string | undefined;
    for (let page = 0; page < pages; page++) {
      const answer = await this.request(generation, token);
      if (!answer) return;
      rows.push(...answer.rows);
      token = answer.nextPageToken;
      if (!token) break;
    }
    this.nextPageToken = token;
    this.set({ rows, state: "ready", error: null, filterError: null });
  }

  /** Fetches the next page, if there is one and none is on its way. */
  async loadMore(): Promise<void> {
    if (!this.nextPageToken || this.loadingMore || this.state !== "ready") return;
    this.set({ loadingMore: true });
    await this.fetch(this.generation, this.nextPageToken);
  }

  /** After a failure: the next page again when the first ones are there, else the first page. */
  retry(): Promise<void> {
    if (this.rows.length > 0 && this.nextPageToken && this.error) {
      this.state = "ready";
      return this.loadMore();
    }
    return this.reload();
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    Signal.clearData(this);
  }

  // ------------------------------------------------------------------ internals

  /** A column the server can sort by: a known one, or any `metrics.`/`params.`/`tags.` key before its runs load. */
  private sortable(id: string): Column | null {
    const known = this.discovered.get(id);
    if (known) return known.orderKey ? known : null;
    const m = /^(metrics|params|tags)\.(.+)$/.exec(id);
    if (!m) return null;
    const kind = m[1] === "metrics" ? "metric" : m[1] === "params" ? "param" : "tag";
    return keyColumn(kind, m[2] as string);
  }

  private async fetch(generation: number, pageToken: string | undefined): Promise<void> {
    const answer = await this.request(generation, pageToken);
    if (!answer) return;
    this.nextPageToken = answer.nextPageToken;
    if (!pageToken) this.resets++;
    this.set({
      rows: pageToken ? this.rows.concat(answer.rows) : answer.rows,
      state: "ready",
      loadingMore: false,
      error: null,
      filterError: null,
    });
  }

  /** One page; null when the answer is stale or failed (the failure is then state). */
  private async request(
    generation: number,
    pageToken: string | undefined,
  ): Promise<{ rows: TableRow[]; nextPageToken: string | undefined } | null> {
    try {
      const filter = this.effectiveFilter;
      const { runs, nextPageToken } = await this.source.client.searchRuns([this.experimentId], {
        ...(filter ? { filter } : {}),
        orderBy: this.orderBy,
        maxResults: PAGE_SIZE,
        pageToken,
      });
      if (generation !== this.generation) return null;
      this.source.report?.(null);
      const rows = runs.map(toTableRow);
      this.discover(rows);
      return { rows, nextPageToken };
    } catch (e) {
      if (generation !== this.generation) return null;
      this.fail(e);
      return null;
    }
  }

  private fail(e: unknown): void {
    const badFilter =
      e instanceof MlflowApiError &&
      e.status === 400 &&
      this.effectiveFilter !== "" &&
      !/order_by|page token/i.test(e.message);
    if (badFilter) {
      // The server is fine; the user's filter is not. Show where, and show no rows for it.
      this.nextPageToken = undefined;
      this.set({
        rows: [],
        state: "error",
        loadingMore: false,
        error: null,
        filterError: parseFilterError(e.message),
      });
      return;
    }
    this.source.report?.(e);
    this.set({ state: "error", loadingMore: false, error: describeError(e, this.source.uri) });
  }

  private discover(rows: readonly TableRow[]): void {
    const add = (kind: "param" | "metric" | "tag", key: string) => {
      const column = keyColumn(kind, key);
      if (!this.discovered.has(column.id)) this.discovered.set(column.id, column);
    };
    for (const row of rows) {
      for (const key in row.metrics) add("metric", key);
      for (const key in row.params) add("param", key);
      for (const key in row.tags) add("tag", key);
    }
  }

  private set(
    patch: Partial<
      Pick<RunsTableModel, "rows" | "state" | "loadingMore" | "error" | "filterError" | "filter">
    >,
  ): void {
    Object.assign(this, patch);
    this.emit();
  }

  private emit(): void {
    if (!this.disposed) this.changed.emit();
  }
}
