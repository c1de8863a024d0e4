// The runs table's loaded runs: a first page of FIRST_PAGE_SIZE runs, then pages of PAGE_SIZE asked of
// the server (runs/search with its page tokens) only when the view comes near the end of what is
// loaded, so 100,000 runs cost what the user scrolls through; a refresh of everything loaded; live
// updates; exports. Every failure becomes state (`error`, `filterError`), never a rejection, and answers
// to a request that a newer one superseded are dropped (generation counter). No DOM; part of
// RunsTableModel, which says what to ask for (`RunQuery`).
//
// Live updates (`poll`) re-read only the running runs with one search and patch those rows, and put
// runs started since the newest loaded one on top: nothing is reloaded, rows keep their identity
// otherwise, so views re-render only what changed.
import { MlflowApiError } from "../../client/errors.js";
import { followPages } from "../../client/paging.js";
import type { RestClient } from "../../client/rest.js";
import type { ViewType } from "../../client/wire.js";
import { describeError, type Problem } from "../describe-error.js";
import { combineFilter, quoteValue } from "./quick-filters.js";
import { type TableRow, toTableRow } from "./rows.js";

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

/** Our server ends filter errors with "(at position N)"; MLflow's say nothing of where. */
export function parseFilterError(message: string): FilterError {
  const m = /\s*\(at position (\d+)\)\s*$/.exec(message);
  return m ? { message: message.slice(0, m.index), position: Number(m[1]) } : { message };
}

/** What the table's searches ask for, from its sort, filter and quick filters at the time of asking. */
export interface RunQuery {
  /** The filter sent (the user's text and the quick filters); "" for none. */
  filter: string;
  orderBy: string[];
  viewType: ViewType;
  /** Sorted by start time, newest first: live updates put new runs on top. */
  newestFirst: boolean;
}

/** The table the pages belong to. */
export interface PagesOwner {
  readonly source: RunsSource;
  readonly experimentId: string;
  query(): RunQuery;
  /** Runs arrived: their keys may be new columns. */
  discover(rows: readonly TableRow[]): void;
  /** What the pages show changed. */
  changed(): void;
}

/** What a load changes (see `set`). */
interface Loaded {
  rows: TableRow[];
  state: TableState;
  loadingMore: boolean;
  error: Problem | null;
  filterError: FilterError | null;
}

export class RunPages {
  /** Rows and load state, read through the getters below; changed by `set`, which tells the owner. */
  private readonly loaded: Loaded = {
    rows: [],
    state: "idle",
    loadingMore: false,
    error: null,
    filterError: null,
  };
  private _resets = 0;
  private _prepended = 0;
  private _prepends = 0;
  private _newRuns = 0;
  private nextPageToken: string | undefined;
  private generation = 0;
  private disposed = false;
  private polling = false;

  constructor(private readonly owner: PagesOwner) {}

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

  /** More runs exist on the server than are loaded. */
  get hasMore(): boolean {
    return this.nextPageToken !== undefined;
  }

  /** The user has seen the top: the "N new runs" notice goes. */
  acknowledgeNew(): void {
    if (this._newRuns === 0) return;
    this._newRuns = 0;
    this.owner.changed();
  }

  /** The loaded rows after a change made elsewhere (runs deleted or restored). */
  replaceRows(rows: TableRow[]): void {
    this.set({ rows });
  }

  /** Loads the first page again, with the current sort and filter. */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.nextPageToken = undefined;
    this.loaded.loadingMore = false;
    this.set({ state: "loading" });
    await this.fetch(generation, undefined);
  }

  /**
   * Reloads what is loaded (as many pages as before, so the scroll position still has rows under
   * it), keeping sort and filter. Rows stay on screen until the new ones arrive.
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
    const { source, experimentId } = this.owner;
    const generation = this.generation;
    const running = this.loaded.rows.filter((r) => r.status === "RUNNING").map((r) => r.runId);
    const newestFirst = this.owner.query().newestFirst;
    if (!running.length && !newestFirst) return;
    this.polling = true;
    try {
      const updated = new Map<string, TableRow>();
      for (let i = 0; i < running.length; i += POLL_CHUNK) {
        const ids = running.slice(i, i + POLL_CHUNK);
        const { runs } = await source.client.searchRuns([experimentId], {
          filter: `attributes.run_id IN (${ids.map(quoteValue).join(", ")})`,
          maxResults: ids.length,
          viewType: "ALL",
        });
        for (const run of runs) updated.set(run.info.run_id, toTableRow(run));
      }
      let fresh: TableRow[] = [];
      if (newestFirst) {
        const newest = this.loaded.rows.reduce((t, r) => Math.max(t, r.startTime ?? 0), 0);
        const query = this.owner.query();
        const filter = combineFilter(query.filter, [`attributes.start_time > ${newest}`]);
        const { runs } = await source.client.searchRuns([experimentId], {
          filter,
          orderBy: query.orderBy,
          maxResults: NEW_RUNS_MAX,
          viewType: query.viewType,
        });
        const loaded = new Set(this.loaded.rows.map((r) => r.runId));
        fresh = runs.map(toTableRow).filter((r) => !loaded.has(r.runId));
      }
      if (generation !== this.generation || this.disposed) return;
      source.report?.(null);
      if (!updated.size && !fresh.length) return;
      // Only the changed runs get new row objects: views re-render exactly those.
      let rows = updated.size ? this.loaded.rows.map((r) => updated.get(r.runId) ?? r) : this.loaded.rows;
      if (fresh.length) {
        this.owner.discover(fresh);
        rows = fresh.concat(rows);
        this._prepended = fresh.length;
        this._prepends++;
        this._newRuns += fresh.length;
      }
      this.owner.discover([...updated.values()]);
      this.set({ rows });
    } catch (e) {
      // A failed live update changes nothing on screen; the status bar says the server is gone.
      if (generation === this.generation) source.report?.(e);
    } finally {
      this.polling = false;
    }
  }

  /**
   * Every run matching the query, page by page up to `cap`. Rejects when a page fails: an export is
   * all or nothing.
   */
  async exportRows(
    cap = EXPORT_CAP,
    onProgress?: (loaded: number) => void,
  ): Promise<{ rows: TableRow[]; truncated: boolean }> {
    const { source, experimentId } = this.owner;
    const filter = this.owner.query().filter;
    const rows: TableRow[] = [];
    // Whether the last page read said more runs match: the cap cut the export short.
    let more = false;
    const pages = followPages(async (pageToken, wanted) => {
      const { orderBy, viewType } = this.owner.query();
      const { runs, nextPageToken } = await source.client.searchRuns([experimentId], {
        ...(filter ? { filter } : {}),
        orderBy,
        maxResults: Math.min(EXPORT_PAGE_SIZE, wanted),
        pageToken,
        viewType,
      });
      more = nextPageToken !== undefined;
      return { items: runs, nextPageToken };
    }, cap);
    for await (const page of pages) {
      for (const run of page) rows.push(toTableRow(run));
      onProgress?.(rows.length);
    }
    return { rows, truncated: more };
  }

  /** After a failure: the next page again when the first ones are there, else the first page. */
  retry(): Promise<void> {
    if (this.loaded.rows.length > 0 && this.nextPageToken && this.loaded.error) {
      this.loaded.state = "ready";
      return this.loadMore();
    }
    return this.reload();
  }

  /** Answers still on their way are dropped; no more live updates. */
  dispose(): void {
    this.disposed = true;
    this.generation++;
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
    const { source, experimentId } = this.owner;
    try {
      const { filter, orderBy, viewType } = this.owner.query();
      const { runs, nextPageToken } = await source.client.searchRuns([experimentId], {
        ...(filter ? { filter } : {}),
        orderBy,
        maxResults,
        pageToken,
        viewType,
      });
      if (generation !== this.generation) return null;
      source.report?.(null);
      const rows = runs.map(toTableRow);
      this.owner.discover(rows);
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
      this.owner.query().filter !== "" &&
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
    this.owner.source.report?.(e);
    this.set({ state: "error", loadingMore: false, error: describeError(e, this.owner.source.uri) });
  }

  private set(patch: Partial<Loaded>): void {
    Object.assign(this.loaded, patch);
    this.owner.changed();
  }
}
