// The comparison view: params side by side (differences highlighted, "only differences"), the diff of
// the runs' cell sources, the latest metrics (best marked), overlaid curves, parallel coordinates and a
// scatter of any two columns.
// Controls are built once per set of runs and updated in place, so a dragged slider or a focused
// select keeps its focus while the model changes; tables are rebuilt (they are small).
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { type ChartRequest, type ChartTheme, type CurveX, columnLabel } from "../../charts/index.js";
import { type LanguageLoader, languageLoader } from "../code-view.js";
import { el } from "../dom.js";
import { formatMetric } from "../format.js";
import { __ } from "../i18n.js";
import { RenderSchedule } from "../render-schedule.js";
import { headerCell, tableHead } from "../table.js";
import { ChartView } from "./chart-view.js";
import { type CompareModel, MAX_SMOOTH } from "./model.js";
import { SourceDiffSection } from "./source-diff.js";
import { visibleRows } from "./tables.js";

// A function: the labels are translated when a view is built, not when this module loads.
const xChoices = (): readonly { value: CurveX; label: string }[] => [
  { value: "step", label: __("Step") },
  { value: "time", label: __("Wall time") },
  { value: "relative", label: __("Relative time") },
];

let nextId = 0;

function theme(): ChartTheme {
  return document.body.dataset.jpThemeLight === "false" ? "dark" : "light";
}

function checkbox(label: string, className: string, onChange: (checked: boolean) => void) {
  const input = el("input", { attrs: { type: "checkbox" } });
  input.addEventListener("change", () => onChange(input.checked));
  return { input, label: el("label", { className }, input, ` ${label}`) };
}

function select(label: string, className: string, onChange: (value: string) => void) {
  const input = el("select", { className: "lt-Compare-select" });
  input.addEventListener("change", () => onChange(input.value));
  return { input, label: el("label", { className }, `${label} `, input) };
}

function fillSelect(node: HTMLSelectElement, options: readonly { value: string; label: string }[]): void {
  node.replaceChildren(...options.map((o) => el("option", { attrs: { value: o.value } }, o.label)));
}

export class CompareWidget extends Widget {
  private readonly uid = `lt-compare-${++nextId}`;
  private readonly status = el("div", { className: "lt-Compare-status", attrs: { role: "status" } });
  private readonly problem = el("div", { className: "lt-Compare-problem", attrs: { role: "alert" } });
  private readonly paramsTable = el("div", { className: "lt-Compare-tableWrap" });
  private readonly metricsTable = el("div", { className: "lt-Compare-tableWrap" });
  private readonly onlyDiff = checkbox(__("Only differences"), "lt-Compare-onlyDiff", (on) =>
    this.model.setOnlyDifferences(on),
  );
  private readonly curveMetrics = el("fieldset", { className: "lt-Compare-metricChoice" });
  private readonly curveX = select("x", "lt-Compare-x", (v) => this.model.setCurveX(v as CurveX));
  private readonly smooth = el("input", {
    className: "lt-Compare-smooth",
    attrs: { type: "range", min: "0", max: String(MAX_SMOOTH), step: "0.01", value: "0" },
  });
  private readonly smoothValue = el("output", { className: "lt-Compare-smoothValue" }, "0");
  private readonly log = checkbox(__("Log scale"), "lt-Compare-log", (on) => this.model.setLog(on));
  private readonly parallelAxes = el("fieldset", { className: "lt-Compare-axes" });
  private readonly scatterX = select("x", "lt-Compare-scatterX", (v) =>
    this.model.setScatter(v, this.model.scatter?.y ?? v),
  );
  private readonly scatterY = select("y", "lt-Compare-scatterY", (v) =>
    this.model.setScatter(this.model.scatter?.x ?? v, v),
  );
  private readonly curves: ChartView;
  private readonly parallel: ChartView;
  private readonly scatter: ChartView;
  private readonly sourceDiff: SourceDiffSection;
  private readonly sections: HTMLElement;
  private readonly modelsTable = el("div");
  /** MLflow 3's logged models: shown only when a compared run has some. */
  private readonly modelsSection: HTMLElement;
  private readonly drawn = new Map<ChartView, string>();
  private controlsFor: unknown = null;
  /** Counts the sets of runs shown: a new set redraws every chart. */
  private runsVersion = 0;
  private histories: unknown = null;
  private curvesSince: number | null = null;
  private readonly renders = new RenderSchedule(() => this.render());
  private readonly themeWatch = new MutationObserver(() => this.redrawCharts());

  constructor(
    readonly model: CompareModel,
    private readonly openRun: (runId: string) => void,
    loadLanguage: LanguageLoader = languageLoader(null),
  ) {
    super();
    this.addClass("lt-Compare");
    this.sourceDiff = new SourceDiffSection(model, loadLanguage);
    this.curves = new ChartView(__("Metric curves of the compared runs"), openRun);
    this.parallel = new ChartView(__("Parallel coordinates of the compared runs"), openRun);
    this.scatter = new ChartView(__("Scatter of two columns of the compared runs"), openRun);
    fillSelect(this.curveX.input, xChoices());
    this.smooth.id = `${this.uid}-smooth`;
    this.smooth.addEventListener("input", () => this.model.setSmooth(Number(this.smooth.value)));
    this.parallelAxes.addEventListener("change", () => {
      const boxes = this.parallelAxes.querySelectorAll<HTMLInputElement>("input:checked");
      this.model.setParallelColumns([...boxes].map((b) => b.value));
    });
    this.curveMetrics.addEventListener("change", () => {
      const boxes = this.curveMetrics.querySelectorAll<HTMLInputElement>("input:checked");
      void this.model.setCurveMetrics([...boxes].map((b) => b.value));
    });
    this.modelsSection = this.section("models", __("Logged models"), null, this.modelsTable);
    const retry = el("button", { className: "jp-Button jp-mod-styled jp-mod-accept" }, __("Retry"));
    retry.addEventListener("click", () => void this.model.load());
    this.sections = el(
      "div",
      { className: "lt-Compare-sections" },
      this.section(
        "params",
        __("Parameters"),
        el("div", { className: "lt-Compare-controls" }, this.onlyDiff.label),
        this.paramsTable,
      ),
      this.section("source", __("Cell source"), this.sourceDiff.controls, this.sourceDiff.node),
      this.section("metrics", __("Metrics (latest values)"), null, this.metricsTable),
      this.modelsSection,
      this.section(
        "curves",
        __("Metric curves"),
        el(
          "div",
          { className: "lt-Compare-controls" },
          this.curveMetrics,
          this.curveX.label,
          el(
            "label",
            { className: "lt-Compare-smoothLabel", attrs: { for: this.smooth.id } },
            `${__("Smoothing")} `,
          ),
          this.smooth,
          this.smoothValue,
          this.log.label,
        ),
        this.curves.node,
      ),
      this.section(
        "parallel",
        __("Parallel coordinates"),
        el("div", { className: "lt-Compare-controls" }, this.parallelAxes),
        this.parallel.node,
      ),
      this.section(
        "scatter",
        __("Scatter"),
        el("div", { className: "lt-Compare-controls" }, this.scatterX.label, this.scatterY.label),
        this.scatter.node,
      ),
    );
    this.node.tabIndex = -1;
    this.node.append(this.status, this.problem, this.sections);
    this.problem.append(el("span", { className: "lt-Compare-problemText" }), retry);
    model.changed.connect(this.renders.request, this);
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
    this.render();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.model.state === "idle") {
      this.curvesSince = performance.now();
      void this.model.load();
    }
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.renders.request();
  }

  private section(name: string, title: string, controls: HTMLElement | null, body: HTMLElement): HTMLElement {
    const heading = el(
      "h2",
      { className: "lt-Compare-heading", attrs: { id: `${this.uid}-${name}` } },
      title,
    );
    return el(
      "section",
      {
        className: `lt-Compare-section lt-Compare-${name}`,
        attrs: { "aria-labelledby": `${this.uid}-${name}` },
      },
      heading,
      controls,
      body,
    );
  }

  private render(): void {
    if (this.isDisposed) return;
    const m = this.model;
    this.renderStatus();
    this.sections.hidden = m.state !== "ready" || m.runs.length === 0;
    if (m.state !== "ready") return;
    if (this.controlsFor !== m.runs) {
      this.controlsFor = m.runs;
      this.runsVersion++;
      this.buildControls();
    }
    this.syncControls();
    this.paramsTable.replaceChildren(this.paramsTableNode());
    this.metricsTable.replaceChildren(this.metricsTableNode());
    this.renderModels();
    this.sourceDiff.render();
    this.renderCharts();
  }

  private renderStatus(): void {
    const m = this.model;
    const texts: string[] = [];
    if (m.state === "loading" || m.state === "idle") texts.push(__("Loading %1 runs…", m.runIds.length));
    if (m.state === "ready") {
      texts.push(__("Comparing %1 runs.", m.runs.length));
      if (m.runs.length < 2) texts.push(__("Choose at least two runs to compare."));
    }
    if (m.missing.length) texts.push(__("Not found on the server (deleted?): %1.", m.missing.join(", ")));
    this.status.textContent = texts.join(" ");
    this.problem.hidden = m.error === null;
    const text = this.problem.querySelector(".lt-Compare-problemText");
    if (text)
      text.textContent = m.error
        ? `${__("Cannot load the runs: %1. %2", m.error.summary, m.error.detail)} `
        : "";
  }

  private runHeader(runId: string, index: number): HTMLElement {
    const run = this.model.runs[index];
    const color = this.model.colors.get(runId) ?? "";
    const button = el(
      "button",
      {
        className: "lt-Compare-run",
        title: __("Open run %1 (%2)", run?.runName ?? runId, runId),
        dataset: { runId },
      },
      el("span", { className: "lt-Compare-swatch", attrs: { "aria-hidden": "true" } }),
      el("span", { className: "lt-Compare-runName" }, run?.runName ?? runId),
    );
    (button.firstChild as HTMLElement).style.background = color;
    button.style.borderBottomColor = color;
    button.addEventListener("click", () => this.openRun(runId));
    return headerCell("col", "", button);
  }

  private headRow(first: string): HTMLElement {
    return tableHead(
      headerCell("col", "lt-Compare-key", first),
      ...this.model.runs.map((r, i) => this.runHeader(r.runId, i)),
    );
  }

  /** A table of text values, one column per run ("—" where a run has none). */
  private textTable(
    className: string,
    first: string,
    rows: { key: string; label: string; differs: boolean; values: (string | undefined)[] }[],
  ): HTMLElement {
    return el(
      "table",
      { className: `lt-Compare-table ${className}` },
      this.headRow(first),
      el(
        "tbody",
        {},
        ...rows.map((row) =>
          el(
            "tr",
            { className: row.differs ? "lt-mod-differs" : "", dataset: { key: row.key } },
            headerCell("row", "lt-Compare-key", row.label),
            ...row.values.map((v) =>
              el("td", { className: v === undefined ? "lt-mod-missing" : "" }, v ?? "—"),
            ),
          ),
        ),
      ),
    );
  }

  private paramsTableNode(): HTMLElement {
    const m = this.model;
    const all = m.paramRows;
    const rows = visibleRows(all, m.onlyDifferences);
    const table = this.textTable(
      "lt-Compare-paramsTable",
      __("Parameter"),
      rows.map((row) => ({ key: row.key, label: row.key, differs: row.differs, values: row.values })),
    );
    const differing = all.filter((r) => r.differs).length;
    const note =
      all.length === 0
        ? __("These runs have no parameters.")
        : rows.length === 0
          ? __("All parameters are the same in these runs.")
          : __("%1 of %2 parameters differ.", differing, all.length);
    const wrap = el("div", {}, el("p", { className: "lt-Compare-note" }, note));
    if (rows.length) wrap.append(table);
    return wrap;
  }

  private renderModels(): void {
    const m = this.model;
    const rows = m.modelRows;
    this.modelsSection.hidden = rows.length === 0 && m.loggedModelsError === null;
    const problem = m.loggedModelsError
      ? el(
          "p",
          { className: "lt-Compare-note" },
          __("Some runs' logged models could not be read: %1", m.loggedModelsError.detail),
        )
      : null;
    const table = rows.length
      ? this.textTable(
          "lt-Compare-modelsTable",
          __("Model"),
          rows.map((row) => ({
            key: row.key,
            label: row.kind === "models" ? __("Models") : row.key,
            differs: false,
            values: row.values.map((v) => (typeof v === "number" ? formatMetric(v) : v)),
          })),
        )
      : null;
    this.modelsTable.replaceChildren(...(problem ? [problem] : []), ...(table ? [table] : []));
  }

  private metricsTableNode(): HTMLElement {
    const m = this.model;
    const rows = visibleRows(m.metricRows, m.onlyDifferences);
    if (rows.length === 0)
      return el(
        "p",
        { className: "lt-Compare-note" },
        m.metricRows.length ? __("All metrics are equal.") : __("These runs have no metrics."),
      );
    return el(
      "table",
      { className: "lt-Compare-table lt-Compare-metricsTable" },
      this.headRow(__("Metric")),
      el(
        "tbody",
        {},
        ...rows.map((row) => {
          const goal = row.goal === "min" ? __("lower is better") : __("higher is better");
          return el(
            "tr",
            { className: row.differs ? "lt-mod-differs" : "", dataset: { key: row.key } },
            headerCell(
              "row",
              "lt-Compare-key",
              row.key,
              el("span", { className: "lt-Compare-goal", title: goal }, row.goal === "min" ? " ↓" : " ↑"),
            ),
            ...row.values.map((v, i) => {
              const best = row.best.includes(i);
              return el(
                "td",
                {
                  className: [best ? "lt-mod-best" : "", v === undefined ? "lt-mod-missing" : ""]
                    .join(" ")
                    .trim(),
                  title: best ? __("best (%1)", goal) : "",
                  attrs: v === undefined ? {} : { "data-value": String(v) },
                },
                v === undefined ? "—" : formatMetric(v),
                best
                  ? el(
                      "span",
                      { className: "lt-Compare-bestMark", attrs: { "aria-label": __("best") } },
                      " ★",
                    )
                  : null,
              );
            }),
          );
        }),
      ),
    );
  }

  /** Choices that depend on which columns the runs have. */
  private buildControls(): void {
    const m = this.model;
    this.curveMetrics.replaceChildren(
      el("legend", {}, __("Metrics")),
      ...m.metricKeys.map((key) =>
        el("label", {}, el("input", { attrs: { type: "checkbox", value: key } }), ` ${key}`),
      ),
    );
    this.parallelAxes.replaceChildren(
      el("legend", {}, __("Axes")),
      ...m.columns.map((column) =>
        el(
          "label",
          { title: column },
          el("input", { attrs: { type: "checkbox", value: column } }),
          ` ${columnLabel(column)}`,
          el(
            "span",
            { className: "lt-Compare-kind" },
            column.startsWith("metrics.") ? ` ${__("(metric)")}` : ` ${__("(param)")}`,
          ),
        ),
      ),
    );
    const options = m.columns.map((c) => ({
      value: c,
      label: c.startsWith("metrics.") ? __("%1 (metric)", columnLabel(c)) : __("%1 (param)", columnLabel(c)),
    }));
    fillSelect(this.scatterX.input, options);
    fillSelect(this.scatterY.input, options);
  }

  private syncControls(): void {
    const m = this.model;
    this.onlyDiff.input.checked = m.onlyDifferences;
    const chosen = new Set(m.curves.metrics);
    for (const box of this.curveMetrics.querySelectorAll<HTMLInputElement>("input"))
      box.checked = chosen.has(box.value);
    this.curveX.input.value = m.curves.x;
    if (document.activeElement !== this.smooth) this.smooth.value = String(m.curves.smooth);
    this.smoothValue.textContent = m.curves.smooth.toFixed(2);
    this.log.input.checked = m.curves.log;
    const axes = new Set(m.parallelColumns);
    for (const box of this.parallelAxes.querySelectorAll<HTMLInputElement>("input"))
      box.checked = axes.has(box.value);
    if (m.scatter) {
      this.scatterX.input.value = m.scatter.x;
      this.scatterY.input.value = m.scatter.y;
    }
  }

  private chartWidth(): number {
    const width = this.node.clientWidth || 900;
    // Rounded, so that small resizes do not redraw everything.
    return Math.max(280, Math.min(1000, Math.floor((width - 260) / 50) * 50));
  }

  private renderCharts(force = false): void {
    const m = this.model;
    const t = theme();
    const width = this.chartWidth();
    if (m.historiesState === "loading") {
      this.curvesSince ??= performance.now();
      this.curves.message(__("Loading metric histories…"));
      this.drawn.delete(this.curves);
    } else if (m.historiesState === "error")
      this.curves.message(__("Cannot load metric histories: %1", m.historiesError?.detail ?? ""));
    else if (m.curves.metrics.length === 0) this.curves.message(__("Choose a metric to see its curves."));
    else {
      const fresh = this.histories !== m.histories;
      this.histories = m.histories;
      this.drawChart(this.curves, m.curvesRequest(t), { ...m.curves, t, width, fresh }, force, () => {
        const since = this.curvesSince ?? performance.now();
        this.curvesSince = null;
        return since;
      });
    }
    if (m.parallelColumns.length === 0) this.parallel.message(__("Choose the axes to show."));
    else this.drawChart(this.parallel, m.parallelRequest(t), { c: m.parallelColumns, t, width }, force);
    if (!m.scatter) this.scatter.message(__("A scatter needs two columns (params or metrics)."));
    else this.drawChart(this.scatter, m.scatterRequest(t), { ...m.scatter, t }, force);
  }

  private drawChart(
    view: ChartView,
    request: ChartRequest | null,
    key: Record<string, unknown>,
    force: boolean,
    since: () => number = () => performance.now(),
  ): void {
    if (!request) return;
    const { fresh, ...rest } = key;
    const text = JSON.stringify({ ...rest, runs: this.runsVersion });
    if (!force && !fresh && this.drawn.get(view) === text) return;
    this.drawn.set(view, text);
    const sized =
      request.kind === "curves" || request.kind === "parallel"
        ? { ...request, width: Number(key.width) }
        : request;
    view.show(sized, since());
  }

  private redrawCharts(): void {
    if (this.model.state === "ready") this.renderCharts(true);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.renders.dispose();
    this.themeWatch.disconnect();
    this.model.changed.disconnect(this.renders.request, this);
    for (const view of [this.curves, this.parallel, this.scatter]) view.dispose();
    this.sourceDiff.dispose();
    super.dispose();
  }
}
