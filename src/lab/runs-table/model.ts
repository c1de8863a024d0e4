// State of one runs table for one experiment. No DOM: the widget renders it and the unit tests drive it
// against a real server. It composes three parts, each in its own file: the columns (`TableColumns`,
// columns-model.ts: known, shown, pinned, ordered, widths), the loaded pages and live updates
// (`RunPages`, paging.ts) and the selection (`RunSelection`, selection.ts); it keeps what they share:
// the sort, the filter and quick filters (searches happen on the server), the view kept across
// reloads, and `changed`.
//
// Grouping and the tree of nested runs are views of the loaded rows (`display`), computed by pure
// modules.
import { type ISignal, Signal } from "@lumino/signaling";
import type { RunStatus, ViewType } from "../../client/wire.js";
import { describeError, type Problem } from "../describe-error.js";
import {
  type Column,
  firstDirection,
  orderByClause,
  type SortDirection,
  type SortSpec,
  START_COLUMN,
} from "./columns.js";
import { TableColumns } from "./columns-model.js";
import { type CompletionSource, FILTER_ATTRIBUTES } from "./completion.js";
import { toCsv } from "./csv.js";
import { groupRows, type RunGroup } from "./grouping.js";
import {
  EXPORT_CAP,
  type FilterError,
  LOAD_ALL_CAP,
  RunPages,
  type RunQuery,
  type RunsSource,
  type TableState,
} from "./paging.js";
import { combineFilter, quickClauses, type TimeRange } from "./quick-filters.js";
import type { TableRow } from "./rows.js";
import { RunSelection } from "./selection.js";
import { buildTree, parentLinks } from "./tree.js";
import { parseViewState, toJson, type ViewState, type ViewStateStore, viewStateKey } from "./view-state.js";

export {
  EXPORT_CAP,
  EXPORT_PAGE_SIZE,
  FIRST_PAGE_SIZE,
  type FilterError,
  LOAD_ALL_CAP,
  NEW_RUNS_MAX,
  PAGE_SIZE,
  POLL_CHUNK,
  parseFilterError,
  type RunsSource,
  type TableState,
} from "./paging.js";

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
  private readonly columnsModel = new TableColumns();
  private readonly pages: RunPages;
  private readonly selected = new RunSelection();
  private readonly expandedGroups = new Set<string>();
  private readonly expandedRuns = new Set<string>();
  private displayCache: DisplayItem[] | null = null;
  private displayRows: TableRow[] | null = null;
  private disposed = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private restored = false;

  constructor(
    private readonly source: RunsSource,
    readonly experimentId: string,
    private readonly options: RunsTableOptions = {},
  ) {
    this.pages = new RunPages({
      source,
      experimentId,
      query: () => this.query(),
      discover: (rows) => this.columnsModel.discover(rows),
      changed: () => this.emit(),
    });
  }

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
    return this.pages.resets;
  }

  /** Runs put on top by the last live update (views keep their scroll position by that many rows). */
  get prepended(): number {
    return this.pages.prepended;
  }

  /** Counts live updates that put runs on top, so a view shifts its scroll once per update. */
  get prepends(): number {
    return this.pages.prepends;
  }

  /** New runs put on top since the user last looked at the top (the "N new runs" notice). */
  get newRuns(): number {
    return this.pages.newRuns;
  }

  get rows(): TableRow[] {
    return this.pages.rows;
  }

  get state(): TableState {
    return this.pages.state;
  }

  /** A next page is being fetched (rows stay usable meanwhile). */
  get loadingMore(): boolean {
    return this.pages.loadingMore;
  }

  get error(): Problem | null {
    return this.pages.error;
  }

  get filterError(): FilterError | null {
    return this.pages.filterError;
  }

  /** More runs exist on the server than are loaded. */
  get hasMore(): boolean {
    return this.pages.hasMore;
  }

  get selection(): ReadonlySet<string> {
    return this.selected.runIds;
  }

  /** Every known column: attributes, then metrics, params and tags by key. */
  get columns(): Column[] {
    return this.columnsModel.all;
  }

  /** The columns shown, pinned ones first, each part in the user's order (then the natural one). */
  get visibleColumns(): Column[] {
    return this.columnsModel.visible;
  }

  /**
   * The body's lines: groups (with their runs when expanded) when grouping, else the runs with
   * expanded children under their parents. Recomputed only when rows, grouping or expansion change.
   */
  get display(): readonly DisplayItem[] {
    const rows = this.pages.rows;
    if (this.displayCache && this.displayRows === rows) return this.displayCache;
    this.displayRows = rows;
    const items: DisplayItem[] = [];
    if (this._groupBy) {
      for (const group of groupRows(rows, this._groupBy, this._groupMetric)) {
        const key = group.value === null ? "\u0000none" : group.value;
        const expanded = this.expandedGroups.has(key);
        items.push({ kind: "group", key, group, expanded });
        if (expanded)
          for (const row of group.rows)
            items.push({ kind: "run", row, depth: 1, childCount: 0, expanded: false });
      }
    } else if (parentLinks(rows).size === 0) {
      for (const row of rows) items.push({ kind: "run", row, depth: 0, childCount: 0, expanded: false });
    } else {
      for (const t of buildTree(rows, this.expandedRuns)) items.push({ kind: "run", ...t });
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
    for (const row of this.pages.rows) {
      const v = pick(row);
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([v]) => v);
  }

  column(id: string): Column | undefined {
    return this.columnsModel.get(id);
  }

  isVisible(id: string): boolean {
    return this.columnsModel.isVisible(id);
  }

  isPinned(id: string): boolean {
    return this.columnsModel.isPinned(id);
  }

  width(id: string): number {
    return this.columnsModel.width(id);
  }

  setVisible(id: string, visible: boolean): void {
    if (this.columnsModel.setVisible(id, visible)) this.viewChanged();
  }

  setPinned(id: string, pinned: boolean): void {
    this.columnsModel.setPinned(id, pinned);
    this.viewChanged();
  }

  setWidth(id: string, px: number): void {
    this.columnsModel.setWidth(id, px);
    this.viewChanged();
  }

  /** Moves a shown column one place left (-1) or right (+1) among the shown ones (pins stay first). */
  moveColumn(id: string, step: -1 | 1): void {
    if (this.columnsModel.move(id, step)) this.viewChanged();
  }

  /** The order_by sent to runs/search. */
  get orderBy(): string[] {
    const column = this.columnsModel.sortable(this._sort.columnId);
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
    if (!this.columnsModel.sortable(columnId)) return Promise.resolve();
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
    this.selected.setRange(this.display, from, to, selected);
    this.emit();
  }

  /** The user has seen the top: the "N new runs" notice goes. */
  acknowledgeNew(): void {
    this.pages.acknowledgeNew();
  }

  /** A header click: the other direction on the sorted column, else the column's first direction. */
  toggleSort(columnId: string): Promise<void> {
    const column = this.columnsModel.sortable(columnId);
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
    this.selected.set(runId, selected);
    this.emit();
  }

  /** Selects every loaded row, or clears the selection when all loaded rows are selected. */
  toggleSelectAll(): void {
    this.selected.toggleAll(this.pages.rows);
    this.emit();
  }

  clearSelection(): void {
    this.selected.clear();
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
      ...this.columnsModel.view,
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
  reload(): Promise<void> {
    return this.pages.reload();
  }

  /**
   * Reloads what is loaded (as many pages as before, so the scroll position still has rows under
   * it), keeping sort, filter and selection. Rows stay on screen until the new ones arrive.
   */
  refresh(): Promise<void> {
    return this.pages.refresh();
  }

  /** Fetches the next page, if there is one and none is on its way. */
  loadMore(): Promise<void> {
    return this.pages.loadMore();
  }

  /** Loads pages until every matching run or `cap` runs are loaded (for grouping over all of them). */
  loadAll(cap = LOAD_ALL_CAP): Promise<void> {
    return this.pages.loadAll(cap);
  }

  /**
   * A live update: re-reads the loaded runs that are RUNNING and, when sorted newest first, puts runs
   * started since on top (see RunPages.poll).
   */
  poll(): Promise<void> {
    return this.pages.poll();
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
    const { rows, truncated } = await this.pages.exportRows(cap, onProgress);
    return { csv: toCsv(rows, this.visibleColumns), count: rows.length, truncated };
  }

  /** After a failure: the next page again when the first ones are there, else the first page. */
  retry(): Promise<void> {
    return this.pages.retry();
  }

  dispose(): void {
    if (this.saveTimer !== undefined) void this.saveView();
    this.disposed = true;
    this.pages.dispose();
    Signal.clearData(this);
  }

  // ------------------------------------------------------------------ internals

  /** What the searches ask for now. */
  private query(): RunQuery {
    return {
      filter: this.effectiveFilter,
      orderBy: this.orderBy,
      viewType: this._viewType,
      newestFirst: this._sort.columnId === START_COLUMN && this._sort.direction === "DESC",
    };
  }

  private get stateKey(): string {
    return viewStateKey(this.source.uri, this.experimentId);
  }

  private applyView(v: ViewState): void {
    this.columnsModel.apply(v);
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
    const rows = this.pages.rows;
    if (leaves) this.selected.forget(done);
    this.pages.replaceRows(
      leaves
        ? rows.filter((r) => !done.has(r.runId))
        : rows.map((r) => (done.has(r.runId) ? { ...r, deleted: remove } : r)),
    );
    return outcome;
  }

  private emit(): void {
    if (!this.disposed) this._changed.emit();
  }
}
