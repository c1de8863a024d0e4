// The JupyterLab plugins: the connection (settings → proxy → status bar), the tracked cells, the charts;
// each view's own plugin lives in its folder (experiments/, runs-table/, run-details/, compare/, models/).
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette, InputDialog, showErrorMessage } from "@jupyterlab/apputils";
import { EditorExtensionRegistry, IEditorExtensionRegistry } from "@jupyterlab/codemirror";
import { PageConfig, URLExt } from "@jupyterlab/coreutils";
import { INotebookCellExecutor, INotebookTracker, type NotebookPanel } from "@jupyterlab/notebook";
import { IRenderMimeRegistry } from "@jupyterlab/rendermime";
import { ServerConnection } from "@jupyterlab/services";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import { IStatusBar } from "@jupyterlab/statusbar";
import { ITranslator } from "@jupyterlab/translation";
import { liveChartFactory } from "./charts/live-chart.js";
import { CommandIds } from "./command-ids.js";
import { comparePlugin } from "./compare/plugin.js";
import { TrackingConnection } from "./connection.js";
import { experimentsPlugin } from "./experiments/plugin.js";
import { __, setTranslator } from "./i18n.js";
import { labtrackIcon } from "./icon.js";
import { modelsPlugin } from "./models/plugin.js";
import { runDetailsPlugin } from "./run-details/plugin.js";
import { runsTablePlugin } from "./runs-table/plugin.js";
import { selfCheckPlugin } from "./self-check.js";
import { readSettings, trackingUriProblem } from "./settings.js";
import { ConnectionStatusItem } from "./status-item.js";
import { ILabtrackConnection } from "./tokens.js";
import { renderBadge } from "./tracking/badge.js";
import { expireAbandonedRuns } from "./tracking/cell-run.js";
import { createCellExecutor } from "./tracking/executor.js";
import { magicLineHighlight } from "./tracking/highlight.js";

const PLUGIN_ID = "labtrack:plugin";

export { CommandIds };

/** fetch through ServerConnection, so the Jupyter token and XSRF header go along. */
function jupyterFetch(settings: ServerConnection.ISettings): typeof fetch {
  return (input, init) => ServerConnection.makeRequest(String(input), init ?? {}, settings);
}

const connectionPlugin: JupyterFrontEndPlugin<ILabtrackConnection> = {
  id: PLUGIN_ID,
  description: "Connects Labtrack to the tracking server named in its settings (or MLFLOW_TRACKING_URI).",
  autoStart: true,
  provides: ILabtrackConnection,
  requires: [ISettingRegistry],
  optional: [IStatusBar, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    registry: ISettingRegistry,
    statusBar: IStatusBar | null,
    translator: ITranslator | null,
  ) => {
    // First to activate: every view's strings go through this translator from here on.
    if (translator) setTranslator(translator);
    const serverSettings = app.serviceManager.serverSettings;
    const connection = new TrackingConnection({
      proxyBase: URLExt.join(PageConfig.getBaseUrl(), "labtrack"),
      fetch: jupyterFetch(serverSettings),
    });
    if (statusBar) {
      statusBar.registerStatusItem("labtrack:status", {
        item: new ConnectionStatusItem(connection),
        align: "left",
        rank: 50,
      });
    }
    let loaded: ISettingRegistry.ISettings | null = null;
    registry
      .load(PLUGIN_ID)
      .then((settings) => {
        loaded = settings;
        const apply = () => {
          const { settings: values, problems } = readSettings(settings.composite as Record<string, unknown>);
          connection.configure(values, problems);
        };
        settings.changed.connect(apply);
        apply();
      })
      .catch((reason: unknown) => {
        console.warn("Labtrack: settings could not be loaded; using defaults", reason);
        connection.configure(readSettings({}).settings, [
          __("Settings could not be loaded: %1", String(reason)),
        ]);
      });
    app.commands.addCommand(CommandIds.checkConnection, {
      label: __("Labtrack: Check Tracking Server Connection"),
      execute: () => connection.check(),
    });
    app.commands.addCommand(CommandIds.setTrackingUri, {
      label: __("Labtrack: Set Tracking Server URI…"),
      describedBy: { args: { type: "object", properties: { uri: { type: "string" } } } },
      execute: async (args) => {
        let uri = typeof args.uri === "string" ? args.uri : null;
        if (uri === null) {
          const answer = await InputDialog.getText({
            title: __("Tracking server URI"),
            label: __(
              "http(s) URL of the tracking server; empty for the Jupyter server's MLFLOW_TRACKING_URI",
            ),
            text: connection.settings.trackingUri,
            placeholder: "http://127.0.0.1:5000",
          });
          if (!answer.button.accept) return;
          uri = answer.value ?? "";
        }
        const problem = trackingUriProblem(uri);
        if (problem) return showErrorMessage(__("Labtrack: not a tracking server URI"), problem);
        if (!loaded) return showErrorMessage("Labtrack", __("Labtrack's settings are not available."));
        await loaded.set("trackingUri", uri.trim().replace(/\/+$/, ""));
      },
    });
    app.commands.addCommand(CommandIds.openSettings, {
      label: __("Labtrack: Settings"),
      execute: () => app.commands.execute("settingeditor:open", { query: "Labtrack" }),
    });
    return connection;
  },
};

/** Keeps each tracked cell's badge in step with its metadata (written when its run ends). */
function watchBadges(app: JupyterFrontEnd, notebooks: INotebookTracker): void {
  const show = (run: { runId: string; experimentId: string; cellId: string; label: string }) =>
    void app.commands.execute(CommandIds.showRun, run);
  const renderAll = (panel: NotebookPanel) => {
    panel.content.widgets.forEach((cell, i) => {
      renderBadge(cell, i, show);
    });
  };
  notebooks.widgetAdded.connect((_, panel) => {
    let scheduled = false;
    const schedule = () => {
      if (scheduled || panel.isDisposed) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        if (!panel.isDisposed) renderAll(panel);
      });
    };
    void panel.context.ready.then(() => {
      schedule();
      const cells = panel.content.model?.cells;
      cells?.changed.connect(schedule);
      for (const cell of cells ?? []) cell.metadataChanged.connect(schedule);
      cells?.changed.connect((_, change) => {
        for (const cell of change.newValues) cell.metadataChanged.connect(schedule);
      });
    });
  });
}

const chartsPlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:charts",
  description: "Draws %track compare outputs, live while their runs train.",
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [ILabtrackConnection],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    connection: ILabtrackConnection | null,
  ) => {
    const factory = liveChartFactory({
      connection,
      showRun: (run) => void app.commands.execute(CommandIds.showRun, run),
    });
    rendermime.addFactory(factory, factory.defaultRank);
  },
};

const highlightPlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:magic-highlight",
  description: "Marks %track and %%track lines in code editors.",
  autoStart: true,
  requires: [IEditorExtensionRegistry],
  activate: (_app: JupyterFrontEnd, extensions: IEditorExtensionRegistry) => {
    extensions.addExtension({
      name: "labtrack:magic-lines",
      factory: () => EditorExtensionRegistry.createImmutableExtension(magicLineHighlight()),
    });
  },
};

/** Replaces JupyterLab's cell executor (disabled in package.json) so magics run before the kernel sees the cell. */
const cellExecutorPlugin: JupyterFrontEndPlugin<INotebookCellExecutor> = {
  id: "labtrack:cell-executor",
  description: "Runs %track / %%track magics around cell executions; other cells run unchanged.",
  autoStart: true,
  provides: INotebookCellExecutor,
  // Notebooks cannot run cells without an executor: this one must come up even if Labtrack's
  // connection does not (magic cells then say so; other cells run as always).
  optional: [ILabtrackConnection],
  activate: (app: JupyterFrontEnd, connection: ILabtrackConnection | null) =>
    createCellExecutor(app, connection),
};

const SWEEP_MS = 120_000;

const trackingPlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:tracking",
  description: "The 'Track this cell' command, and the sweep that closes runs whose notebook went away.",
  autoStart: true,
  requires: [ILabtrackConnection],
  optional: [INotebookTracker, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    connection: ILabtrackConnection,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
  ) => {
    app.commands.addCommand(CommandIds.trackCell, {
      label: __("Track This Cell"),
      caption: __("Make this cell's executions Labtrack runs (inserts %1 on its first line)", "%%track"),
      icon: labtrackIcon,
      isEnabled: () => notebooks?.activeCell?.model.type === "code",
      execute: () => {
        const cell = notebooks?.activeCell;
        if (cell?.model.type !== "code") return;
        const source = cell.model.sharedModel.getSource();
        if (/^\s*%%track\b/.test(source)) return;
        cell.model.sharedModel.setSource(`%%track\n${source}`);
      },
    });
    palette?.addItem({ command: CommandIds.trackCell, category: "Labtrack" });
    if (notebooks) watchBadges(app, notebooks);
    let sweeping = false;
    const sweep = async () => {
      if (sweeping || connection.status.state !== "connected") return;
      sweeping = true;
      try {
        await expireAbandonedRuns(connection.client);
      } catch {
        // The next sweep tries again; the connection status already reports server problems.
      } finally {
        sweeping = false;
      }
    };
    connection.changed.connect((_, status) => {
      if (status.state === "connected") void sweep();
    });
    setInterval(() => void sweep(), SWEEP_MS);
  },
};

export const plugins: JupyterFrontEndPlugin<unknown>[] = [
  connectionPlugin,
  experimentsPlugin,
  runsTablePlugin,
  cellExecutorPlugin,
  trackingPlugin,
  highlightPlugin,
  chartsPlugin,
  runDetailsPlugin,
  comparePlugin,
  modelsPlugin,
  // Last, and requiring nothing: it reports any of the above that did not activate.
  selfCheckPlugin(() => plugins),
];
