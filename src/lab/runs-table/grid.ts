// DOM builders for the grid: the header row and one body row, laid out from the visible columns and
// their widths. Pinned columns lead and are shifted back by the horizontal scroll (see base.css).
// Text goes in through textContent only (el()).

import { el } from "../dom.js";
import { formatMetric } from "../format.js";
import { __, _n } from "../i18n.js";
import { type Column, ERROR_COLUMN } from "./columns.js";
import type { DisplayItem, RunsTableModel } from "./model.js";
import { cellText, type TableRow } from "./rows.js";

export const ROW_HEIGHT = 24;
/** The selection checkbox column, always first and pinned. */
export const SELECT_WIDTH = 28;

export interface GridLayout {
  columns: Column[];
  widths: number[];
  /** left offset of each pinned column (sticky), undefined for scrolling ones. */
  stickyLeft: (number | undefined)[];
  totalWidth: number;
  /** Changes whenever columns, widths or pins change: rows built for another layout are rebuilt. */
  key: string;
}

export function computeLayout(model: RunsTableModel): GridLayout {
  const columns = model.visibleColumns;
  const widths = columns.map((c) => model.width(c.id));
  const stickyLeft: (number | undefined)[] = [];
  let left = SELECT_WIDTH;
  let pinnedRun = true;
  columns.forEach((c, i) => {
    // visibleColumns puts pinned columns first; only that leading run can stick.
    pinnedRun = pinnedRun && model.isPinned(c.id);
    stickyLeft.push(pinnedRun ? left : undefined);
    left += widths[i] as number;
  });
  const key = columns.map((c, i) => `${c.id}:${widths[i]}:${stickyLeft[i] ?? ""}`).join("|");
  return { columns, widths, stickyLeft, totalWidth: left, key };
}

/** The scrolling columns a body row holds: [from, to), after the pinned ones and a spacer. */
export interface ColumnWindow {
  from: number;
  to: number;
  /** Width of the scrolling columns left out before `from`. */
  skipped: number;
}

/** Columns are added and dropped in chunks, so sideways scrolling rebuilds rows now and then only. */
const WINDOW_CHUNK = 6;

/**
 * The columns in view when scrolled `scrollLeft` into a viewport `viewWidth` wide, with a viewport's
 * width to spare on each side (rounded out to chunks). Rows hold only those and the pinned ones: text
 * out of view still costs paint.
 */
export function columnWindow(layout: GridLayout, scrollLeft: number, viewWidth: number): ColumnWindow {
  const n = layout.columns.length;
  let firstScrolling = 0;
  while (firstScrolling < n && layout.stickyLeft[firstScrolling] !== undefined) firstScrolling++;
  const lefts: number[] = [];
  let x = SELECT_WIDTH;
  for (let i = 0; i < n; i++) {
    lefts.push(x);
    x += layout.widths[i] as number;
  }
  const start = scrollLeft - viewWidth;
  const end = scrollLeft + 2 * viewWidth;
  let from = firstScrolling;
  while (from < n && (lefts[from] as number) + (layout.widths[from] as number) < start) from++;
  let to = from;
  while (to < n && (lefts[to] as number) < end) to++;
  from = firstScrolling + Math.floor((from - firstScrolling) / WINDOW_CHUNK) * WINDOW_CHUNK;
  to = Math.min(n, firstScrolling + Math.ceil((to - firstScrolling) / WINDOW_CHUNK) * WINDOW_CHUNK);
  const skipped = from < n ? (lefts[from] as number) - (lefts[firstScrolling] ?? x) : 0;
  return { from, to: Math.max(from, to), skipped };
}

function place(cell: HTMLElement, width: number, stickyLeft: number | undefined): void {
  cell.style.width = `${width}px`;
  // Pinned columns lead the row: shifted by the horizontal scroll (--lt-pinned-shift), they stay put.
  if (stickyLeft !== undefined) cell.classList.add("lt-mod-pinned");
}

export function headerCell(
  column: Column,
  width: number,
  stickyLeft: number | undefined,
  sort: "ascending" | "descending" | "none",
  pinned = false,
): HTMLElement {
  const sortable = column.orderKey !== null;
  const cell = el(
    "div",
    {
      className: `lt-RunsTable-headerCell lt-RunsTable-kind-${column.kind}${sortable ? " lt-mod-sortable" : ""}`,
      title: sortable
        ? __("%1: click to sort, right-click to pin", column.id)
        : __("%1: right-click to pin", column.id),
      dataset: { columnId: column.id },
      attrs: { role: "columnheader", "aria-sort": sort, ...(sortable ? { tabindex: "0" } : {}) },
    },
    pinned ? el("span", { className: "lt-RunsTable-pinMark", title: __("Pinned") }, "⇤") : null,
    el("span", { className: "lt-RunsTable-headerLabel" }, column.label),
    sort === "none"
      ? null
      : el("span", { className: "lt-RunsTable-sortMark" }, sort === "ascending" ? "▲" : "▼"),
    el("div", { className: "lt-RunsTable-resizer", attrs: { "aria-hidden": "true" } }),
  );
  place(cell, width, stickyLeft);
  return cell;
}

export function selectAllCell(checked: boolean, indeterminate: boolean): HTMLElement {
  const box = el("input", { attrs: { type: "checkbox", "aria-label": __("Select all loaded runs") } });
  box.checked = checked;
  box.indeterminate = indeterminate;
  const cell = el(
    "div",
    { className: "lt-RunsTable-headerCell lt-RunsTable-select", attrs: { role: "columnheader" } },
    box,
  );
  place(cell, SELECT_WIDTH, 0);
  return cell;
}

/** Nested runs: how far a child is indented, per level. */
const INDENT = 14;

export function bodyRow(
  row: TableRow,
  index: number,
  layout: GridLayout,
  selected: boolean,
  now: number,
  tree: { depth: number; childCount: number; expanded: boolean } = {
    depth: 0,
    childCount: 0,
    expanded: false,
  },
  window: ColumnWindow = { from: 0, to: layout.columns.length, skipped: 0 },
): HTMLElement {
  const node = el("div", {
    className: `lt-RunsTable-row${selected ? " lt-mod-selected" : ""}${row.deleted ? " lt-mod-deleted" : ""}`,
    dataset: { runId: row.runId, index: String(index) },
    attrs: {
      role: "row",
      "aria-rowindex": String(index + 2),
      "aria-selected": String(selected),
      ...(tree.childCount ? { "aria-expanded": String(tree.expanded) } : {}),
      ...(tree.depth ? { "aria-level": String(tree.depth + 1) } : {}),
    },
  });
  node.style.top = `${index * ROW_HEIGHT}px`;
  node.style.width = `${layout.totalWidth}px`;
  const box = el("input", { attrs: { type: "checkbox", "aria-label": __("Select %1", row.name) } });
  box.checked = selected;
  const select = el(
    "div",
    { className: "lt-RunsTable-cell lt-RunsTable-select", attrs: { role: "gridcell" } },
    box,
  );
  place(select, SELECT_WIDTH, 0);
  node.append(select);
  let spaced = false;
  layout.columns.forEach((column, i) => {
    const pinned = layout.stickyLeft[i] !== undefined;
    if (!pinned && (i < window.from || i >= window.to)) return;
    if (!pinned && !spaced) {
      spaced = true;
      if (window.skipped > 0) {
        const spacer = el("div", { className: "lt-RunsTable-spacer", attrs: { "aria-hidden": "true" } });
        spacer.style.width = `${window.skipped}px`;
        spacer.style.flex = "none";
        node.append(spacer);
      }
    }
    const text = cellText(row, column, now);
    const cell = el("div", {
      className: `lt-RunsTable-cell lt-RunsTable-kind-${column.kind}`,
      attrs: { role: "gridcell" },
    });
    if (column.id === "attributes.status") {
      cell.append(el("span", { className: `lt-Status lt-Status-${row.status.toLowerCase()}` }, text));
      if (row.deleted)
        cell.append(el("span", { className: "lt-RunsTable-deletedMark" }, ` ${__("deleted")}`));
    } else if (column.id === "attributes.run_name" && (tree.depth || tree.childCount)) {
      cell.style.paddingLeft = `${6 + tree.depth * INDENT}px`;
      cell.append(
        tree.childCount
          ? el(
              "button",
              {
                className: "lt-RunsTable-toggle",
                title: tree.expanded
                  ? _n("Hide %1 nested run", "Hide %1 nested runs", tree.childCount)
                  : _n("Show %1 nested run", "Show %1 nested runs", tree.childCount),
                attrs: { "aria-label": tree.expanded ? __("Collapse") : __("Expand"), tabindex: "-1" },
              },
              tree.expanded ? "▾" : "▸",
            )
          : el("span", { className: "lt-RunsTable-toggleSpace" }),
        el("span", { className: "lt-RunsTable-name" }, text),
      );
      cell.title = text;
    } else {
      cell.textContent = text;
      if (text) cell.title = text;
      if (column.id === ERROR_COLUMN) cell.classList.add("lt-RunsTable-errorCell");
    }
    place(cell, layout.widths[i] as number, layout.stickyLeft[i]);
    node.append(cell);
  });
  return node;
}

export function loadingRow(index: number, layout: GridLayout, failed: boolean): HTMLElement {
  const node = el(
    "div",
    {
      className: "lt-RunsTable-row lt-RunsTable-loadingRow",
      attrs: { role: "row", "aria-busy": String(!failed) },
    },
    el(
      "div",
      { className: "lt-RunsTable-cell", attrs: { role: "gridcell" } },
      failed ? __("Could not load more runs.") : __("Loading more runs…"),
    ),
  );
  node.style.top = `${index * ROW_HEIGHT}px`;
  node.style.width = `${layout.totalWidth}px`;
  return node;
}

/** The head line of a group: its value, how many loaded runs, and the aggregates of the metric. */
export function groupRow(
  item: Extract<DisplayItem, { kind: "group" }>,
  index: number,
  layout: GridLayout,
  by: string,
  metric: string | null,
): HTMLElement {
  const { group, expanded } = item;
  const n = group.rows.length;
  // %1 is the count for the plural choice, %2 the same count formatted for display.
  const parts = [_n("%2 run", "%2 runs", n, n.toLocaleString())];
  if (metric) {
    const s = group.stats;
    parts.push(
      s
        ? __(
            "%1: min %2 · mean %3 · max %4",
            metric,
            formatMetric(s.min),
            formatMetric(s.mean),
            formatMetric(s.max),
          ) + (s.count < n ? ` ${__("(%1 with it)", s.count)}` : "")
        : __("no %1", metric),
    );
  }
  const node = el(
    "div",
    {
      className: "lt-RunsTable-row lt-RunsTable-groupRow",
      dataset: { groupKey: item.key, index: String(index) },
      attrs: { role: "row", "aria-rowindex": String(index + 2), "aria-expanded": String(expanded) },
    },
    el(
      "div",
      { className: "lt-RunsTable-cell lt-RunsTable-groupCell", attrs: { role: "gridcell" } },
      el(
        "button",
        {
          className: "lt-RunsTable-toggle",
          attrs: { "aria-label": expanded ? __("Collapse group") : __("Expand group"), tabindex: "-1" },
        },
        expanded ? "▾" : "▸",
      ),
      el("span", { className: "lt-RunsTable-groupKey" }, `${by} = `),
      el(
        "span",
        { className: `lt-RunsTable-groupValue${group.value === null ? " lt-mod-none" : ""}` },
        group.value ?? "(none)",
      ),
      el("span", { className: "lt-RunsTable-groupStats" }, parts.join(" · ")),
    ),
  );
  node.style.top = `${index * ROW_HEIGHT}px`;
  node.style.width = `${layout.totalWidth}px`;
  return node;
}
