// The table's toolbars. The first: the filter box (MLflow's grammar, with completion, applied on
// Enter), the quick filters (status, start time, mine), active/deleted/all, the column chooser's
// button, refresh, a summary of what is loaded. The second: what to do with the selection (compare,
// delete, restore), CSV export, and grouping. Under them the filter's error, pointing at the position
// the server named.
import type { RunStatus, ViewType } from "../../client/wire.js";
import { el } from "../dom.js";
import { __, _n } from "../i18n.js";
import { ColumnChooser } from "./chooser.js";
import { FilterBox } from "./filter-box.js";
import { LOAD_ALL_CAP, type RunsTableModel, STATUS_CHOICES } from "./model.js";
import { TIME_RANGES, type TimeRange } from "./quick-filters.js";

export interface ToolbarHandlers {
  compare(): void;
  remove(): void;
  restore(): void;
  exportCsv(): void;
  /** Scrolls to the top, where new runs appeared. */
  showNew(): void;
}

function select(
  className: string,
  label: string,
  options: ReadonlyArray<[string, string]>,
): HTMLSelectElement {
  const node = el("select", { className: `${className} jp-mod-styled`, attrs: { "aria-label": label } });
  for (const [value, text] of options) node.append(el("option", { attrs: { value } }, text));
  return node;
}

function button(className: string, text: string, title: string): HTMLButtonElement {
  return el("button", { className: `${className} jp-Button jp-mod-styled`, title }, text);
}

export class RunsTableToolbar {
  readonly node = el("div", { className: "lt-RunsTable-toolbars" });
  readonly errorNode = el("div", { className: "lt-RunsTable-error", attrs: { role: "alert" } });
  private readonly bar = el("div", { className: "lt-RunsTable-toolbar", attrs: { role: "toolbar" } });
  private readonly actionsBar = el("div", {
    className: "lt-RunsTable-toolbar lt-RunsTable-actions",
    attrs: { role: "toolbar", "aria-label": __("Run actions") },
  });
  private readonly filterBox: FilterBox;
  private readonly status = select("lt-RunsTable-status", __("Status"), [
    ["", __("All statuses")],
    ...STATUS_CHOICES.map<[string, string]>((s) => [s, s]),
  ]);
  private readonly time = select("lt-RunsTable-time", __("Started"), [
    ["", __("Any time")],
    ...TIME_RANGES.map<[string, string]>((r) => [r.value, r.label]),
  ]);
  private readonly mineBox = el("input", { attrs: { type: "checkbox" } });
  private readonly mine = el(
    "label",
    { className: "lt-RunsTable-mine", title: __("Only runs whose %1 tag is you", "mlflow.user") },
    this.mineBox,
    __("Mine"),
  );
  private readonly view = select("lt-RunsTable-view", __("Show"), [
    ["ACTIVE_ONLY", __("Active")],
    ["DELETED_ONLY", __("Deleted")],
    ["ALL", __("All")],
  ]);
  private readonly summary = el("span", {
    className: "lt-RunsTable-summary",
    attrs: { "aria-live": "polite" },
  });
  private readonly newRuns = el("button", { className: "lt-RunsTable-newRuns jp-Button jp-mod-minimal" });
  private readonly compare = button(
    "lt-RunsTable-compareRuns",
    __("Compare"),
    __("Compare the selected runs (2 or more)"),
  );
  private readonly remove = button(
    "lt-RunsTable-delete",
    __("Delete"),
    __("Move the selected runs to the trash"),
  );
  private readonly restore = button(
    "lt-RunsTable-restore",
    __("Restore"),
    __("Restore the selected deleted runs"),
  );
  private readonly exportButton = button(
    "lt-RunsTable-export",
    __("Export CSV"),
    __("All runs matching the filter, sorted as shown, with the shown columns"),
  );
  private readonly groupBy = el("select", {
    className: "lt-RunsTable-groupBy jp-mod-styled",
    attrs: { "aria-label": __("Group by") },
  });
  private readonly groupMetric = el("select", {
    className: "lt-RunsTable-groupMetric jp-mod-styled",
    attrs: { "aria-label": __("Aggregate") },
  });
  private readonly groupNote = el("span", { className: "lt-RunsTable-groupNote" });
  private readonly loadAll = el("button", { className: "lt-RunsTable-loadAll jp-Button jp-mod-minimal" });
  private readonly chooser: ColumnChooser;
  private optionsKey = "";
  /** Set while an export runs: its progress replaces the button's label. */
  exporting: string | null = null;

  constructor(
    private readonly model: RunsTableModel,
    handlers: ToolbarHandlers,
  ) {
    this.filterBox = new FilterBox(
      () => model.completionSource,
      (text) => void model.setFilter(text),
      () => model.filter,
    );
    this.status.addEventListener("change", () => {
      void this.model.setStatusFilter(this.status.value as RunStatus | "");
    });
    this.time.addEventListener("change", () => void model.setTimeRange(this.time.value as TimeRange));
    this.mineBox.addEventListener("change", () => void model.setMine(this.mineBox.checked));
    this.view.addEventListener("change", () => void model.setViewType(this.view.value as ViewType));
    const refresh = el(
      "button",
      { className: "lt-RunsTable-refresh jp-Button jp-mod-minimal", title: __("Refresh") },
      "⟳",
    );
    refresh.setAttribute("aria-label", __("Refresh"));
    refresh.addEventListener("click", () => void this.model.refresh());
    this.chooser = new ColumnChooser(model);
    this.compare.addEventListener("click", () => handlers.compare());
    this.remove.addEventListener("click", () => handlers.remove());
    this.restore.addEventListener("click", () => handlers.restore());
    this.exportButton.addEventListener("click", () => handlers.exportCsv());
    this.newRuns.addEventListener("click", () => handlers.showNew());
    this.groupBy.addEventListener("change", () =>
      model.setGroupBy(this.groupBy.value || null, this.groupMetric.value || null),
    );
    this.groupMetric.addEventListener("change", () =>
      model.setGroupBy(model.groupBy, this.groupMetric.value || null),
    );
    this.loadAll.addEventListener("click", () => void model.loadAll());
    this.bar.append(
      this.filterBox.node,
      this.status,
      this.time,
      this.mine,
      this.view,
      this.chooser.node,
      refresh,
      this.summary,
      this.newRuns,
    );
    this.actionsBar.append(
      this.compare,
      this.remove,
      this.restore,
      this.exportButton,
      el("span", { className: "lt-RunsTable-spacer" }),
      el("span", { className: "lt-RunsTable-label" }, __("Group by")),
      this.groupBy,
      this.groupMetric,
      this.groupNote,
      this.loadAll,
    );
    this.node.append(this.bar, this.actionsBar);
  }

  get filterInput(): HTMLInputElement {
    return this.filterBox.input;
  }

  render(): void {
    const m = this.model;
    const filter = this.filterBox.input;
    if (document.activeElement !== filter && filter.value.trim() !== m.filter) filter.value = m.filter;
    this.status.value = m.statusFilter;
    this.time.value = m.timeRange;
    this.mineBox.checked = m.mine;
    this.mine.hidden = m.user === null;
    this.view.value = m.viewType;
    filter.setAttribute("aria-invalid", String(m.filterError !== null));
    this.chooser.render();
    // %1 is the count for the plural choice, %2 the same count formatted for display.
    const n = m.rows.length;
    const parts = [
      m.hasMore
        ? _n("%2 run loaded, more below", "%2 runs loaded, more below", n, n.toLocaleString())
        : _n("%2 run", "%2 runs", n, n.toLocaleString()),
    ];
    if (m.selection.size) parts.push(__("%1 selected", m.selection.size.toLocaleString()));
    if (m.state === "loading" || m.loadingMore) parts.push(__("loading…"));
    this.summary.textContent = parts.join(" · ");
    this.newRuns.hidden = m.newRuns === 0;
    this.newRuns.textContent = _n("↑ %2 new run", "↑ %2 new runs", m.newRuns, m.newRuns.toLocaleString());
    const selected = m.selection.size;
    this.compare.disabled = selected < 2;
    this.remove.disabled = selected === 0 || m.viewType === "DELETED_ONLY";
    this.restore.disabled = selected === 0 || m.viewType === "ACTIVE_ONLY";
    this.remove.textContent = selected ? __("Delete (%1)", selected) : __("Delete");
    this.restore.textContent = selected ? __("Restore (%1)", selected) : __("Restore");
    this.exportButton.disabled = this.exporting !== null || m.state !== "ready";
    this.exportButton.textContent = this.exporting ?? __("Export CSV");
    this.renderGroupOptions();
    this.renderError();
  }

  private renderGroupOptions(): void {
    const m = this.model;
    const columns = m.columns;
    const keys = columns.filter((c) => c.kind === "param" || c.kind === "tag").map((c) => c.id);
    const metrics = columns.filter((c) => c.kind === "metric").map((c) => c.id);
    const key = `${keys.join("\n")}\u0000${metrics.join("\n")}`;
    if (key !== this.optionsKey) {
      // Only when new keys arrive: rebuilding a select under the pointer would close it.
      this.optionsKey = key;
      this.groupBy.replaceChildren(
        el("option", { attrs: { value: "" } }, __("(none)")),
        ...keys.map((k) => el("option", { attrs: { value: k } }, k)),
      );
      this.groupMetric.replaceChildren(
        el("option", { attrs: { value: "" } }, __("(count only)")),
        ...metrics.map((k) => el("option", { attrs: { value: k } }, k)),
      );
    }
    this.groupBy.value = m.groupBy ?? "";
    this.groupMetric.value = m.groupMetric ?? "";
    this.groupMetric.hidden = m.groupBy === null;
    const grouping = m.groupBy !== null;
    this.groupNote.hidden = !grouping;
    this.loadAll.hidden = !grouping || !m.hasMore || m.rows.length >= LOAD_ALL_CAP;
    if (grouping)
      this.groupNote.textContent = m.hasMore
        ? __("over the %1 loaded runs (more on the server)", m.rows.length.toLocaleString())
        : __("over the %1 loaded runs", m.rows.length.toLocaleString());
    this.loadAll.textContent = __("Load all (up to %1)", LOAD_ALL_CAP.toLocaleString());
  }

  private renderError(): void {
    const error = this.model.filterError;
    this.errorNode.hidden = error === null;
    if (!error) {
      this.errorNode.replaceChildren();
      return;
    }
    const children: Node[] = [el("span", { className: "lt-RunsTable-errorMessage" }, error.message)];
    if (error.position !== undefined) {
      // The filter text with a caret under the offending character.
      const text = this.model.filter;
      const at = Math.min(error.position, text.length);
      children.push(
        el(
          "pre",
          { className: "lt-RunsTable-errorWhere" },
          `${text}\n${" ".repeat(at)}^ ${__("position %1", error.position)}`,
        ),
      );
    }
    this.errorNode.replaceChildren(...children);
  }

  dispose(): void {
    this.chooser.dispose();
  }
}
