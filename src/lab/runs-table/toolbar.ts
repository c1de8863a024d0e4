// The table's toolbars. The first: the filter box (MLflow's grammar, with completion, applied on
// Enter), the quick filters (status, start time, mine), active/deleted/all, the column chooser's
// button, refresh, a summary of what is loaded. The second: what to do with the selection (compare,
// delete, restore), CSV export, and grouping. Under them the filter's error, pointing at the position
// the server named.
import type { RunStatus, ViewType } from "../../client/wire.js";
import { el } from "../dom.js";
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
    attrs: { role: "toolbar", "aria-label": "Run actions" },
  });
  private readonly filterBox: FilterBox;
  private readonly status = select("lt-RunsTable-status", "Status", [
    ["", "All statuses"],
    ...STATUS_CHOICES.map<[string, string]>((s) => [s, s]),
  ]);
  private readonly time = select("lt-RunsTable-time", "Started", [
    ["", "Any time"],
    ...TIME_RANGES.map<[string, string]>((r) => [r.value, r.label]),
  ]);
  private readonly mineBox = el("input", { attrs: { type: "checkbox" } });
  private readonly mine = el(
    "label",
    { className: "lt-RunsTable-mine", title: "Only runs whose mlflow.user tag is you" },
    this.mineBox,
    "Mine",
  );
  private readonly view = select("lt-RunsTable-view", "Show", [
    ["ACTIVE_ONLY", "Active"],
    ["DELETED_ONLY", "Deleted"],
    ["ALL", "All"],
  ]);
  private readonly summary = el("span", {
    className: "lt-RunsTable-summary",
    attrs: { "aria-live": "polite" },
  });
  private readonly newRuns = el("button", { className: "lt-RunsTable-newRuns jp-Button jp-mod-minimal" });
  private readonly compare = button(
    "lt-RunsTable-compareRuns",
    "Compare",
    "Compare the selected runs (2 or more)",
  );
  private readonly remove = button("lt-RunsTable-delete", "Delete", "Move the selected runs to the trash");
  private readonly restore = button("lt-RunsTable-restore", "Restore", "Restore the selected deleted runs");
  private readonly exportButton = button(
    "lt-RunsTable-export",
    "Export CSV",
    "All runs matching the filter, sorted as shown, with the shown columns",
  );
  private readonly groupBy = el("select", {
    className: "lt-RunsTable-groupBy jp-mod-styled",
    attrs: { "aria-label": "Group by" },
  });
  private readonly groupMetric = el("select", {
    className: "lt-RunsTable-groupMetric jp-mod-styled",
    attrs: { "aria-label": "Aggregate" },
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
      { className: "lt-RunsTable-refresh jp-Button jp-mod-minimal", title: "Refresh" },
      "⟳",
    );
    refresh.setAttribute("aria-label", "Refresh");
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
      el("span", { className: "lt-RunsTable-label" }, "Group by"),
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
    const parts = [`${m.rows.length.toLocaleString()} ${m.rows.length === 1 ? "run" : "runs"}`];
    if (m.hasMore) parts[0] += " loaded, more below";
    if (m.selection.size) parts.push(`${m.selection.size.toLocaleString()} selected`);
    if (m.state === "loading" || m.loadingMore) parts.push("loading…");
    this.summary.textContent = parts.join(" · ");
    this.newRuns.hidden = m.newRuns === 0;
    this.newRuns.textContent = `↑ ${m.newRuns.toLocaleString()} new ${m.newRuns === 1 ? "run" : "runs"}`;
    const selected = m.selection.size;
    this.compare.disabled = selected < 2;
    this.remove.disabled = selected === 0 || m.viewType === "DELETED_ONLY";
    this.restore.disabled = selected === 0 || m.viewType === "ACTIVE_ONLY";
    this.remove.textContent = selected ? `Delete (${selected})` : "Delete";
    this.restore.textContent = selected ? `Restore (${selected})` : "Restore";
    this.exportButton.disabled = this.exporting !== null || m.state !== "ready";
    this.exportButton.textContent = this.exporting ?? "Export CSV";
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
        el("option", { attrs: { value: "" } }, "(none)"),
        ...keys.map((k) => el("option", { attrs: { value: k } }, k)),
      );
      this.groupMetric.replaceChildren(
        el("option", { attrs: { value: "" } }, "(count only)"),
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
      this.groupNote.textContent = `over the ${m.rows.length.toLocaleString()} loaded runs${m.hasMore ? " (more on the server)" : ""}`;
    this.loadAll.textContent = `Load all (up to ${LOAD_ALL_CAP.toLocaleString()})`;
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
          `${text}\n${" ".repeat(at)}^ position ${error.position}`,
        ),
      );
    }
    this.errorNode.replaceChildren(...children);
  }

  dispose(): void {
    this.chooser.dispose();
  }
}
