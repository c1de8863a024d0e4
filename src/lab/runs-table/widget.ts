// The runs table: toolbars, a sticky header and a virtualized body. Only the lines in view (plus a few
// above and below) exist in the DOM; a body of lines × ROW_HEIGHT gives the scroller its height, and
// lines are placed absolutely. Scrolling renders on the next animation frame, and coming within
// LOAD_AHEAD lines of the end of what is loaded asks the model for the next page.
//
// Keyboard: the grid is one tab stop; ↑/↓ (Home/End, PageUp/PageDown) move the focused line, Space
// toggles its selection, Enter opens the run (or a group), ←/→ collapse/expand nested runs. Shift+click
// selects a range, a double-click opens a run. While a loaded run is RUNNING, a live update runs every
// refresh interval (model.poll) and the scroll position stays where the user left it.
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { el } from "../dom.js";
import { __, _n } from "../i18n.js";
import { RenderSchedule } from "../render-schedule.js";
import { NO_ACTIONS, type RunsTableActions } from "./actions.js";
import {
  bodyRow,
  columnWindow,
  computeLayout,
  type GridLayout,
  groupRow,
  headerCell,
  loadingRow,
  ROW_HEIGHT,
  selectAllCell,
} from "./grid.js";
import type { DisplayItem, RunsTableModel } from "./model.js";
import { RunsTableToolbar } from "./toolbar.js";

const OVERSCAN = 8;
const LOAD_AHEAD = 200;

/** The same line can stay in the DOM: the same run in the same place of the tree, or the same group. */
function sameItem(a: DisplayItem | undefined, b: DisplayItem | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (a.kind === "run" && b.kind === "run")
    return (
      a.row === b.row && a.depth === b.depth && a.childCount === b.childCount && a.expanded === b.expanded
    );
  return a.kind === "group" && b.kind === "group" && a.group === b.group && a.expanded === b.expanded;
}

export class RunsTableWidget extends Widget {
  private readonly toolbar: RunsTableToolbar;
  private readonly problem = el("div", { className: "lt-RunsTable-problem", attrs: { role: "alert" } });
  private readonly scroller = el("div", {
    className: "lt-RunsTable-scroller",
    attrs: { role: "grid", "aria-label": __("Runs"), "aria-multiselectable": "true", tabindex: "0" },
  });
  private readonly header = el("div", {
    className: "lt-RunsTable-header",
    attrs: { role: "row", "aria-rowindex": "1" },
  });
  private readonly body = el("div", { className: "lt-RunsTable-body", attrs: { role: "rowgroup" } });
  private readonly empty = el("div", { className: "lt-RunsTable-empty" });
  /** Rendered body lines by index, with the item each shows: reused while layout and item are the same. */
  private rendered = new Map<number, { node: HTMLElement; item: DisplayItem | undefined }>();
  /** Layout and column window the rendered rows were built for. */
  private windowKey = "";
  private renderedHeader = "";
  /** The horizontal scroll that pinned cells are shifted back by, as last set. */
  private pinnedShift = "0px";
  private resets = -1;
  private prepends = 0;
  /** One render per frame, however many scroll events and model changes came in between. */
  private readonly renders = new RenderSchedule(() => this.renderGrid());
  private resizing = false;
  /** The line keyboard actions apply to, and where a Shift+click range starts. */
  private focusIndex = -1;
  private anchorIndex = -1;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly model: RunsTableModel,
    private readonly actions: RunsTableActions = NO_ACTIONS,
  ) {
    super();
    this.addClass("lt-RunsTable");
    this.toolbar = new RunsTableToolbar(model, {
      compare: () => this.compareSelected(),
      remove: () => void this.deleteRuns([...model.selection]),
      restore: () => void this.restoreRuns([...model.selection]),
      exportCsv: () => void this.exportCsv(),
      showNew: () => {
        this.scroller.scrollTop = 0;
        model.acknowledgeNew();
      },
    });
    this.scroller.append(this.header, this.body, this.empty);
    this.node.append(this.toolbar.node, this.toolbar.errorNode, this.problem, this.scroller);
    this.scroller.addEventListener(
      "scroll",
      () => {
        const shift = `${this.scroller.scrollLeft}px`;
        if (shift !== this.pinnedShift) {
          this.pinnedShift = shift;
          this.scroller.style.setProperty("--lt-pinned-shift", shift);
        }
        this.renders.request();
      },
      { passive: true },
    );
    this.header.addEventListener("click", (e) => this.onHeaderClick(e));
    this.header.addEventListener("keydown", (e) => {
      if ((e.key === "Enter" || e.key === " ") && !(e.target instanceof HTMLInputElement)) {
        e.preventDefault();
        e.stopPropagation();
        this.onHeaderClick(e);
      }
    });
    this.header.addEventListener("pointerdown", (e) => this.onResizeStart(e));
    this.body.addEventListener("click", (e) => this.onBodyClick(e));
    this.body.addEventListener("dblclick", (e) => this.onBodyDoubleClick(e));
    this.body.addEventListener("contextmenu", (e) => this.onBodyContextMenu(e));
    this.scroller.addEventListener("keydown", (e) => this.onKey(e));
    model.changed.connect(this.onModelChanged, this);
    this.onModelChanged();
  }

  /** The runs a row's context menu acts on: the selection when the row is in it, else that row. */
  runsFor(runId: string): string[] {
    return this.model.selection.has(runId) ? [...this.model.selection] : [runId];
  }

  compareSelected(): void {
    const ids = [...this.model.selection];
    if (ids.length >= 2) this.actions.compareRuns(ids);
  }

  /** Asks once, then moves the runs to the trash and reports what failed. */
  async deleteRuns(runIds: string[]): Promise<void> {
    if (!runIds.length) return;
    const n = runIds.length;
    const ok = await this.actions.confirm(
      _n("Delete run?", "Delete %1 runs?", n),
      _n(
        "The run moves to the trash. Show “Deleted” to restore it.",
        "The %1 runs move to the trash. Show “Deleted” to restore them.",
        n,
      ),
      __("Delete"),
    );
    if (!ok) return;
    this.report("delete", await this.model.deleteRuns(runIds));
  }

  async restoreRuns(runIds: string[]): Promise<void> {
    if (!runIds.length) return;
    this.report("restore", await this.model.restoreRuns(runIds));
  }

  /** Every run the view matches, as CSV, downloaded by the browser. */
  async exportCsv(): Promise<void> {
    this.toolbar.exporting = __("Exporting…");
    this.toolbar.render();
    try {
      const { csv, count, truncated } = await this.model.exportCsv(undefined, (n) => {
        this.toolbar.exporting = __("Exporting %1…", n.toLocaleString());
        this.toolbar.render();
      });
      const blob = new Blob([csv], { type: "text/csv;charset=utf-8" });
      const url = URL.createObjectURL(blob);
      const link = el("a", { attrs: { href: url, download: `runs-${this.model.experimentId}.csv` } });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      if (truncated)
        this.actions.showError(
          __("Labtrack: export cut short"),
          __(
            "Only the first %1 matching runs were exported. Narrow the filter to export the rest.",
            count.toLocaleString(),
          ),
        );
    } catch (e) {
      this.actions.showError(__("Labtrack: export failed"), e instanceof Error ? e.message : String(e));
    } finally {
      this.toolbar.exporting = null;
      this.toolbar.render();
    }
  }

  get filterInput(): HTMLInputElement {
    return this.toolbar.filterInput;
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.model.state === "idle") void this.model.open();
    this.renders.request();
    this.schedulePoll();
  }

  protected override onBeforeDetach(msg: Message): void {
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    super.onBeforeDetach(msg);
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.renders.request();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.renders.request();
  }

  /** The next live update, after the interval the settings name (re-read each time: it may change). */
  private schedulePoll(): void {
    if (this.pollTimer !== undefined || this.isDisposed) return;
    const seconds = this.actions.refreshIntervalS();
    // Off (0): look again in a while in case the setting changes.
    const delay = seconds > 0 ? seconds * 1000 : 10_000;
    this.pollTimer = setTimeout(async () => {
      this.pollTimer = undefined;
      if (!this.isAttached || this.isDisposed) return;
      if (seconds > 0 && this.isVisible) await this.model.poll();
      this.schedulePoll();
    }, delay);
  }

  private onModelChanged(): void {
    this.toolbar.render();
    this.renderProblem();
    this.renders.request();
  }

  private renderProblem(): void {
    const error = this.model.error;
    this.problem.hidden = error === null;
    if (!error) {
      this.problem.replaceChildren();
      return;
    }
    const retry = el("button", { className: "jp-Button jp-mod-styled jp-mod-accept" }, __("Retry"));
    retry.addEventListener("click", () => void this.model.retry());
    this.problem.replaceChildren(
      el("strong", {}, __("Cannot load runs: %1", error.summary)),
      el("span", {}, ` ${error.detail} `),
      retry,
    );
  }

  private renderGrid(): void {
    if (this.isDisposed) return;
    const m = this.model;
    const layout = computeLayout(m);
    const headerKey = `${layout.key}\n${m.sort.columnId} ${m.sort.direction}`;
    const columns = columnWindow(layout, this.scroller.scrollLeft, this.scroller.clientWidth || 1200);
    const windowKey = `${layout.key}\n${columns.from}:${columns.to}`;
    if (windowKey !== this.windowKey) this.clearRows();
    this.windowKey = windowKey;
    if (headerKey !== this.renderedHeader) {
      this.renderHeader(layout);
      this.renderedHeader = headerKey;
    }
    this.updateSelectAll();
    if (m.resets !== this.resets) {
      // A new sort or filter: start at the top.
      this.resets = m.resets;
      this.prepends = m.prepends;
      this.scroller.scrollTop = 0;
      this.focusIndex = -1;
      this.anchorIndex = -1;
    } else if (m.prepends !== this.prepends) {
      // New runs went on top: keep the rows the user looks at in place (unless at the very top).
      this.prepends = m.prepends;
      if (this.scroller.scrollTop > 0 && !m.groupBy) {
        this.scroller.scrollTop += m.prepended * ROW_HEIGHT;
        if (this.focusIndex >= 0) this.focusIndex += m.prepended;
        if (this.anchorIndex >= 0) this.anchorIndex += m.prepended;
      } else m.acknowledgeNew();
    }
    if (this.scroller.scrollTop === 0 && m.newRuns > 0) queueMicrotask(() => m.acknowledgeNew());
    const items = m.display;
    const total = items.length + (m.hasMore || (m.error && m.rows.length) ? 1 : 0);
    this.body.style.height = `${total * ROW_HEIGHT}px`;
    this.body.style.width = `${layout.totalWidth}px`;
    this.renderEmpty();
    const view = Math.max(0, this.scroller.clientHeight - ROW_HEIGHT);
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total - 1, Math.ceil((this.scroller.scrollTop + view) / ROW_HEIGHT) + OVERSCAN);
    // Lines out of view, or showing another item than now (a page appended, a live update), go.
    for (const [i, entry] of this.rendered)
      if (i < first || i > last || !sameItem(entry.item, items[i])) {
        entry.node.remove();
        this.rendered.delete(i);
      }
    const now = Date.now();
    const fresh: HTMLElement[] = [];
    for (let i = first; i <= last; i++) {
      if (this.rendered.has(i)) continue;
      const item = items[i];
      let node: HTMLElement;
      if (!item) node = loadingRow(i, layout, m.error !== null);
      else if (item.kind === "group") node = groupRow(item, i, layout, m.groupBy ?? "", m.groupMetric);
      else node = bodyRow(item.row, i, layout, m.selection.has(item.row.runId), now, item, columns);
      this.rendered.set(i, { node, item });
      fresh.push(node);
    }
    if (fresh.length) this.body.append(...fresh);
    this.syncSelection();
    if (m.hasMore && !m.error && last >= items.length - LOAD_AHEAD && !m.groupBy) void m.loadMore();
  }

  private clearRows(): void {
    for (const entry of this.rendered.values()) entry.node.remove();
    this.rendered.clear();
  }

  private renderHeader(layout: GridLayout): void {
    const m = this.model;
    const cells = layout.columns.map((c, i) => {
      const sort =
        m.sort.columnId === c.id ? (m.sort.direction === "ASC" ? "ascending" : "descending") : "none";
      return headerCell(c, layout.widths[i] as number, layout.stickyLeft[i], sort, m.isPinned(c.id));
    });
    this.header.style.width = `${layout.totalWidth}px`;
    this.header.replaceChildren(selectAllCell(false, false), ...cells);
  }

  private updateSelectAll(): void {
    const box = this.header.querySelector<HTMLInputElement>(".lt-RunsTable-select input");
    if (!box) return;
    const m = this.model;
    const selectedLoaded = m.rows.reduce((n, r) => n + (m.selection.has(r.runId) ? 1 : 0), 0);
    box.checked = m.rows.length > 0 && selectedLoaded === m.rows.length;
    box.indeterminate = selectedLoaded > 0 && selectedLoaded < m.rows.length;
  }

  /** Selection and focus change rendered lines in place, so a clicked checkbox keeps focus. */
  private syncSelection(): void {
    for (const [i, { node }] of this.rendered) {
      node.classList.toggle("lt-mod-focused", i === this.focusIndex);
      const runId = node.dataset.runId;
      if (!runId) continue;
      const selected = this.model.selection.has(runId);
      node.classList.toggle("lt-mod-selected", selected);
      node.setAttribute("aria-selected", String(selected));
      const box = node.querySelector<HTMLInputElement>(".lt-RunsTable-select input");
      if (box) box.checked = selected;
    }
    const focused = this.rendered.get(this.focusIndex)?.node;
    if (focused?.id) this.scroller.setAttribute("aria-activedescendant", focused.id);
  }

  private renderEmpty(): void {
    const m = this.model;
    let text = "";
    if (m.rows.length === 0) {
      if (m.state === "loading" || m.state === "idle") text = __("Loading runs…");
      else if (m.filterError) text = __("Fix the filter to see runs.");
      else if (m.state === "ready")
        text = m.effectiveFilter
          ? __("No run matches the filter.")
          : m.viewType === "DELETED_ONLY"
            ? __("No deleted runs in this experiment.")
            : __("No runs in this experiment yet.");
    }
    this.empty.textContent = text;
    this.empty.hidden = text === "";
    this.scroller.setAttribute("aria-busy", String(m.state === "loading" || m.loadingMore));
    this.scroller.setAttribute("aria-rowcount", m.hasMore ? "-1" : String(m.display.length + 1));
  }

  private onHeaderClick(e: Event): void {
    const target = e.target as HTMLElement;
    if (this.resizing || target.closest(".lt-RunsTable-resizer")) return;
    if (target.closest(".lt-RunsTable-select")) {
      if (target instanceof HTMLInputElement && e.type === "click") this.model.toggleSelectAll();
      return;
    }
    const id = target.closest<HTMLElement>(".lt-RunsTable-headerCell")?.dataset.columnId;
    if (id) void this.model.toggleSort(id);
  }

  private lineIndex(target: EventTarget | null): number {
    const line = (target as HTMLElement | null)?.closest<HTMLElement>(".lt-RunsTable-row");
    return line?.dataset.index === undefined ? -1 : Number(line.dataset.index);
  }

  private onBodyClick(e: MouseEvent): void {
    const target = e.target as HTMLElement;
    const index = this.lineIndex(target);
    const item = this.model.display[index];
    if (!item) return;
    if (target.closest(".lt-RunsTable-toggle")) {
      if (item.kind === "group") this.model.toggleGroup(item.key);
      else this.model.toggleExpanded(item.row.runId);
      this.setFocus(index);
      return;
    }
    if (item.kind === "group") {
      this.setFocus(index);
      return;
    }
    const box = target instanceof HTMLInputElement && target.type === "checkbox" ? target : null;
    if (e.shiftKey && this.anchorIndex >= 0) {
      // A range from where the last click was, to here; the range takes the anchor's state.
      const anchor = this.model.display[this.anchorIndex];
      const on = anchor?.kind === "run" ? this.model.selection.has(anchor.row.runId) || !!box?.checked : true;
      this.model.selectRange(this.anchorIndex, index, on);
      if (!box) window.getSelection()?.removeAllRanges();
    } else if (box) {
      this.model.setSelected(item.row.runId, box.checked);
      this.anchorIndex = index;
    } else if (e.ctrlKey || e.metaKey) {
      this.model.setSelected(item.row.runId, !this.model.selection.has(item.row.runId));
      this.anchorIndex = index;
    } else this.anchorIndex = index;
    this.setFocus(index, !box);
  }

  private onBodyDoubleClick(e: MouseEvent): void {
    const target = e.target as HTMLElement;
    if (target.closest(".lt-RunsTable-toggle, .lt-RunsTable-select")) return;
    const item = this.model.display[this.lineIndex(target)];
    if (item?.kind === "run") this.actions.openRun(item.row.runId);
  }

  /** A right-click focuses the line, so the menu's commands know which run is meant. */
  private onBodyContextMenu(e: MouseEvent): void {
    const index = this.lineIndex(e.target);
    if (index >= 0) this.setFocus(index, false);
  }

  private setFocus(index: number, focusGrid = true): void {
    const items = this.model.display;
    if (!items.length) return;
    this.focusIndex = Math.max(0, Math.min(items.length - 1, index));
    // Keep the focused line in view, below the sticky header.
    const top = this.focusIndex * ROW_HEIGHT;
    const viewTop = this.scroller.scrollTop;
    const viewBottom = viewTop + this.scroller.clientHeight - 2 * ROW_HEIGHT;
    if (top < viewTop) this.scroller.scrollTop = top;
    else if (top > viewBottom) this.scroller.scrollTop = top - this.scroller.clientHeight + 2 * ROW_HEIGHT;
    if (focusGrid && document.activeElement !== this.scroller) this.scroller.focus({ preventScroll: true });
    this.syncSelection();
    this.renders.request();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.target !== this.scroller) return;
    const m = this.model;
    const items = m.display;
    if (!items.length) return;
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 2);
    const at = this.focusIndex;
    const item = items[at];
    const move = (to: number) => {
      e.preventDefault();
      this.setFocus(to);
      if (e.shiftKey && this.anchorIndex >= 0) m.selectRange(this.anchorIndex, this.focusIndex, true);
      else this.anchorIndex = this.focusIndex;
    };
    switch (e.key) {
      case "ArrowDown":
        move(at < 0 ? 0 : at + 1);
        return;
      case "ArrowUp":
        move(at < 0 ? 0 : at - 1);
        return;
      case "PageDown":
        move(at + page);
        return;
      case "PageUp":
        move(at - page);
        return;
      case "Home":
        move(0);
        return;
      case "End":
        move(items.length - 1);
        return;
      case " ":
        e.preventDefault();
        if (item?.kind === "run") m.setSelected(item.row.runId, !m.selection.has(item.row.runId));
        else if (item?.kind === "group") m.toggleGroup(item.key);
        return;
      case "Enter":
        e.preventDefault();
        if (item?.kind === "run") this.actions.openRun(item.row.runId);
        else if (item?.kind === "group") m.toggleGroup(item.key);
        return;
      case "ArrowRight":
      case "ArrowLeft": {
        const open = e.key === "ArrowRight";
        if (item?.kind === "group" && item.expanded !== open) m.toggleGroup(item.key);
        else if (item?.kind === "run" && item.childCount && item.expanded !== open)
          m.toggleExpanded(item.row.runId);
        else return;
        e.preventDefault();
        return;
      }
      case "a":
        if (e.ctrlKey || e.metaKey) {
          e.preventDefault();
          m.toggleSelectAll();
        }
        return;
      case "Escape":
        if (m.selection.size) {
          e.preventDefault();
          m.clearSelection();
        }
        return;
    }
  }

  /** Dragging a header's right edge sets the column's width (kept in the model). */
  private onResizeStart(e: PointerEvent): void {
    const handle = e.target as HTMLElement;
    if (!handle.classList.contains("lt-RunsTable-resizer")) return;
    const id = handle.closest<HTMLElement>(".lt-RunsTable-headerCell")?.dataset.columnId;
    if (!id) return;
    e.preventDefault();
    e.stopPropagation();
    this.resizing = true;
    const startX = e.clientX;
    const startWidth = this.model.width(id);
    // On the window, not the handle: the header is rebuilt as the width changes.
    const move = (ev: PointerEvent) => this.model.setWidth(id, startWidth + ev.clientX - startX);
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      // The click that ends a drag comes right after pointerup and must not sort.
      setTimeout(() => {
        this.resizing = false;
      });
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  private report(
    what: "delete" | "restore",
    outcome: { done: string[]; failed: { runId: string; problem: { summary: string; detail: string } }[] },
  ): void {
    if (!outcome.failed.length) return;
    const first = outcome.failed[0];
    const failed = outcome.failed.length;
    const total = outcome.done.length + outcome.failed.length;
    this.actions.showError(
      what === "delete"
        ? __("Labtrack: could not delete %1 of %2 runs", failed, total)
        : __("Labtrack: could not restore %1 of %2 runs", failed, total),
      first ? `${first.runId}: ${first.problem.summary}. ${first.problem.detail}` : "",
    );
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.renders.dispose();
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.model.changed.disconnect(this.onModelChanged, this);
    this.toolbar.dispose();
    super.dispose();
  }
}
