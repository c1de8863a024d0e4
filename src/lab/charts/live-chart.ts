// Renders `%track compare` outputs (Labtrack's chart MIME type): the Vega-Lite chart saved in the same
// output, drawn by vega (loaded on the first chart), followed live while a shown run is RUNNING — the
// drawn view takes only the rows that changed, in place, so it never flickers and keeps the legend
// selection — and saved with its final data when all have ended. Clicking a run's mark shows the run in the panel.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { buildChart, themeConfig } from "../../charts/index.js";
import { datasetChanges, type NamedData, withNamedData } from "../../charts/named-data.js";
import {
  CHART_MIME,
  type ChartQuery,
  chartFor,
  type EndedHistories,
  renderSvg,
} from "../../tracking/compare.js";
import type { ILabtrackConnection } from "../tokens.js";

const VEGALITE_MIME = "application/vnd.vegalite.v5+json";

export interface LiveChartDeps {
  connection: ILabtrackConnection | null;
  showRun(run: { runId: string; experimentId: string }): void;
}

interface ChartData {
  query: ChartQuery;
  running: boolean;
}

type VegaView = import("vega").View;

export class LiveChart extends Widget implements IRenderMime.IRenderer {
  private view: VegaView | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private model: IRenderMime.IMimeModel | null = null;

  private lastSpec: { spec: object; experimentId: string | undefined } | null = null;
  /** What the drawn view shows apart from its data: a new spec of the same shape only swaps data. */
  private drawnShape: string | null = null;
  private readonly ended: EndedHistories = new Map();
  private readonly themeWatch = new MutationObserver(() => {
    if (this.lastSpec) void this.draw(this.lastSpec.spec, this.lastSpec.experimentId);
  });

  constructor(private readonly deps: LiveChartDeps) {
    super();
    this.addClass("lt-LiveChart");
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.model = model;
    this.stop();
    const chart = model.data[CHART_MIME] as unknown as ChartData | undefined;
    const spec = model.data[VEGALITE_MIME];
    if (!spec) {
      this.node.textContent = "This Labtrack chart has no data.";
      return;
    }
    await this.draw(spec as object, chart?.query.experimentIds[0]);
    this.node.dataset.live = String(Boolean(chart?.running && this.deps.connection));
    if (chart?.running && this.deps.connection) this.schedule(chart.query);
  }

  /** The spec as drawn now: the current theme (not the one of when the chart was made), named data. */
  private prepare(spec: object): NamedData {
    const theme = document.body.dataset.jpThemeLight === "false" ? "dark" : "light";
    const themed = { ...spec, config: { ...(spec as { config?: object }).config, ...themeConfig(theme) } };
    return withNamedData(themed as Parameters<typeof withNamedData>[0]);
  }

  private async draw(spec: object, experimentId: string | undefined): Promise<void> {
    this.lastSpec = { spec, experimentId };
    const [vl, vega] = await Promise.all([import("vega-lite"), import("vega")]);
    const named = this.prepare(spec);
    const compiled = vl.compile(named.spec).spec;
    const holder = document.createElement("div");
    const view = new vega.View(vega.parse(compiled), { renderer: "canvas", container: holder, hover: true });
    await view.runAsync();
    view.addEventListener("click", (_event, item) => {
      const runId = runIdOf(item);
      if (runId && experimentId) this.deps.showRun({ runId, experimentId });
    });
    if (this.isDisposed) {
      view.finalize();
      return;
    }
    // The view is reachable from its element, as vega-embed's result.view is: for debugging in the
    // browser's console and for the UI tests, which click the canvas where vega drew a legend entry.
    Object.defineProperty(holder, "vegaView", { value: view, configurable: true });
    holder.className = "lt-LiveChart-view";
    this.node.replaceChildren(holder);
    this.view?.finalize();
    this.view = view;
    this.drawnShape = named.shape;
  }

  /**
   * Shows `spec`: when only its data differ from the drawn chart's, the view takes the new data in place
   * (no compile, no parse, no new canvas: the selection and hover state stay); otherwise a new drawing.
   */
  private async present(spec: object, experimentId: string | undefined): Promise<"in-place" | "redrawn"> {
    const named = this.prepare(spec);
    const view = this.view;
    if (!view || named.shape !== this.drawnShape) {
      await this.draw(spec, experimentId);
      return "redrawn";
    }
    this.lastSpec = { spec, experimentId };
    const vega = await import("vega");
    for (const [name, values] of Object.entries(named.datasets)) {
      const { remove, insert } = datasetChanges(view.data(name) as object[], values as object[]);
      if (remove.length > 0 || insert.length > 0)
        view.change(name, vega.changeset().remove(remove).insert(insert));
    }
    await view.runAsync();
    return "in-place";
  }

  private schedule(query: ChartQuery): void {
    const seconds = this.deps.connection?.settings.refreshIntervalS || 5;
    this.timer = setTimeout(() => void this.refresh(query), seconds * 1000);
  }

  private async refresh(query: ChartQuery): Promise<void> {
    const connection = this.deps.connection;
    if (!connection || this.isDisposed) return;
    const theme = document.body.dataset.jpThemeLight === "false" ? "dark" : "light";
    try {
      const started = performance.now();
      const chart = await chartFor(connection.client, query, theme, undefined, this.ended);
      const fetched = performance.now();
      const spec = buildChart(chart.request);
      const built = performance.now();
      const how = await this.present(spec, query.experimentIds[0]);
      // How long one live update took (fetch, build, draw) and how it was drawn: read by the benchmark.
      this.node.dataset.updateMs = (performance.now() - started).toFixed(1);
      this.node.dataset.update = how;
      this.node.dataset.updateParts = `fetch ${(fetched - started).toFixed(0)} ms, build ${(built - fetched).toFixed(0)} ms, draw ${(performance.now() - built).toFixed(0)} ms`;
      if (chart.running) {
        this.schedule(chart.query);
        return;
      }
      // All shown runs have ended: the output keeps the final data (and a matching static image).
      const data: Record<string, unknown> = {
        ...(this.model?.data ?? {}),
        [CHART_MIME]: { query: chart.query, running: false },
        [VEGALITE_MIME]: spec,
        "text/plain": chart.summary,
      };
      try {
        data["image/svg+xml"] = await renderSvg(chart.request);
      } catch {
        // The previous static image stays.
      }
      this.model?.setData({ data: data as never });
    } catch {
      // The server is away for a moment: keep the last drawing and try again later.
      this.schedule(query);
    }
  }

  private stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  override dispose(): void {
    this.themeWatch.disconnect();
    this.stop();
    this.view?.finalize();
    this.view = null;
    super.dispose();
  }
}

/**
 * The run under the pointer: a mark's datum, or — where the pointer finds the nearest point through a
 * voronoi cell — the datum of the point item the cell stands for.
 */
function runIdOf(item: unknown): string | null {
  const datum = (item as { datum?: { runId?: unknown; datum?: { runId?: unknown } } } | null)?.datum;
  const runId = datum?.runId ?? datum?.datum?.runId;
  return typeof runId === "string" ? runId : null;
}

export function liveChartFactory(deps: LiveChartDeps): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [CHART_MIME],
    defaultRank: 40,
    createRenderer: () => new LiveChart(deps),
  };
}
