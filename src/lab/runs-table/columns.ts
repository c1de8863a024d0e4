// The columns of a runs table: the run attributes every table has, and one column per param, metric and
import { __ } from "../i18n.js";
// tag key found in the loaded runs. A column's id is the key as MLflow's search grammar writes it
// (`metrics.loss`), so the same string names the column, sorts by it and could be typed in a filter.
export type ColumnKind = "attribute" | "param" | "metric" | "tag";

export interface Column {
  /** `attributes.run_name`, `params.lr`, `metrics.loss`, `tags.team`; `attributes.duration` is ours. */
  id: string;
  kind: ColumnKind;
  /** The param/metric/tag key, or the attribute name. */
  key: string;
  label: string;
  /** The order_by term without direction; null when the server cannot sort by it (duration). */
  orderKey: string | null;
}

export type SortDirection = "ASC" | "DESC";

export interface SortSpec {
  columnId: string;
  direction: SortDirection;
}

export const NAME_COLUMN = "attributes.run_name";
export const START_COLUMN = "attributes.start_time";
export const ERROR_COLUMN = "attributes.error";
export const MODELS_COLUMN = "attributes.models";

// The labels are getters: translated when shown, not when this module loads.
export const ATTRIBUTE_COLUMNS: readonly Column[] = [
  {
    id: NAME_COLUMN,
    kind: "attribute",
    key: "run_name",
    get label() {
      return __("Run");
    },
    orderKey: NAME_COLUMN,
  },
  {
    id: "attributes.status",
    kind: "attribute",
    key: "status",
    get label() {
      return __("Status");
    },
    orderKey: "attributes.status",
  },
  {
    id: START_COLUMN,
    kind: "attribute",
    key: "start_time",
    get label() {
      return __("Started");
    },
    orderKey: START_COLUMN,
  },
  // MLflow cannot order by end - start, so duration is shown but not sortable.
  {
    id: "attributes.duration",
    kind: "attribute",
    key: "duration",
    get label() {
      return __("Duration");
    },
    orderKey: null,
  },
  {
    id: "attributes.user_id",
    kind: "attribute",
    key: "user_id",
    get label() {
      return __("User");
    },
    orderKey: "attributes.user_id",
  },
];

/**
 * The error of a tracked cell's run (`ZeroDivisionError: division by zero`, from its error tags, else
 * why it was killed). Not one of ATTRIBUTE_COLUMNS: the table discovers it, next to the status, once
 * a loaded run has an error, so tables of runs that all went well do not carry an empty column.
 * Sorted by the error's name.
 */
export const ERROR_ATTRIBUTE: Column = {
  id: ERROR_COLUMN,
  kind: "attribute",
  key: "error",
  get label() {
    return __("Error");
  },
  orderKey: "tags.`labtrack.error.name`",
};

/**
 * How many MLflow 3 logged models a run made (its `outputs`). Like the error column, it appears once a
 * loaded run has one; MLflow cannot sort runs by it.
 */
export const MODELS_ATTRIBUTE: Column = {
  id: MODELS_COLUMN,
  kind: "attribute",
  key: "models",
  get label() {
    return __("Models");
  },
  orderKey: null,
};

const PREFIX: Record<Exclude<ColumnKind, "attribute">, string> = {
  param: "params",
  metric: "metrics",
  tag: "tags",
};

/**
 * Keys with characters outside MLflow's plain identifiers (`train/loss`, `my key`) must be
 * backtick-quoted in filters and order_by; dots are fine (`tags.mlflow.user`).
 */
export function quoteKey(key: string): string {
  return /^[A-Za-z0-9_.]+$/.test(key) ? key : `\`${key}\``;
}

export function keyColumn(kind: Exclude<ColumnKind, "attribute">, key: string): Column {
  const id = `${PREFIX[kind]}.${key}`;
  return { id, kind, key, label: key, orderKey: `${PREFIX[kind]}.${quoteKey(key)}` };
}

/** MLflow's order_by clause for a sort. */
export function orderByClause(column: Column, direction: SortDirection): string {
  return `${column.orderKey ?? column.id} ${direction}`;
}

/** Which direction a first click on a header sorts by: newest first for times, else ascending. */
export function firstDirection(column: Column): SortDirection {
  return column.id === START_COLUMN ? "DESC" : "ASC";
}

const KIND_ORDER: Record<ColumnKind, number> = { attribute: 0, metric: 1, param: 2, tag: 3 };

const ATTRIBUTE_ORDER = new Map(
  [
    ...ATTRIBUTE_COLUMNS.flatMap((c) => (c.id === "attributes.status" ? [c.id, ERROR_COLUMN] : [c.id])),
    MODELS_COLUMN,
  ].map((id, i) => [id, i]),
);

/** Attributes in their fixed order, then metrics, params and tags, each by key. */
export function compareColumns(a: Column, b: Column): number {
  return (
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (ATTRIBUTE_ORDER.get(a.id) ?? 0) - (ATTRIBUTE_ORDER.get(b.id) ?? 0) ||
    a.key.localeCompare(b.key)
  );
}

/** Attributes, metrics and params show until the user hides them; tags wait to be picked. */
export function visibleByDefault(column: Column): boolean {
  return column.kind !== "tag";
}

export function defaultWidth(column: Column): number {
  if (column.id === NAME_COLUMN) return 200;
  if (column.id === START_COLUMN) return 130;
  if (column.id === ERROR_COLUMN) return 220;
  if (column.kind === "attribute") return 90;
  return 110;
}

export const MIN_WIDTH = 40;
