// One chart of the comparison, drawn by vega on canvas (vega and vega-lite load with the first chart).
// A spec that differs from the drawn one only in its data (the smoothing slider moving) is taken in
// place by the drawn view; anything else is drawn anew off-screen and swapped in. Draws are coalesced:
// while one is under way only the latest spec asked for is kept. `data-drawn-ms` on the node says how
// long the last drawing took from when its data was asked for: a benchmark reads it.
import { buildChart, type ChartRequest } from "../../charts/index.js";
import { type NamedData, withNamedData } from "../../charts/named-data.js";
import { el } from "../dom.js";
import { __ } from "../i18n.js";

type VegaView = import("vega").View;

interface Pending {
  request: ChartRequest;
  /** performance.now() when the data of this chart started to be read. */
  since: number;
}

export class ChartView {
  readonly node: HTMLDivElement;
  private view: VegaView | null = null;
  private shape: string | null = null;
  private drawing = false;
  private pending: Pending | null = null;
  private disposed = false;

  constructor(
    label: string,
    private readonly openRun: (runId: string) => void,
  ) {
    this.node = el("div", { className: "lt-Compare-chart", attrs: { role: "img", "aria-label": label } });
  }

  /**
   * Draws `request` (soon: after the drawing under way, if any). Curves are drawn as the automatic
   * chart: a chosen metric the runs logged once is shown as their final values, not as lines of one
   * point that draw nothing.
   */
  show(request: ChartRequest, since: number = performance.now()): void {
    const drawn: ChartRequest = request.kind === "curves" ? { ...request, kind: "auto" } : request;
    this.pending = { request: drawn, since };
    if (!this.drawing) void this.drain();
  }

  /** Says why there is no chart (no metric chosen, loading, an error). */
  message(text: string): void {
    this.pending = null;
    this.view?.finalize();
    this.view = null;
    this.shape = null;
    this.node.replaceChildren(el("div", { className: "lt-Compare-chartMessage" }, text));
    delete this.node.dataset.drawnMs;
  }

  dispose(): void {
    this.disposed = true;
    this.pending = null;
    this.view?.finalize();
    this.view = null;
  }

  private async drain(): Promise<void> {
    this.drawing = true;
    try {
      while (this.pending && !this.disposed) {
        const { request, since } = this.pending;
        this.pending = null;
        try {
          await this.draw(withNamedData(buildChart(request)));
          this.node.dataset.drawnMs = (performance.now() - since).toFixed(1);
        } catch (e) {
          this.message(__("This chart cannot be drawn: %1", e instanceof Error ? e.message : String(e)));
        }
      }
    } finally {
      this.drawing = false;
    }
  }

  private async draw(named: NamedData): Promise<void> {
    if (this.view && named.shape === this.shape) {
      for (const [name, values] of Object.entries(named.datasets)) this.view.data(name, values);
      await this.view.runAsync();
      return;
    }
    const [vl, vega] = await Promise.all([import("vega-lite"), import("vega")]);
    const compiled = vl.compile(named.spec).spec;
    const holder = el("div", { className: "lt-Compare-canvas" });
    const view = new vega.View(vega.parse(compiled), { renderer: "canvas", container: holder, hover: true });
    await view.runAsync();
    if (this.disposed) {
      view.finalize();
      return;
    }
    view.addEventListener("click", (_event, item) => {
      const runId = (item as { datum?: { runId?: unknown } } | null | undefined)?.datum?.runId;
      if (typeof runId === "string") this.openRun(runId);
    });
    this.node.replaceChildren(holder);
    this.view?.finalize();
    this.view = view;
    this.shape = named.shape;
  }
}
