// The runs table's selection: run ids, kept across reloads and pages (a run deleted from the active
// view leaves it). No DOM; part of RunsTableModel, which emits after each change.
import type { DisplayItem } from "./model.js";
import type { TableRow } from "./rows.js";

export class RunSelection {
  private readonly ids = new Set<string>();

  get runIds(): ReadonlySet<string> {
    return this.ids;
  }

  set(runId: string, selected: boolean): void {
    if (selected) this.ids.add(runId);
    else this.ids.delete(runId);
  }

  /** The runs of display lines `from`..`to` (either order), as a Shift+click selects them. */
  setRange(items: readonly DisplayItem[], from: number, to: number, selected: boolean): void {
    for (let i = Math.max(0, Math.min(from, to)); i <= Math.min(items.length - 1, Math.max(from, to)); i++) {
      const item = items[i];
      if (item?.kind !== "run") continue;
      this.set(item.row.runId, selected);
    }
  }

  /** Selects every row, or clears the selection when all rows are selected. */
  toggleAll(rows: readonly TableRow[]): void {
    const all = rows.length > 0 && rows.every((r) => this.ids.has(r.runId));
    if (all) this.ids.clear();
    else for (const r of rows) this.ids.add(r.runId);
  }

  clear(): void {
    this.ids.clear();
  }

  /** Runs that left what is shown. */
  forget(runIds: Iterable<string>): void {
    for (const id of runIds) this.ids.delete(id);
  }
}
