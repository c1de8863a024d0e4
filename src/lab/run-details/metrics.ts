// Latest metric values with a sparkline each; a metric's name opens its full history as a chart
// (Vega-Lite from src/charts, the server downsampling long histories).
import { curvesSpec } from "../../charts/index.js";
import { el } from "../dom.js";
import { formatMetric } from "../format.js";
import { __ } from "../i18n.js";
import { headerCell, tableHead } from "../table.js";
import type { RunDetailsModel } from "./model.js";
import { problemNode } from "./preview.js";
import { sparklineSvg } from "./sparkline.js";
import { currentTheme, type Drawn, drawVegaLite } from "./vega.js";

export class MetricsSection {
  readonly node = el("div", { className: "lt-RunDetails-metrics" });
  private readonly body = el("tbody");
  private readonly empty = el("p", { className: "lt-RunDetails-muted" }, "No metrics.");
  private readonly chart = el("div", { className: "lt-RunDetails-metricChart" });
  private selected: string | null = null;
  private drawn: Drawn | null = null;
  private chartSignature = "";
  private generation = 0;

  constructor(private readonly model: RunDetailsModel) {
    this.chart.hidden = true;
    this.node.append(
      el(
        "table",
        { className: "lt-RunDetails-table" },
        tableHead(__("Name"), __("Latest"), __("Step"), __("History")),
        this.body,
      ),
      this.empty,
      this.chart,
    );
  }

  update(): void {
    const metrics = this.model.metrics;
    this.empty.hidden = metrics.length > 0;
    // A refresh replaces the rows: the metric that had the focus keeps it.
    const focused = this.body.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).closest<HTMLElement>("tr")?.dataset.metric
      : undefined;
    this.body.replaceChildren(
      ...metrics.map((m) => {
        const open = el(
          "button",
          {
            className: "lt-RunDetails-linkButton lt-RunDetails-metricName",
            title: __("Show the history of %1", m.key),
            attrs: { type: "button", "aria-pressed": String(m.key === this.selected) },
          },
          m.key,
        );
        open.addEventListener("click", () => void this.open(m.key));
        const points = this.model.sparklines.get(m.key);
        return el(
          "tr",
          { dataset: { metric: m.key } },
          headerCell("row", "", open),
          el("td", { className: "lt-RunDetails-number", title: String(m.value) }, formatMetric(m.value)),
          el("td", { className: "lt-RunDetails-number" }, String(m.step)),
          el("td", {}, points ? sparklineSvg(points, __("History of %1", m.key)) : null),
        );
      }),
    );
    if (focused !== undefined)
      for (const row of this.body.rows)
        if (row.dataset.metric === focused) row.querySelector("button")?.focus();
    const latest = metrics.find((m) => m.key === this.selected);
    // A running run's chart follows its new steps.
    if (latest && `${latest.key} ${latest.step} ${latest.timestamp}` !== this.chartSignature)
      void this.open(latest.key, false);
  }

  /** Shows the full history of `key`; `toggle` closes it when it is the one shown. */
  async open(key: string, toggle = true): Promise<void> {
    if (toggle && key === this.selected) {
      this.close();
      return;
    }
    const generation = ++this.generation;
    const switching = key !== this.selected;
    this.selected = key;
    for (const b of this.body.querySelectorAll<HTMLElement>(".lt-RunDetails-metricName"))
      b.setAttribute("aria-pressed", String(b.textContent === key));
    const close = el(
      "button",
      { className: "jp-Button jp-mod-styled", attrs: { type: "button" } },
      __("Close chart"),
    );
    close.addEventListener("click", () => this.close());
    const holder = el("div", { className: "lt-RunDetails-chart" });
    if (switching) {
      this.chart.replaceChildren(
        el("div", { className: "lt-RunDetails-chartHeader" }, el("h3", {}, `History of ${key}`), close),
        holder,
      );
      holder.append(el("p", { className: "lt-RunDetails-muted" }, "Loading…"));
    }
    this.chart.hidden = false;
    const latest = this.model.metrics.find((m) => m.key === key);
    this.chartSignature = latest ? `${latest.key} ${latest.step} ${latest.timestamp}` : "";
    const history = await this.model.history(key);
    if (generation !== this.generation) return;
    const target = this.chart.querySelector<HTMLElement>(".lt-RunDetails-chart") ?? holder;
    if (!history.ok) {
      target.replaceChildren(problemNode(__("Cannot load the history of %1:", key), history.problem.detail));
      return;
    }
    const run = this.model.run;
    const spec = curvesSpec({
      runs: [
        {
          runId: this.model.runId,
          runName: this.model.name,
          status: run?.info.status ?? "",
          params: {},
          metrics: {},
        },
      ],
      histories: { [this.model.runId]: { [key]: history.value } },
      metrics: [key],
      theme: currentTheme(),
      // Room for the y axis and the legend beside the plot.
      width: Math.max(320, Math.min(900, this.node.clientWidth - 240)),
      height: 240,
    });
    try {
      const drawn = await drawVegaLite(spec, target);
      if (generation !== this.generation) {
        drawn.finalize();
        return;
      }
      this.drawn?.finalize();
      this.drawn = drawn;
    } catch (e) {
      target.replaceChildren(
        problemNode(__("Cannot draw the chart:"), e instanceof Error ? e.message : String(e)),
      );
    }
  }

  /** Draws the shown chart again (the theme changed). */
  redraw(): void {
    if (this.selected) {
      const key = this.selected;
      this.selected = null;
      void this.open(key, false);
    }
  }

  close(): void {
    this.generation++;
    this.selected = null;
    this.chartSignature = "";
    this.drawn?.finalize();
    this.drawn = null;
    this.chart.hidden = true;
    this.chart.replaceChildren();
    for (const b of this.body.querySelectorAll<HTMLElement>(".lt-RunDetails-metricName"))
      b.setAttribute("aria-pressed", "false");
  }

  dispose(): void {
    this.close();
  }
}
