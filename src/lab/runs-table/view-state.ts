// What of a runs table is kept across reloads, per tracking server and experiment: columns (shown,
// order, widths, pins), sort, quick filters, what is shown (active/deleted/all) and the grouping.
// Stored as JSON through a small store interface: JupyterLab's IStateDB fits it, localStorage is the
// fallback. What comes back is checked field by field: a stored value is data, not trusted state.
import type { ReadonlyPartialJSONObject, ReadonlyPartialJSONValue } from "@lumino/coreutils";
import type { RunStatus, ViewType } from "../../client/wire.js";
import type { SortSpec } from "./columns.js";
import type { TimeRange } from "./quick-filters.js";

export interface ViewState {
  visible: Record<string, boolean>;
  order: string[];
  widths: Record<string, number>;
  pinned: string[];
  sort: SortSpec;
  status: RunStatus | "";
  timeRange: TimeRange;
  mine: boolean;
  viewType: ViewType;
  groupBy: string | null;
  groupMetric: string | null;
}

/** What the model needs of a store; IStateDB has this shape. */
export interface ViewStateStore {
  fetch(id: string): Promise<ReadonlyPartialJSONValue | undefined>;
  save(id: string, value: ReadonlyPartialJSONValue): Promise<unknown>;
}

export function viewStateKey(uri: string, experimentId: string): string {
  return `labtrack-runs-table:${uri}|${experimentId}`;
}

/** A store over Web Storage (localStorage), for when JupyterLab's state database is not there. */
export function webStorageStore(storage: Pick<Storage, "getItem" | "setItem">): ViewStateStore {
  return {
    fetch: async (id) => {
      const text = storage.getItem(id);
      if (text === null) return undefined;
      try {
        return JSON.parse(text) as ReadonlyPartialJSONValue;
      } catch {
        return undefined;
      }
    },
    save: async (id, value) => {
      try {
        storage.setItem(id, JSON.stringify(value));
      } catch {
        // Storage full or disabled: the view is simply not kept.
      }
    },
  };
}

export function toJson(state: ViewState): ReadonlyPartialJSONObject {
  return { version: 1, ...state } as unknown as ReadonlyPartialJSONObject;
}

const STATUSES = new Set(["", "RUNNING", "FINISHED", "FAILED", "KILLED", "SCHEDULED"]);
const RANGES = new Set(["", "1h", "24h", "7d", "30d"]);
const VIEWS = new Set(["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** A stored value back to a view state; anything malformed falls back to the given defaults. */
export function parseViewState(value: unknown, defaults: ViewState): ViewState {
  if (!isObject(value) || value.version !== 1) return defaults;
  const visible: Record<string, boolean> = {};
  if (isObject(value.visible))
    for (const [k, v] of Object.entries(value.visible)) if (typeof v === "boolean") visible[k] = v;
  const widths: Record<string, number> = {};
  if (isObject(value.widths))
    for (const [k, v] of Object.entries(value.widths))
      if (typeof v === "number" && Number.isFinite(v) && v > 0 && v < 5000) widths[k] = v;
  const sort: SortSpec =
    isObject(value.sort) &&
    typeof value.sort.columnId === "string" &&
    (value.sort.direction === "ASC" || value.sort.direction === "DESC")
      ? { columnId: value.sort.columnId, direction: value.sort.direction as SortSpec["direction"] }
      : defaults.sort;
  const str = (v: unknown, allowed: Set<string>, fallback: string) =>
    typeof v === "string" && allowed.has(v) ? v : fallback;
  const key = (v: unknown, pattern: RegExp) => (typeof v === "string" && pattern.test(v) ? v : null);
  return {
    visible,
    order: strings(value.order),
    widths,
    pinned: strings(value.pinned),
    sort,
    status: str(value.status, STATUSES, defaults.status) as RunStatus | "",
    timeRange: str(value.timeRange, RANGES, defaults.timeRange) as TimeRange,
    mine: typeof value.mine === "boolean" ? value.mine : defaults.mine,
    viewType: str(value.viewType, VIEWS, defaults.viewType) as ViewType,
    groupBy: key(value.groupBy, /^(params|tags)\../),
    groupMetric: key(value.groupMetric, /^metrics\../),
  };
}
