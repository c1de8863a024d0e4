// The runs table's columns: every one known (the attributes, then the metrics, params and tags found
// in the loaded runs) and the user's choices of which are shown, pinned, in what order and how wide.
// No DOM; part of RunsTableModel, which emits and keeps the view after each change.
import { runError } from "../../tracking/cell-run.js";
import {
  ATTRIBUTE_COLUMNS,
  type Column,
  compareColumns,
  defaultWidth,
  ERROR_ATTRIBUTE,
  ERROR_COLUMN,
  keyColumn,
  MIN_WIDTH,
  MODELS_ATTRIBUTE,
  MODELS_COLUMN,
  NAME_COLUMN,
  visibleByDefault,
} from "./columns.js";
import type { TableRow } from "./rows.js";
import type { ViewState } from "./view-state.js";

/** The columns' part of what is kept across reloads. */
export type ColumnsView = Pick<ViewState, "visible" | "order" | "widths" | "pinned">;

export class TableColumns {
  private readonly discovered = new Map<string, Column>(ATTRIBUTE_COLUMNS.map((c) => [c.id, c]));
  private readonly seenKeys = new Set<string>();
  private readonly visibility = new Map<string, boolean>();
  private readonly widths = new Map<string, number>();
  private readonly pinned = new Set<string>([NAME_COLUMN]);
  private order: string[] = [];

  /** Every known column: attributes, then metrics, params and tags by key. */
  get all(): Column[] {
    return [...this.discovered.values()].sort(compareColumns);
  }

  /** The columns shown, pinned ones first, each part in the user's order (then the natural one). */
  get visible(): Column[] {
    const rank = new Map(this.order.map((id, i) => [id, i]));
    const shown = this.all
      .filter((c) => this.isVisible(c.id))
      .sort(
        (a, b) =>
          (rank.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.id) ?? Number.MAX_SAFE_INTEGER) ||
          compareColumns(a, b),
      );
    return [...shown.filter((c) => this.isPinned(c.id)), ...shown.filter((c) => !this.isPinned(c.id))];
  }

  get(id: string): Column | undefined {
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

  /** False when nothing changed: the column is unknown, or the run name (it identifies a row). */
  setVisible(id: string, visible: boolean): boolean {
    if (id === NAME_COLUMN || !this.discovered.has(id)) return false;
    this.visibility.set(id, visible);
    return true;
  }

  setPinned(id: string, pinned: boolean): void {
    if (pinned) this.pinned.add(id);
    else this.pinned.delete(id);
  }

  setWidth(id: string, px: number): void {
    this.widths.set(id, Math.max(MIN_WIDTH, Math.round(px)));
  }

  /**
   * Moves a shown column one place left (-1) or right (+1) among the shown ones (pins stay first).
   * False when it cannot move that way.
   */
  move(id: string, step: -1 | 1): boolean {
    const ids = this.visible.map((c) => c.id);
    const at = ids.indexOf(id);
    const to = at + step;
    if (at < 0 || to < 0 || to >= ids.length) return false;
    if (this.isPinned(id) !== this.isPinned(ids[to] as string)) return false;
    [ids[at], ids[to]] = [ids[to] as string, ids[at] as string];
    // Hidden columns keep their earlier place after the shown ones.
    this.order = [...ids, ...this.order.filter((o) => !ids.includes(o))];
    return true;
  }

  /** A column the server can sort by: a known one, or any `metrics.`/`params.`/`tags.` key before its runs load. */
  sortable(id: string): Column | null {
    const known = this.discovered.get(id);
    if (known) return known.orderKey ? known : null;
    const m = /^(metrics|params|tags)\.(.+)$/.exec(id);
    if (!m) return null;
    const kind = m[1] === "metrics" ? "metric" : m[1] === "params" ? "param" : "tag";
    return keyColumn(kind, m[2] as string);
  }

  /** Adds the columns of keys first seen in these rows. */
  discover(rows: readonly TableRow[]): void {
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

  get view(): ColumnsView {
    return {
      visible: Object.fromEntries(this.visibility),
      order: [...this.order],
      widths: Object.fromEntries(this.widths),
      pinned: [...this.pinned],
    };
  }

  apply(v: ColumnsView): void {
    this.visibility.clear();
    for (const [k, on] of Object.entries(v.visible)) this.visibility.set(k, on);
    this.widths.clear();
    for (const [k, w] of Object.entries(v.widths)) this.widths.set(k, Math.max(MIN_WIDTH, Math.round(w)));
    this.pinned.clear();
    for (const id of v.pinned) this.pinned.add(id);
    this.order = v.order;
  }
}
