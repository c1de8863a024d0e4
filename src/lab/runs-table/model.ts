// State of one runs table for one experiment: columns, sort, filter, quick filter, loaded pages and
// selection. No DOM: the widget renders it and the unit tests drive it against a real server.
//
// A first page of FIRST_PAGE_SIZE runs, then pages of PAGE_SIZE, are asked of the server (runs/search with its page tokens) only when the view
// comes near the end of what is loaded, so 100,000 runs cost what the user scrolls through. Sorting and
// filtering happen on the server. Every failure becomes state (`error`, `filterError`), never a
// rejection, and answers to a request that a newer one superseded are dropped (generation counter).
//
// Live updates (`poll`) re-read only the running runs with one search and patch those rows, and put
// runs started since the newest loaded one on top: nothing is reloaded, rows keep their identity
// otherwise, so views re-render only what changed. Grouping and the tree of nested runs are views of
// the loaded rows (`display`), computed by pure modules.
import { type ISignal, Signal } from "@lumino/signaling";
import { MlflowApiError } from "../../client/errors.js";
import type { RestClient } from "../../client/rest.js";
import type { RunStatus, ViewType } from "../../client/wire.js";
import { describeError, type Problem } from "../describe-error.js";
import { runError } from "../tracking/cell-run.js";
import {
  ATTRIBUTE_COLUMNS,
  type Column,
  compareColumns,
  defaultWidth,
  ERROR_ATTRIBUTE,
  ERROR_COLUMN,
  firstDirection,
  keyColumn,
  MIN_WIDTH,
  MODELS_ATTRIBUTE,
  MODELS_COLUMN,
  NAME_COLUMN,
  orderByClause,
  type SortDirection,
  type SortSpec,
  START_COLUMN,
  visibleByDefault,
} from "./columns.js";
import { type CompletionSource, FILTER_ATTRIBUTES } from "./completion.js";
import { toCsv } from "./csv.js";
import { groupRows, type RunGroup } from "./grouping.js";
import { combineFilter, quickClauses, quoteValue, type TimeRange } from "./quick-filters.js";
import { type TableRow, toTableRow } from "./rows.js";
import { buildTree, parentLinks } from "./tree.js";
import { parseViewState, toJson, type ViewState, type ViewStateStore, viewStateKey } from "./view-state.js";

/**
 * The first page fills a screen and a half: sorting and filtering wait for it, and 100 runs with their
 * params, metrics and tags are ~180 kB where 1,000 are ~1.8 MB to send, parse and index.
 */
export const FIRST_PAGE_SIZE = 100;
/** Later pages, fetched ahead of the scroll position: small enough to be taken in under a frame budget. */
export const PAGE_SIZE = 250;
/** Requests of a refresh, which re-reads everything loaded at once. */
const REFRESH_PAGE_SIZE = 5000;
/** Pages asked for by an export: fewer round trips, within what MLflow allows (50,000). */
export const EXPORT_PAGE_SIZE = 5000;
export const EXPORT_CAP = 100_000;
/** "Load all" for grouping stops here: grouping runs in the browser. */
export const LOAD_ALL_CAP = 20_000;
/** Run ids per `attributes.run_id IN (...)` of a live update; one search for up to this many running runs. */
export const POLL_CHUNK = 500;
/** At most this many new runs are put on top per live update; more wait for the next one. */
export const NEW_RUNS_MAX = 200;

/** What the model needs of an ILabtrackConnection (which fits as is); tests pass a plain RestClient. */
export interface RunsSource {
  readonly client: Pick<RestClient, "searchRuns" | "deleteRun" | "restoreRun">;
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

export interface RunsTableOptions {
  /** Where the view (columns, sort, quick filters) is kept; none: the view starts fresh each time. */
  store?: ViewStateStore | null | undefined;
  /** The user "Mine" stands for (as MLflow clients record it in mlflow.user); null when unknown. */
  user?: (() => Promise<string | null>) | undefined;
}

/** One line of the table body: a run (maybe nested), or the head of a group. */
export type DisplayItem =
  | { kind: "run"; row: TableRow; depth: number; childCount: number; expanded: boolean }
  | { kind: "group"; key: string; group: RunGroup; expanded: boolean };

export interface BulkOutcome {
  done: string[];
  failed: { runId: string; problem: Problem }[];
}

export const STATUS_CHOICES: readonly RunStatus[] = ["RUNNING", "FINISHED", "FAILED", "KILLED", "SCHEDULED"];

/** Our server ends filter errors with "(at position N)"; MLflow's say nothing of where. */
export function parseFilterError(message: string): FilterError {
  const m = /\s*\(at position (\d+)\)\s*$/.exec(message);
  return m ? { message: message.slice(0, m.index), position: Number(m[1]) } : { message };
}

/** What a load changes (see `set`). */
interface Loaded {
  rows: TableRow[];
  state: TableState;
  loadingMore: boolean;
  error: Problem | null;
  filterError: FilterError | null;
}

export class RunsTableModel {
  private readonly _changed = new Signal<this, void>(this);
  private _filter = "";
  private _statusFilter: RunStatus | "" = "";
  private _timeRange: TimeRange = "";
  private _mine = false;
  private _user: string | null = null;
  private _viewType: ViewType = "ACTIVE_ONLY";
  private _sort: SortSpec = { columnId: START_COLUMN, direction: "DESC" };
  private _groupBy: string | null = null;
  private _groupMetric: string | null = null;
  private _resets = 0;
  private _prepended = 0;
  private _prepends = 0;
  private _newRuns = 0;
  /** Rows and load state, read through the getters below; changed by `set`, which emits. */
  private readonly loaded: Loaded = {
    rows: [],
    state: "idle",
    loadingMore: false,
    error: null,
    filterError: null,
  };
  private _selection = new Set<string>();
  private readonly discovered = new Map<string, Column>(ATTRIBUTE_COLUMNS.map((c) => [c.id, c]));
  private readonly seenKeys = new Set<string>();
  private readonly visibility = new Map<string, boolean>();
  private readonly widths = new Map<string, number>();
  private readonly pinned = new Set<string>([NAME_COLUMN]);
  private order: string[] = [];
  private readonly expandedGroups = new Set<string>();
  private readonly expandedRuns = new Set<string>();
  private displayCache: DisplayItem[] | null = null;
  private displayRows: TableRow[] | null = null;
  private nextPageToken: string | undefined;
  private generation = 0;
  private disposed = false;
  private polling = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private restored = false;

  constructor(
    private readonly source: RunsSource,
    readonly experimentId: string,
    private readonly options: RunsTableOptions = {},
  ) {}

  /** Emitted after every change of what the model shows. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The filter text in effect (what the last load sent). */
  get filter(): string {
    return this._filter;
  }

  get statusFilter(): RunStatus | "" {
    return this._statusFilter;
  }

  get timeRange(): TimeRange {
    return this._timeRange;
  }

  /** "Mine" is on (it filters only once the user is known). */
  get mine(): boolean {
    return this._mine;
  }

  /** The user "Mine" stands for; null until known (or when the server cannot say). */
  get user(): string | null {
    return this._user;
  }

  get viewType(): ViewType {
    return this._viewType;
  }

  get sort(): SortSpec {
    return this._sort;
  }

  /** A `params.`/`tags.` column to group the loaded runs by, and the `metrics.` column aggregated. */
  get groupBy(): string | null {
    return this._groupBy;
  }

  get groupMetric(): string | null {
    return this._groupMetric;
  }

  /** Counts the times the rows were replaced by a new first page (new sort or filter): views scroll to the top. */
  get resets(): number {
    return this._resets;
  }

  /** Runs put on top by the last live update (views keep their scroll position by that many rows). */
  get prepended(): number {
    return this._prepended;
  }

  /** Counts live updates that put runs on top, so a view shifts its scroll once per update. */
  get prepends(): number {
    return this._prepends;
  }

  /** New runs put on top since the user last looked at the top (the "N new runs" notice). */
  get newRuns(): number {
    return this._newRuns;
  }

  get rows(): TableRow[] {
    return this.loaded.rows;
  }

  get state(): TableState {
    return this.loaded.state;
  }

  /** A next page is being fetched (rows stay usable meanwhile). */
  get loadingMore(): boolean {
    return this.loaded.loadingMore;
  }

  get error(): Problem | null {
    return this.loaded.error;
  }

  get filterError(): FilterError | null {
    return this.loaded.filterError;
  }

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

  /** The columns shown, pinned ones first, each part in the user's order (then the natural one). */
  get visibleColumns(): Column[] {
    const rank = new Map(this.order.map((id, i) => [id, i]));
    const shown = this.columns
      .filter((c) => this.isVisible(c.id))
      .sort(
        (a, b) =>
          (rank.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.id) ?? Number.MAX_SAFE_INTEGER) ||
          compareColumns(a, b),
      );
    return [...shown.filter((c) => this.isPinned(c.id)), ...shown.filter((c) => !this.isPinned(c.id))];
  }

  /**
   * The body's lines: groups (with their runs when expanded) when grouping, else the runs with
   * expanded children under their parents. Recomputed only when rows, grouping or expansion change.
   */
  get display(): readonly DisplayItem[] {
    if (this.displayCache && this.displayRows === this.loaded.rows) return this.displayCache;
    this.displayRows = this.loaded.rows;
    const items: DisplayItem[] = [];
    if (this._groupBy) {
      for (const group of groupRows(this.loaded.rows, this._groupBy, this._groupMetric)) {
        const key = group.value === null ? "\u0000none" : group.value;
        const expanded = this.expandedGroups.has(key);
        items.push({ kind: "group", key, group, expanded });
        if (expanded)
          for (const row of group.rows)
            items.push({ kind: "run", row, depth: 1, childCount: 0, expanded: false });
      }
    } else if (parentLinks(this.loaded.rows).size === 0) {
      for (const row of this.loaded.rows)
        items.push({ kind: "run", row, depth: 0, childCount: 0, expanded: false });
    } else {
      for (const t of buildTree(this.loaded.rows, this.expandedRuns)) items.push({ kind: "run", ...t });
    }
    this.displayCache = items;
    return items;
  }

  /** Keys, and values seen in the loaded runs, for the filter box's completion. */
  get completionSource(): CompletionSource {
    return {
      keys: [...FILTER_ATTRIBUTES, ...this.columns.filter((c) => c.kind !== "attribute").map((c) => c.id)],
      values: (key) => this.valuesOf(key),
    };
  }

  /** Distinct values of a param, tag or string attribute in the loaded runs, most frequent first. */
  valuesOf(key: string, limit = 100): string[] {
    if (key === "attributes.status") return [...STATUS_CHOICES];
    const pick: ((r: TableRow) => string | undefined) | null = key.startsWith("params.")
      ? (r) => r.params[key.slice(7)]
      : key.startsWith("tags.")
        ? (r) => r.tags[key.slice(5)]
        : key === "attributes.user_id"
          ? (r) => r.userId || undefined
          : key === "attributes.run_name"
            ? (r) => r.name
            : null;
    if (!pick) return [];
    const counts = new Map<string, number>();
    for (const row of this.loaded.rows) {
      const v = pick(row);
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([v]) => v);
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
    this.viewChanged();
  }

  setPinned(id: string, pinned: boolean): void {
    if (pinned) this.pinned.add(id);
    else this.pinned.delete(id);
    this.viewChanged();
  }

  setWidth(id: string, px: number): void {
    this.widths.set(id, Math.max(MIN_WIDTH, Math.round(px)));
    this.viewChanged();
  }

  /** Moves a shown column one place left (-1) or right (+1) among the shown ones (pins stay first). */
  moveColumn(id: string, step: -1 | 1): void {
    const ids = this.visibleColumns.map((c) => c.id);
    const at = ids.indexOf(id);
    const to = at + step;
    if (at < 0 || to < 0 || to >= ids.length) return;
    if (this.isPinned(id) !== this.isPinned(ids[to] as string)) return;
    [ids[at], ids[to]] = [ids[to] as string, ids[at] as string];
    // Hidden columns keep their earlier place after the shown ones.
    this.order = [...ids, ...this.order.filter((o) => !ids.includes(o))];
    this.viewChanged();
  }

  /** The order_by sent to runs/search. */
  get orderBy(): string[] {
    const column = this.sortable(this._sort.columnId);
    return column?.orderKey ? [orderByClause(column, this._sort.direction)] : [];
  }

  /** The filter sent: the user's text, then the quick filters (MLflow has AND only, and no parentheses). */
  get effectiveFilter(): string {
    return combineFilter(
      this._filter,
      quickClauses(
        {
          status: this._statusFilter,
          timeRange: this._timeRange,
          user: this._mine && this._user !== null ? this._user : null,
        },
        Date.now(),
      ),
    );
  }

  // ------------------------------------------------------------------ actions (none reject)

  setFilter(text: string): Promise<void> {
    this._filter = text.trim();
    return this.reload();
  }

  setStatusFilter(status: RunStatus | ""): Promise<void> {
    this._statusFilter = status;
    this.scheduleSave();
    return this.reload();
  }

  setTimeRange(range: TimeRange): Promise<void> {
    this._timeRange = range;
    this.scheduleSave();
    return this.reload();
  }

  setMine(mine: boolean): Promise<void> {
    this._mine = mine;
    this.scheduleSave();
    return this.reload();
  }

  /** Active runs, the trash, or both. */
  setViewType(viewType: ViewType): Promise<void> {
    this._viewType = viewType;
    this.scheduleSave();
    return this.reload();
  }

  setSort(columnId: string, direction: SortDirection): Promise<void> {
    if (!this.sortable(columnId)) return Promise.resolve();
    this._sort = { columnId, direction };
    this.scheduleSave();
    return this.reload();
  }

  /** Groups the loaded runs by a `params.`/`tags.` column (null: no grouping), aggregating a metric. */
  setGroupBy(by: string | null, metric: string | null = this._groupMetric): void {
    this._groupBy = by && /^(params|tags)\./.test(by) ? by : null;
    this._groupMetric = metric?.startsWith("metrics.") ? metric : null;
    this.expandedGroups.clear();
    this.invalidateDisplay();
    this.viewChanged();
  }

  toggleGroup(key: string): void {
    if (!this.expandedGroups.delete(key)) this.expandedGroups.add(key);
    this.invalidateDisplay();
    this.emit();
  }

  /** Shows or hides the loaded children of a run. */
  toggleExpanded(runId: string): void {
    if (!this.expandedRuns.delete(runId)) this.expandedRuns.add(runId);
    this.invalidateDisplay();
    this.emit();
  }

  /** Selects the runs of display lines `from`..`to` (either order), as a Shift+click does. */
  selectRange(from: number, to: number, selected = true): void {
    const items = this.display;
    for (let i = Math.max(0, Math.min(from, to)); i <= Math.min(items.length - 1, Math.max(from, to)); i++) {
      const item = items[i];
      if (item?.kind !== "run") continue;
      if (selected) this._selection.add(item.row.runId);
      else this._selection.delete(item.row.runId);
    }
    this.emit();
  }

  /** The user has seen the top: the "N new runs" notice goes. */
  acknowledgeNew(): void {
    if (this._newRuns === 0) return;
    this._newRuns = 0;
    this.emit();
  }

  /** A header click: the other direction on the sorted column, else the column's first direction. */
  toggleSort(columnId: string): Promise<void> {
    const column = this.sortable(columnId);
    if (!column) return Promise.resolve();
    const direction =
      this._sort.columnId === columnId
        ? this._sort.direction === "ASC"
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
    const all = this.loaded.rows.length > 0 && this.loaded.rows.every((r) => this._selection.has(r.runId));
    if (all) this._selection.clear();
    else for (const r of this.loaded.rows) this._selection.add(r.runId);
    this.emit();
  }

  clearSelection(): void {
    this._selection.clear();
    this.emit();
  }

  /**
   * The first load: the kept view (and the user, when "Mine" needs it) first, then the first page.
   * Views call it once; calling it again only reloads.
   */
  async open(): Promise<void> {
    if (!this.restored) {
      this.restored = true;
      const [stored, user] = await Promise.all([
        this.options.store
          ? this.options.store.fetch(this.stateKey).catch(() => undefined)
          : Promise.resolve(undefined),
        this.options.user ? this.options.user().catch(() => null) : Promise.resolve(null),
      ]);
      if (this.disposed) return;
      this._user = user;
      if (stored !== undefined) this.applyView(parseViewState(stored, this.viewState));
    }
    await this.reload();
  }

  /** What is kept across reloads. */
  get viewState(): ViewState {
    return {
      visible: Object.fromEntries(this.visibility),
      order: [...this.order],
      widths: Object.fromEntries(this.widths),
      pinned: [...this.pinned],
      sort: { ...this._sort },
      status: this._statusFilter,
      timeRange: this._timeRange,
      mine: this._mine,
      viewType: this._viewType,
      groupBy: this._groupBy,
      groupMetric: this._groupMetric,
    };
  }

  /** Writes the view to the store now (views call it on a timer after each change). */
  async saveView(): Promise<void> {
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.options.store?.save(this.stateKey, toJson(this.viewState)).catch(() => undefined);
  }

  /** Loads the first page again, with the current sort and filter. The selection stays. */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.nextPageToken = undefined;
    this.loaded.loadingMore = false;
    this.set({ state: "loading" });
    await this.fetch(generation, undefined);
  }

  /**
   * Reloads what is loaded (as many pages as before, so the scroll position still has rows under
   * it), keeping sort, filter and selection. Rows stay on screen until the new ones arrive.
   */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const wanted = Math.max(FIRST_PAGE_SIZE, this.loaded.rows.length);
    this.loaded.loadingMore = false;
    if (this.loaded.state !== "ready") this.set({ state: "loading" });
    const rows: TableRow[] = [];
    let token: string | undefined;
    do {
      const answer = await this.request(generation, token, Math.min(REFRESH_PAGE_SIZE, wanted - rows.length));
      if (!answer) return;
      rows.push(...answer.rows);
      token = answer.nextPageToken;
    } while (token && rows.length < wanted);
    this.nextPageToken = token;
    this.set({ rows, state: "ready", error: null, filterError: null });
  }

  /** Fetches the next page, if there is one and none is on its way. */
  async loadMore(): Promise<void> {
    if (!this.nextPageToken || this.loaded.loadingMore || this.loaded.state !== "ready") return;
    this.set({ loadingMore: true });
    await this.fetch(this.generation, this.nextPageToken);
  }

  /** Loads pages until every matching run or `cap` runs are loaded (for grouping over all of them). */
  async loadAll(cap = LOAD_ALL_CAP): Promise<void> {
    while (this.hasMore && this.loaded.rows.length < cap && this.loaded.state === "ready" && !this.disposed) {
      const before = this.loaded.rows.length;
      await this.loadMore();
      if (this.loaded.rows.length === before) return;
    }
  }

  /**
   * A live update: one search re-reads the loaded runs that are RUNNING (in chunks of POLL_CHUNK ids)
   * and patches their rows; when sorted newest first, runs started after the newest loaded one go on
   * top. No-op while a load is on its way or another update runs.
   */
  async poll(): Promise<void> {
    if (this.loaded.state !== "ready" || this.loaded.loadingMore || this.polling || this.disposed) return;
    const generation = this.generation;
    const running = this.loaded.rows.filter((r) => r.status === "RUNNING").map((r) => r.runId);
    const newestFirst = this._sort.columnId === START_COLUMN && this._sort.direction === "DESC";
    if (!running.length && !newestFirst) return;
    this.polling = true;
    try {
      const updated = new Map<string, TableRow>();
      for (let i = 0; i < running.length; i += POLL_CHUNK) {
        const ids = running.slice(i, i + POLL_CHUNK);
        const { runs } = await this.source.client.searchRuns([this.experimentId], {
          filter: `attributes.run_id IN (${ids.map(quoteValue).join(", ")})`,
          maxResults: ids.length,
          viewType: "ALL",
        });
        for (const run of runs) updated.set(run.info.run_id, toTableRow(run));
      }
      let fresh: TableRow[] = [];
      if (newestFirst) {
        const newest = this.loaded.rows.reduce((t, r) => Math.max(t, r.startTime ?? 0), 0);
        const filter = combineFilter(this.effectiveFilter, [`attributes.start_time > ${newest}`]);
        const { runs } = await this.source.client.searchRuns([this.experimentId], {
          filter,
          orderBy: this.orderBy,
          maxResults: NEW_RUNS_MAX,
          viewType: this._viewType,
        });
        const loaded = new Set(this.loaded.rows.map((r) => r.runId));
        fresh = runs.map(toTableRow).filter((r) => !loaded.has(r.runId));
      }
      if (generation !== this.generation || this.disposed) return;
      this.source.report?.(null);
      if (!updated.size && !fresh.length) return;
      // Only the changed runs get new row objects: views re-render exactly those.
      let rows = updated.size ? this.loaded.rows.map((r) => updated.get(r.runId) ?? r) : this.loaded.rows;
      if (fresh.length) {
        this.discover(fresh);
        rows = fresh.concat(rows);
        this._prepended = fresh.length;
        this._prepends++;
        this._newRuns += fresh.length;
      }
      this.discover([...updated.values()]);
      this.set({ rows });
    } catch (e) {
      // A failed live update changes nothing on screen; the status bar says the server is gone.
      if (generation === this.generation) this.source.report?.(e);
    } finally {
      this.polling = false;
    }
  }

  /** Moves runs to the trash, a few requests at a time (MLflow has no bulk delete); rows follow. */
  deleteRuns(runIds: readonly string[]): Promise<BulkOutcome> {
    return this.lifecycle(runIds, true);
  }

  restoreRuns(runIds: readonly string[]): Promise<BulkOutcome> {
    return this.lifecycle(runIds, false);
  }

  /**
   * Every run matching the current filter (sort, quick filters and active/deleted included), page by
   * page up to `cap`, as CSV of the shown columns. Rejects when a page fails: an export is all or nothing.
   */
  async exportCsv(
    cap = EXPORT_CAP,
    onProgress?: (loaded: number) => void,
  ): Promise<{ csv: string; count: number; truncated: boolean }> {
    const filter = this.effectiveFilter;
    const rows: TableRow[] = [];
    let token: string | undefined;
    do {
      const { runs, nextPageToken } = await this.source.client.searchRuns([this.experimentId], {
        ...(filter ? { filter } : {}),
        orderBy: this.orderBy,
        maxResults: Math.min(EXPORT_PAGE_SIZE, cap - rows.length),
        pageToken: token,
        viewType: this._viewType,
      });
      for (const run of runs) rows.push(toTableRow(run));
      token = nextPageToken;
      onProgress?.(rows.length);
    } while (token && rows.length < cap);
    return { csv: toCsv(rows, this.visibleColumns), count: rows.length, truncated: token !== undefined };
  }

  /** After a failure: the next page again when the first ones are there, else the first page. */
  retry(): Promise<void> {
    if (this.loaded.rows.length > 0 && this.nextPageToken && this.loaded.error) {
      this.loaded.state = "ready";
      return this.loadMore();
    }
    return this.reload();
  }

  dispose(): void {
    if (this.saveTimer !== undefined) void this.saveView();
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

  private get stateKey(): string {
    return viewStateKey(this.source.uri, this.experimentId);
  }

  private applyView(v: ViewState): void {
    this.visibility.clear();
    for (const [k, on] of Object.entries(v.visible)) this.visibility.set(k, on);
    this.widths.clear();
    for (const [k, w] of Object.entries(v.widths)) this.widths.set(k, Math.max(MIN_WIDTH, Math.round(w)));
    this.pinned.clear();
    for (const id of v.pinned) this.pinned.add(id);
    this.order = v.order;
    this._sort = v.sort;
    this._statusFilter = v.status;
    this._timeRange = v.timeRange;
    this._mine = v.mine;
    this._viewType = v.viewType;
    this._groupBy = v.groupBy;
    this._groupMetric = v.groupMetric;
    this.invalidateDisplay();
  }

  /** A change of columns or grouping: views re-render, the store hears of it shortly. */
  private viewChanged(): void {
    this.scheduleSave();
    this.emit();
  }

  private scheduleSave(): void {
    if (!this.options.store || this.disposed) return;
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    // Dragging a column's width changes it every frame; one write when the drag settles.
    this.saveTimer = setTimeout(() => void this.saveView(), 300);
  }

  private invalidateDisplay(): void {
    this.displayCache = null;
  }

  private async lifecycle(runIds: readonly string[], remove: boolean): Promise<BulkOutcome> {
    const outcome: BulkOutcome = { done: [], failed: [] };
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(6, runIds.length) }, async () => {
        while (next < runIds.length) {
          const runId = runIds[next++] as string;
          try {
            if (remove) await this.source.client.deleteRun(runId);
            else await this.source.client.restoreRun(runId);
            outcome.done.push(runId);
          } catch (e) {
            outcome.failed.push({ runId, problem: describeError(e, this.source.uri) });
          }
        }
      }),
    );
    if (this.disposed || !outcome.done.length) return outcome;
    const done = new Set(outcome.done);
    // Runs that left what is shown (deleted from the active view, restored from the trash) go;
    // with "all" they stay, marked.
    const leaves = this._viewType === (remove ? "ACTIVE_ONLY" : "DELETED_ONLY");
    const rows = leaves
      ? this.loaded.rows.filter((r) => !done.has(r.runId))
      : this.loaded.rows.map((r) => (done.has(r.runId) ? { ...r, deleted: remove } : r));
    if (leaves) for (const id of done) this._selection.delete(id);
    this.set({ rows });
    return outcome;
  }

  private async fetch(generation: number, pageToken: string | undefined): Promise<void> {
    const answer = await this.request(generation, pageToken, pageToken ? PAGE_SIZE : FIRST_PAGE_SIZE);
    if (!answer) return;
    this.nextPageToken = answer.nextPageToken;
    if (!pageToken) {
      this._resets++;
      this._newRuns = 0;
    }
    // Runs put on top by live updates shift the server's pages: a page may repeat some of them.
    const loaded = pageToken ? new Set(this.loaded.rows.map((r) => r.runId)) : null;
    this.set({
      rows: loaded ? this.loaded.rows.concat(answer.rows.filter((r) => !loaded.has(r.runId))) : answer.rows,
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
    maxResults: number,
  ): Promise<{ rows: TableRow[]; nextPageToken: string | undefined } | null> {
    try {
      const filter = this.effectiveFilter;
      const { runs, nextPageToken } = await this.source.client.searchRuns([this.experimentId], {
        ...(filter ? { filter } : {}),
        orderBy: this.orderBy,
        maxResults,
        pageToken,
        viewType: this._viewType,
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
    // Rows mostly repeat the same keys: a key seen before costs one Set lookup, not a new column.
    const seen = this.seenKeys;
    const add = (kind: "param" | "metric" | "tag", key: string) => {
      const mark = `${kind}\u0000${key}`;
      if (seen.has(mark)) return;
      seen.add(mark);
      const column = keyColumn(kind, key);
      if (!this.discovered.has(column.id)) this.discovered.set(column.id, column);
    };
    for (const row of rows) {
      for (const key in row.metrics) add("metric", key);
      for (const key in row.params) add("param", key);
      for (const key in row.tags) add("tag", key);
    }
    // The error column comes with the first run that has one (see ERROR_ATTRIBUTE).
    if (!this.discovered.has(ERROR_COLUMN) && rows.some((r) => runError(r.tags) !== undefined))
      this.discovered.set(ERROR_COLUMN, ERROR_ATTRIBUTE);
    if (!this.discovered.has(MODELS_COLUMN) && rows.some((r) => r.loggedModels > 0))
      this.discovered.set(MODELS_COLUMN, MODELS_ATTRIBUTE);
  }

  private set(patch: Partial<Loaded>): void {
    Object.assign(this.loaded, patch);
    this.emit();
  }

  private emit(): void {
    if (!this.disposed) this._changed.emit();
  }
}
