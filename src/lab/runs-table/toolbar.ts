// The table's toolbar: the filter box (MLflow's grammar, applied on Enter), the status quick filter,
// the column chooser's button, refresh, a summary of what is loaded; and under it the filter's error,
// pointing at the position the server named.
import type { RunStatus } from "../../client/wire.js";
import { el } from "../dom.js";
import { ColumnChooser } from "./chooser.js";
import { type RunsTableModel, STATUS_CHOICES } from "./model.js";

export class RunsTableToolbar {
  readonly node = el("div", { className: "lt-RunsTable-toolbar", attrs: { role: "toolbar" } });
  readonly errorNode = el("div", { className: "lt-RunsTable-error", attrs: { role: "alert" } });
  private readonly filter = el("input", {
    className: "lt-RunsTable-filter jp-mod-styled",
    attrs: {
      type: "text",
      spellcheck: "false",
      placeholder: "Filter runs: metrics.loss < 0.5 and params.lr = '0.01' (Enter)",
      "aria-label": "Filter runs",
    },
  });
  private readonly status = el("select", {
    className: "lt-RunsTable-status jp-mod-styled",
    attrs: { "aria-label": "Status" },
  });
  private readonly summary = el("span", {
    className: "lt-RunsTable-summary",
    attrs: { "aria-live": "polite" },
  });
  private readonly chooser: ColumnChooser;

  constructor(private readonly model: RunsTableModel) {
    this.status.append(el("option", { attrs: { value: "" } }, "All statuses"));
    for (const s of STATUS_CHOICES) this.status.append(el("option", { attrs: { value: s } }, s));
    this.filter.addEventListener("keydown", (e) => {
      if (e.key === "Enter") void this.model.setFilter(this.filter.value);
      else if (e.key === "Escape") this.filter.value = this.model.filter;
    });
    this.status.addEventListener("change", () => {
      void this.model.setStatusFilter(this.status.value as RunStatus | "");
    });
    const refresh = el(
      "button",
      { className: "lt-RunsTable-refresh jp-Button jp-mod-minimal", title: "Refresh" },
      "⟳",
    );
    refresh.setAttribute("aria-label", "Refresh");
    refresh.addEventListener("click", () => void this.model.refresh());
    this.chooser = new ColumnChooser(model);
    this.node.append(this.filter, this.status, this.chooser.node, refresh, this.summary);
  }

  render(): void {
    const m = this.model;
    if (document.activeElement !== this.filter && this.filter.value.trim() !== m.filter)
      this.filter.value = m.filter;
    this.status.value = m.statusFilter;
    this.filter.setAttribute("aria-invalid", String(m.filterError !== null));
    this.chooser.render();
    const parts = [`${m.rows.length.toLocaleString()} ${m.rows.length === 1 ? "run" : "runs"}`];
    if (m.hasMore) parts[0] += " loaded, more below";
    if (m.selection.size) parts.push(`${m.selection.size.toLocaleString()} selected`);
    if (m.state === "loading" || m.loadingMore) parts.push("loading…");
    this.summary.textContent = parts.join(" · ");
    this.renderError();
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
