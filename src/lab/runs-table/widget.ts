// The runs table: toolbar, a sticky header and a virtualized body. Only the rows in view (plus a few
// above and below) exist in the DOM; a body of rows × ROW_HEIGHT gives the scroller its height, and
// rows are placed absolutely. Scrolling renders on the next animation frame, and coming within
// LOAD_AHEAD rows of the end of what is loaded asks the model for the next page.
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { el } from "../dom.js";
import {
  bodyRow,
  computeLayout,
  type GridLayout,
  headerCell,
  loadingRow,
  ROW_HEIGHT,
  selectAllCell,
} from "./grid.js";
import type { RunsTableModel } from "./model.js";
import type { TableRow } from "./rows.js";
import { RunsTableToolbar } from "./toolbar.js";

const OVERSCAN = 8;
const LOAD_AHEAD = 200;

export class RunsTableWidget extends Widget {
  private readonly toolbar: RunsTableToolbar;
  private readonly problem = el("div", { className: "lt-RunsTable-problem", attrs: { role: "alert" } });
  private readonly scroller = el("div", {
    className: "lt-RunsTable-scroller",
    attrs: { role: "grid", "aria-label": "Runs", "aria-multiselectable": "true" },
  });
  private readonly header = el("div", {
    className: "lt-RunsTable-header",
    attrs: { role: "row", "aria-rowindex": "1" },
  });
  private readonly body = el("div", { className: "lt-RunsTable-body", attrs: { role: "rowgroup" } });
  private readonly empty = el("div", { className: "lt-RunsTable-empty" });
  /** Rendered body rows by index, with the row each shows: reused while layout and row are the same. */
  private rendered = new Map<number, { node: HTMLElement; row: TableRow | undefined }>();
  private gridLayout: GridLayout | null = null;
  private renderedSort = "";
  private resets = -1;
  private frame = 0;
  private resizing = false;

  constructor(readonly model: RunsTableModel) {
    super();
    this.addClass("lt-RunsTable");
    this.toolbar = new RunsTableToolbar(model);
    this.scroller.append(this.header, this.body, this.empty);
    this.node.append(this.toolbar.node, this.toolbar.errorNode, this.problem, this.scroller);
    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.header.addEventListener("click", (e) => this.onHeaderClick(e));
    this.header.addEventListener("keydown", (e) => {
      if ((e.key === "Enter" || e.key === " ") && !(e.target instanceof HTMLInputElement)) {
        e.preventDefault();
        this.onHeaderClick(e);
      }
    });
    this.header.addEventListener("pointerdown", (e) => this.onResizeStart(e));
    this.body.addEventListener("change", (e) => this.onRowCheck(e));
    model.changed.connect(this.onModelChanged, this);
    this.onModelChanged();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.model.state === "idle") void this.model.reload();
    this.schedule();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.schedule();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.schedule();
  }

  private onModelChanged(): void {
    this.toolbar.render();
    this.renderProblem();
    this.schedule();
  }

  /** One render per frame, however many scroll events and model changes came in between. */
  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderGrid();
    });
  }

  private renderProblem(): void {
    const error = this.model.error;
    this.problem.hidden = error === null;
    if (!error) {
      this.problem.replaceChildren();
      return;
    }
    const retry = el("button", { className: "jp-Button jp-mod-styled jp-mod-accept" }, "Retry");
    retry.addEventListener("click", () => void this.model.retry());
    this.problem.replaceChildren(
      el("strong", {}, `Cannot load runs: ${error.summary}`),
      el("span", {}, ` ${error.detail} `),
      retry,
    );
  }

  private renderGrid(): void {
    if (this.isDisposed) return;
    const m = this.model;
    const layout = computeLayout(m);
    const sortKey = `${m.sort.columnId} ${m.sort.direction}`;
    const layoutChanged = layout.key !== this.gridLayout?.key;
    if (layoutChanged) this.clearRows();
    if (layoutChanged || sortKey !== this.renderedSort || !this.gridLayout) {
      this.renderHeader(layout);
      this.renderedSort = sortKey;
    }
    this.updateSelectAll();
    this.gridLayout = layout;
    if (m.resets !== this.resets) {
      // A new sort or filter: start at the top.
      this.resets = m.resets;
      this.scroller.scrollTop = 0;
    }
    const total = m.rows.length + (m.hasMore || (m.error && m.rows.length) ? 1 : 0);
    this.body.style.height = `${total * ROW_HEIGHT}px`;
    this.body.style.width = `${layout.totalWidth}px`;
    this.renderEmpty();
    const view = Math.max(0, this.scroller.clientHeight - ROW_HEIGHT);
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total - 1, Math.ceil((this.scroller.scrollTop + view) / ROW_HEIGHT) + OVERSCAN);
    // Rows out of view, or showing another run than now (a page appended, a refresh), go.
    for (const [i, entry] of this.rendered)
      if (i < first || i > last || entry.row !== m.rows[i]) {
        entry.node.remove();
        this.rendered.delete(i);
      }
    const now = Date.now();
    const fresh: HTMLElement[] = [];
    for (let i = first; i <= last; i++) {
      if (this.rendered.has(i)) continue;
      const row = m.rows[i];
      const node = row
        ? bodyRow(row, i, layout, m.selection.has(row.runId), now)
        : loadingRow(i, layout, m.error !== null);
      this.rendered.set(i, { node, row });
      fresh.push(node);
    }
    if (fresh.length) this.body.append(...fresh);
    this.syncSelection();
    if (m.hasMore && !m.error && last >= m.rows.length - LOAD_AHEAD) void m.loadMore();
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
      return headerCell(c, layout.widths[i] as number, layout.stickyLeft[i], sort);
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

  /** Selection changes update rendered rows in place, so a clicked checkbox keeps focus. */
  private syncSelection(): void {
    for (const { node } of this.rendered.values()) {
      const runId = node.dataset.runId;
      if (!runId) continue;
      const selected = this.model.selection.has(runId);
      node.classList.toggle("lt-mod-selected", selected);
      node.setAttribute("aria-selected", String(selected));
      const box = node.querySelector<HTMLInputElement>(".lt-RunsTable-select input");
      if (box) box.checked = selected;
    }
  }

  private renderEmpty(): void {
    const m = this.model;
    let text = "";
    if (m.rows.length === 0) {
      if (m.state === "loading" || m.state === "idle") text = "Loading runs…";
      else if (m.filterError) text = "Fix the filter to see runs.";
      else if (m.state === "ready")
        text = m.effectiveFilter ? "No run matches the filter." : "No runs in this experiment yet.";
    }
    this.empty.textContent = text;
    this.empty.hidden = text === "";
    this.scroller.setAttribute("aria-busy", String(m.state === "loading" || m.loadingMore));
    this.scroller.setAttribute("aria-rowcount", m.hasMore ? "-1" : String(m.rows.length + 1));
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

  private onRowCheck(e: Event): void {
    const box = e.target as HTMLInputElement;
    const runId = box.closest<HTMLElement>(".lt-RunsTable-row")?.dataset.runId;
    if (runId) this.model.setSelected(runId, box.checked);
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

  override dispose(): void {
    if (this.isDisposed) return;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.model.changed.disconnect(this.onModelChanged, this);
    this.toolbar.dispose();
    super.dispose();
  }
}
