// The sidebar panel: experiments, and the latest runs of the selected one. A thin view over
// ExperimentsModel; it re-renders from the model's state and never parses text as HTML.
import { Widget } from "@lumino/widgets";
import type { WireExperiment } from "../client/wire.js";
import type { TrackingConnection } from "./connection.js";
import { el } from "./dom.js";
import { type ExperimentsModel, RUNS_SHOWN, type RunRow } from "./experiments-model.js";
import { formatDuration, formatMetric, formatTime } from "./format.js";

const METRICS_SHOWN = 3;

export class LabtrackPanel extends Widget {
  private readonly header = el("div", { className: "lt-Panel-header" });
  private readonly filter = el("input", {
    className: "lt-Panel-filter jp-mod-styled",
    attrs: { type: "search", placeholder: "Filter experiments", "aria-label": "Filter experiments" },
  });
  private readonly body = el("div", { className: "lt-Panel-body" });
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly model: ExperimentsModel,
    private readonly connection: TrackingConnection,
    private readonly openTable: (experiment: WireExperiment) => unknown = () => undefined,
  ) {
    super();
    this.id = "labtrack-panel";
    this.addClass("lt-Panel");
    this.title.caption = "Labtrack experiments";
    const refresh = el(
      "button",
      { className: "lt-Panel-refresh jp-Button jp-mod-minimal", title: "Refresh" },
      "⟳",
    );
    refresh.setAttribute("aria-label", "Refresh");
    refresh.addEventListener("click", () => void this.model.refresh());
    this.header.append(el("h2", { className: "lt-Panel-title" }, "Experiments"), refresh);
    this.filter.addEventListener("input", () => this.render());
    this.node.append(this.header, this.filter, this.body);
    model.changed.connect(this.render, this);
    connection.changed.connect(this.onConnection, this);
    this.render();
  }

  /** Polls while visible, at the interval from the settings (0: never). */
  private schedule(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const seconds = this.connection.settings.refreshIntervalS;
    if (this.isVisible && seconds > 0)
      this.timer = setInterval(() => void this.model.refresh(), seconds * 1000);
  }

  protected override onAfterShow(): void {
    void this.model.refresh();
    this.schedule();
  }

  protected override onAfterHide(): void {
    this.schedule();
  }

  private onConnection(): void {
    this.schedule();
    const state = this.connection.status.state;
    if (this.isVisible && state === "connected" && this.model.state === "error") void this.model.refresh();
  }

  private render(): void {
    const m = this.model;
    const content: Node[] = [];
    if (m.state === "error" && m.error) {
      const retry = el("button", { className: "jp-Button jp-mod-styled jp-mod-accept" }, "Retry");
      retry.addEventListener("click", () => void m.refresh());
      content.push(
        el(
          "div",
          { className: "lt-Panel-error", attrs: { role: "alert" } },
          el("strong", {}, `Cannot load experiments: ${m.error.summary}`),
          el("p", {}, m.error.detail),
          retry,
        ),
      );
    }
    if ((m.state === "loading" || m.state === "idle") && m.experiments.length === 0)
      content.push(el("div", { className: "lt-Panel-empty" }, "Loading experiments…"));
    if (m.state === "ready" && m.experiments.length === 0)
      content.push(
        el(
          "div",
          { className: "lt-Panel-empty" },
          "No experiments yet. Log a run from a notebook (the client library, or %%track in a cell) and it appears here.",
        ),
      );
    if (m.experiments.length > 0) content.push(this.experimentList(), this.runList());
    this.body.replaceChildren(...content);
  }

  private experimentList(): HTMLElement {
    const needle = this.filter.value.trim().toLowerCase();
    const list = el("ul", {
      className: "lt-ExperimentList",
      attrs: { role: "listbox", "aria-label": "Experiments" },
    });
    for (const exp of this.model.experiments) {
      if (needle && !exp.name.toLowerCase().includes(needle)) continue;
      const selected = exp.experiment_id === this.model.selectedId;
      const item = el(
        "li",
        {
          className: `lt-ExperimentList-item${selected ? " lt-mod-selected" : ""}`,
          title: `${exp.name} (id ${exp.experiment_id})`,
          dataset: { experimentId: exp.experiment_id },
          attrs: { role: "option", "aria-selected": String(selected), tabindex: "0" },
        },
        exp.name,
      );
      item.addEventListener("click", () => void this.model.select(exp.experiment_id));
      item.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") void this.model.select(exp.experiment_id);
      });
      list.append(item);
    }
    if (!list.childElementCount)
      list.append(el("li", { className: "lt-Panel-empty" }, "No experiment matches."));
    return list;
  }

  private runList(): HTMLElement {
    const exp = this.model.selected;
    const section = el("section", { className: "lt-RunList" });
    const title = el("div", { className: "lt-RunList-head" });
    title.append(el("h3", { className: "lt-RunList-title" }, exp ? `Runs of ${exp.name}` : "Runs"));
    if (exp) {
      const open = el(
        "button",
        { className: "lt-RunList-open jp-Button jp-mod-minimal", title: "Open all runs in a table" },
        "Table",
      );
      open.addEventListener("click", () => void this.openTable(exp));
      title.append(open);
    }
    section.append(title);
    const cell = this.model.cellFilter;
    if (cell) {
      const clear = el("button", { className: "lt-Chip-clear", title: "Show all runs" }, "✕");
      clear.setAttribute("aria-label", "Show all runs");
      clear.addEventListener("click", () => void this.model.clearCellFilter());
      section.append(el("div", { className: "lt-Chip" }, `History of ${cell.label}`, clear));
    }
    if (this.model.runs.length === 0) {
      section.append(el("div", { className: "lt-Panel-empty" }, "No runs in this experiment yet."));
      return section;
    }
    const list = el("ul", { className: "lt-RunList-items" });
    for (const run of this.model.runs) {
      const item = runItem(run);
      if (run.runId === this.model.highlightedRunId) {
        item.classList.add("lt-mod-highlighted");
        requestAnimationFrame(() => item.scrollIntoView({ block: "nearest" }));
      }
      list.append(item);
    }
    section.append(list);
    if (this.model.moreRuns)
      section.append(el("div", { className: "lt-Panel-more" }, `Showing the latest ${RUNS_SHOWN} runs.`));
    return section;
  }

  override dispose(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.model.changed.disconnect(this.render, this);
    this.connection.changed.disconnect(this.onConnection, this);
    super.dispose();
  }
}

function runItem(run: RunRow): HTMLElement {
  const metrics = run.metrics.slice(0, METRICS_SHOWN).map((m) => `${m.key} ${formatMetric(m.value)}`);
  if (run.metrics.length > METRICS_SHOWN) metrics.push(`+${run.metrics.length - METRICS_SHOWN}`);
  return el(
    "li",
    { className: "lt-RunItem", dataset: { runId: run.runId, status: run.status }, title: `Run ${run.runId}` },
    el(
      "div",
      { className: "lt-RunItem-head" },
      el("span", { className: `lt-Status lt-Status-${run.status.toLowerCase()}` }, run.status),
      el("span", { className: "lt-RunItem-name" }, run.name),
    ),
    el(
      "div",
      { className: "lt-RunItem-meta" },
      el("span", {}, formatTime(run.startTime)),
      el("span", {}, formatDuration(run.durationMs)),
    ),
    metrics.length ? el("div", { className: "lt-RunItem-metrics" }, metrics.join(" · ")) : null,
  );
}
