// The sidebar panel: experiments (filter, current notebook's mark, deleted ones on request), the tags
// of the selected one, and its latest runs. A thin view over ExperimentsModel: it re-renders from the
// model's state, acts only through commands, and never parses text as HTML.
import type { CommandRegistry } from "@lumino/commands";
import type { ReadonlyPartialJSONObject } from "@lumino/coreutils";
import { Widget } from "@lumino/widgets";
import { CommandIds } from "../command-ids.js";
import { el } from "../dom.js";
import { formatDuration, formatMetric, formatTime } from "../format.js";
import { __ } from "../i18n.js";
import type { ILabtrackConnection } from "../tokens.js";
import { EXPERIMENT_ID_ATTR } from "./commands.js";
import { differingParams, type ExperimentsModel, isSystemTag, RUNS_SHOWN, type RunRow } from "./model.js";

const METRICS_SHOWN = 3;
/** The `origin` the list's key bindings give their commands (schema/plugin.json). */
const LIST_ORIGIN = "experiment-list";

/** What had the keyboard focus before a render, to give it back afterwards. */
type Focus = { selector: string } | null;

export class LabtrackPanel extends Widget {
  private readonly header = el("div", { className: "lt-Panel-header" });
  private readonly filter = el("input", {
    className: "lt-Panel-filter jp-mod-styled",
    attrs: {
      type: "search",
      placeholder: __("Filter by name or tag"),
      "aria-label": __("Filter experiments"),
    },
  });
  private readonly showDeleted = el("input", {
    className: "lt-Panel-showDeleted",
    attrs: { type: "checkbox" },
  });
  private readonly body = el("div", { className: "lt-Panel-body" });
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly model: ExperimentsModel,
    private readonly connection: ILabtrackConnection,
    private readonly commands: CommandRegistry,
  ) {
    super();
    this.id = "labtrack-panel";
    this.addClass("lt-Panel");
    this.title.caption = __("Labtrack experiments");
    const actions = el(
      "div",
      { className: "lt-Panel-actions" },
      this.button(
        "+",
        __("New experiment"),
        "lt-Panel-new",
        () => void this.exec(CommandIds.newExperiment, {}, __("Cannot create an experiment")),
      ),
      this.button(
        __("Models"),
        __("Model registry"),
        "lt-Panel-models",
        () => void this.exec(CommandIds.openModels, {}, __("Cannot open the model registry")),
      ),
      this.button("⟳", __("Refresh"), "lt-Panel-refresh", () => void this.model.refresh()),
    );
    this.header.append(el("h2", { className: "lt-Panel-title" }, __("Experiments")), actions);
    this.filter.addEventListener("input", () => this.model.setFilter(this.filter.value));
    this.showDeleted.addEventListener(
      "change",
      () => void this.model.setShowDeleted(this.showDeleted.checked),
    );
    const toggle = el("label", { className: "lt-Panel-toggle" }, __("Show deleted"));
    toggle.prepend(this.showDeleted);
    this.node.append(this.header, this.filter, toggle, this.body);
    model.changed.connect(this.render, this);
    commands.commandExecuted.connect(this.onCommandExecuted, this);
    connection.changed.connect(this.onConnection, this);
    this.render();
  }

  private button(text: string, label: string, className: string, click: () => void): HTMLButtonElement {
    const b = el("button", { className: `${className} jp-Button jp-mod-minimal`, title: label }, text);
    b.setAttribute("aria-label", label);
    b.addEventListener("click", click);
    return b;
  }

  /** Runs a command; a failure (e.g. a view that is not installed) is shown in the panel. */
  private exec(
    id: string,
    args: ReadonlyPartialJSONObject = {},
    failure = __("Cannot do that"),
  ): Promise<void> {
    return this.commands.execute(id, args).then(
      () => undefined,
      (e: unknown) => void this.model.fail(failure, e),
    );
  }

  /**
   * A command run by the list's keys (its key bindings pass `origin: "experiment-list"`) may open a
   * dialog: once it is done, the keyboard goes back to the list.
   */
  private onCommandExecuted(
    _: CommandRegistry,
    { args, result }: CommandRegistry.ICommandExecutedArgs,
  ): void {
    if (args.origin !== LIST_ORIGIN) return;
    const back = () => this.refocusList();
    result.then(back, back);
  }

  /** After a dialog opened from the list, the keyboard goes back to the list (re-rendered meanwhile). */
  private refocusList(): void {
    if (this.isVisible)
      this.body.querySelector<HTMLElement>(".lt-ExperimentList-item[tabindex='0']")?.focus();
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

  private focused(): Focus {
    const active = document.activeElement;
    if (!(active instanceof HTMLElement) || !this.body.contains(active)) return null;
    if (active.closest(".lt-ExperimentList")) return { selector: ".lt-ExperimentList-item[tabindex='0']" };
    const run = active.closest<HTMLElement>(".lt-RunItem");
    if (run?.dataset.runId)
      return { selector: `.lt-RunItem[data-run-id="${CSS.escape(run.dataset.runId)}"]` };
    return null;
  }

  private render(): void {
    const m = this.model;
    const focus = this.focused();
    this.showDeleted.checked = m.showDeleted;
    if (this.filter.value !== m.filterText) this.filter.value = m.filterText;
    const content: Node[] = [];
    if (m.actionError) {
      const dismiss = el("button", { className: "lt-Chip-clear", title: __("Dismiss") }, "✕");
      dismiss.setAttribute("aria-label", __("Dismiss"));
      dismiss.addEventListener("click", () => m.dismissActionError());
      content.push(
        el(
          "div",
          { className: "lt-Panel-error lt-Panel-actionError", attrs: { role: "alert" } },
          el("div", { className: "lt-Panel-errorHead" }, el("strong", {}, m.actionError.action), dismiss),
          el("p", {}, m.actionError.problem.detail),
        ),
      );
    }
    if (m.state === "error" && m.error) {
      const retry = el("button", { className: "jp-Button jp-mod-styled jp-mod-accept" }, __("Retry"));
      retry.addEventListener("click", () => void m.refresh());
      content.push(
        el(
          "div",
          { className: "lt-Panel-error", attrs: { role: "alert" } },
          el("strong", {}, __("Cannot load experiments: %1", m.error.summary)),
          el("p", {}, m.error.detail),
          retry,
        ),
      );
    }
    if ((m.state === "loading" || m.state === "idle") && m.experiments.length === 0)
      content.push(el("div", { className: "lt-Panel-empty" }, __("Loading experiments…")));
    if (m.state === "ready" && m.experiments.length === 0)
      content.push(
        el(
          "div",
          { className: "lt-Panel-empty" },
          __(
            "No experiments yet. Log a run from a notebook (the client library, or %1 in a cell) and it appears here.",
            "%%track",
          ),
        ),
      );
    if (m.experiments.length > 0) content.push(this.experimentList());
    if (m.showDeleted) content.push(this.deletedList());
    if (m.experiments.length > 0) content.push(this.tagList(), this.runList());
    this.body.replaceChildren(...content);
    if (focus) this.body.querySelector<HTMLElement>(focus.selector)?.focus();
  }

  private experimentList(): HTMLElement {
    const m = this.model;
    const list = el("ul", {
      className: "lt-ExperimentList",
      attrs: { role: "listbox", "aria-label": __("Experiments") },
    });
    const visible = m.visibleExperiments;
    const current = m.currentExperiment?.experiment_id;
    const focusable = visible.some((e) => e.experiment_id === m.selectedId)
      ? m.selectedId
      : visible[0]?.experiment_id;
    for (const exp of visible) {
      const id = exp.experiment_id;
      const selected = id === m.selectedId;
      const isCurrent = id === current;
      const why =
        m.current?.source === "notebook"
          ? __("the current notebook's experiment")
          : __("the default experiment");
      const item = el(
        "li",
        {
          className: `lt-ExperimentList-item${selected ? " lt-mod-selected" : ""}${isCurrent ? " lt-mod-current" : ""}`,
          title: isCurrent ? __("%1 (id %2): %3", exp.name, id, why) : __("%1 (id %2)", exp.name, id),
          attrs: {
            role: "option",
            "aria-selected": String(selected),
            tabindex: id === focusable ? "0" : "-1",
            [EXPERIMENT_ID_ATTR]: id,
          },
        },
        el("span", { className: "lt-ExperimentList-name" }, exp.name),
        isCurrent
          ? el(
              "span",
              { className: "lt-ExperimentList-current", attrs: { "aria-hidden": "true" } },
              __("current"),
            )
          : null,
      );
      if (isCurrent) item.setAttribute("aria-description", why);
      item.addEventListener("click", () => {
        item.focus();
        void m.select(id);
      });
      item.addEventListener(
        "dblclick",
        () => void this.exec(CommandIds.openExperimentRuns, { experimentId: id }),
      );
      // The context menu acts on what it was opened on; selecting it too keeps the view in step.
      item.addEventListener("contextmenu", () => void m.select(id));
      list.append(item);
    }
    list.addEventListener("keydown", (e) => this.onListKey(e));
    if (!list.childElementCount)
      list.append(el("li", { className: "lt-Panel-empty" }, __("No experiment matches.")));
    return list;
  }

  private onListKey(e: KeyboardEvent): void {
    const m = this.model;
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity };
    // Moving through the list is the list's own; Enter, F2 and Delete are key bindings of the
    // experiment commands (schema/plugin.json), which act on the selected experiment.
    if (!(e.key in step)) return;
    const delta = step[e.key] as number;
    const next = Number.isFinite(delta) ? m.neighbour(delta) : m.visibleExperiments.at(delta < 0 ? 0 : -1);
    if (next) void m.select(next.experiment_id);
    e.preventDefault();
    e.stopPropagation();
  }

  private deletedList(): HTMLElement {
    const section = el(
      "section",
      { className: "lt-DeletedList" },
      el("h3", { className: "lt-ExperimentTags-title" }, __("Deleted experiments")),
    );
    const deleted = this.model.visibleDeleted;
    if (deleted.length === 0) {
      section.append(el("div", { className: "lt-Panel-empty" }, __("No deleted experiments.")));
      return section;
    }
    const list = el("ul", {
      className: "lt-DeletedList-items",
      attrs: { "aria-label": __("Deleted experiments") },
    });
    for (const exp of deleted) {
      const restore = el(
        "button",
        { className: "lt-DeletedList-restore jp-Button jp-mod-minimal", title: __("Restore %1", exp.name) },
        __("Restore"),
      );
      restore.setAttribute("aria-label", __("Restore %1", exp.name));
      restore.addEventListener(
        "click",
        () => void this.exec(CommandIds.restoreExperiment, { experimentId: exp.experiment_id }),
      );
      list.append(
        el(
          "li",
          {
            className: "lt-DeletedList-item",
            title: __("%1 (id %2, deleted)", exp.name, exp.experiment_id),
            attrs: { [EXPERIMENT_ID_ATTR]: exp.experiment_id },
          },
          el("span", { className: "lt-DeletedList-name" }, exp.name),
          restore,
        ),
      );
    }
    section.append(list);
    return section;
  }

  private tagList(): HTMLElement {
    const exp = this.model.selected;
    const section = el("section", { className: "lt-ExperimentTags" });
    if (!exp) return section;
    const head = el(
      "div",
      { className: "lt-RunList-head" },
      el("h3", { className: "lt-ExperimentTags-title" }, __("Tags")),
    );
    const add = el(
      "button",
      { className: "lt-RunList-open jp-Button jp-mod-minimal", title: __("Add a tag to %1", exp.name) },
      __("Add tag"),
    );
    add.addEventListener(
      "click",
      () => void this.exec(CommandIds.addExperimentTag, { experimentId: exp.experiment_id }),
    );
    head.append(add);
    section.append(head);
    const tags = (exp.tags ?? [])
      .filter((t) => !isSystemTag(t.key))
      .sort((a, b) => a.key.localeCompare(b.key));
    if (tags.length === 0) {
      section.append(el("div", { className: "lt-Panel-empty" }, __("No tags.")));
      return section;
    }
    const list = el("ul", { className: "lt-TagList", attrs: { "aria-label": __("Tags of %1", exp.name) } });
    for (const tag of tags) {
      const args = { experimentId: exp.experiment_id, key: tag.key };
      const edit = this.button(
        "✎",
        __("Edit tag %1", tag.key),
        "lt-TagList-edit",
        () => void this.exec(CommandIds.editExperimentTag, args),
      );
      const remove = this.button(
        "✕",
        __("Delete tag %1", tag.key),
        "lt-TagList-delete",
        () => void this.exec(CommandIds.deleteExperimentTag, args),
      );
      list.append(
        el(
          "li",
          { className: "lt-TagList-item", dataset: { key: tag.key } },
          el("span", { className: "lt-TagList-key" }, tag.key),
          el("span", { className: "lt-TagList-value", title: tag.value }, tag.value),
          edit,
          remove,
        ),
      );
    }
    section.append(list);
    return section;
  }

  private runList(): HTMLElement {
    const exp = this.model.selected;
    const section = el("section", { className: "lt-RunList" });
    const title = el("div", { className: "lt-RunList-head" });
    title.append(el("h3", { className: "lt-RunList-title" }, exp ? __("Runs of %1", exp.name) : __("Runs")));
    if (exp) {
      const open = el(
        "button",
        { className: "lt-RunList-open jp-Button jp-mod-minimal", title: __("Open all runs in a table") },
        __("Table"),
      );
      open.addEventListener(
        "click",
        () => void this.exec(CommandIds.openExperimentRuns, { experimentId: exp.experiment_id }),
      );
      title.append(open);
    }
    section.append(title);
    const cell = this.model.cellFilter;
    if (cell) {
      const clear = el("button", { className: "lt-Chip-clear", title: __("Show all runs") }, "✕");
      clear.setAttribute("aria-label", __("Show all runs"));
      clear.addEventListener("click", () => void this.model.clearCellFilter());
      section.append(el("div", { className: "lt-Chip" }, __("History of %1", cell.label), clear));
    }
    if (this.model.runs.length === 0) {
      const text = this.model.runsLoading ? __("Loading runs…") : __("No runs in this experiment yet.");
      section.append(el("div", { className: "lt-Panel-empty" }, text));
      return section;
    }
    const list = el("ul", { className: "lt-RunList-items" });
    const params = differingParams(this.model.runs);
    for (const run of this.model.runs) {
      const item = runItem(run, params.get(run.runId) ?? []);
      const open = () =>
        void this.exec(CommandIds.openRun, { runId: run.runId }, __('Cannot open run "%1"', run.name));
      item.addEventListener("click", open);
      item.addEventListener("keydown", (e) => {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        open();
      });
      if (run.runId === this.model.highlightedRunId) {
        item.classList.add("lt-mod-highlighted");
        requestAnimationFrame(() => item.scrollIntoView({ block: "nearest" }));
      }
      list.append(item);
    }
    section.append(list);
    if (this.model.moreRuns)
      section.append(
        el("div", { className: "lt-Panel-more" }, __("Showing the latest %1 runs.", RUNS_SHOWN)),
      );
    return section;
  }

  override dispose(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.model.changed.disconnect(this.render, this);
    this.connection.changed.disconnect(this.onConnection, this);
    super.dispose();
  }
}

/** A run: status and name; start and duration; the params that set it apart; its error; metrics. */
function runItem(run: RunRow, params: readonly string[]): HTMLElement {
  const metrics = run.metrics.slice(0, METRICS_SHOWN).map((m) => `${m.key} ${formatMetric(m.value)}`);
  if (run.metrics.length > METRICS_SHOWN) metrics.push(`+${run.metrics.length - METRICS_SHOWN}`);
  const paramText = params.join(" ");
  return el(
    "li",
    {
      className: "lt-RunItem",
      dataset: { runId: run.runId, status: run.status },
      title: __("Open run %1 (%2)", run.name, run.runId),
      attrs: { tabindex: "0", role: "button" },
    },
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
    paramText ? el("div", { className: "lt-RunItem-params", title: paramText }, paramText) : null,
    run.error ? el("div", { className: "lt-RunItem-error", title: run.error }, run.error) : null,
    metrics.length ? el("div", { className: "lt-RunItem-metrics" }, metrics.join(" · ")) : null,
  );
}
