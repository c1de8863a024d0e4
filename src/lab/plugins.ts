// The JupyterLab plugins: the connection (settings → proxy → status bar) here; every feature's own
// plugin in its folder (experiments/, runs-table/, run-details/, compare/, models/: views; tracking/:
// tracked cells; charts/: %track compare outputs).
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { InputDialog, showErrorMessage } from "@jupyterlab/apputils";
import { PageConfig, URLExt } from "@jupyterlab/coreutils";
import { ServerConnection } from "@jupyterlab/services";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import { IStatusBar } from "@jupyterlab/statusbar";
import { ITranslator } from "@jupyterlab/translation";
import { chartsPlugin } from "./charts/plugin.js";
import { CommandIds } from "./command-ids.js";
import { comparePlugin } from "./compare/plugin.js";
import { TrackingConnection } from "./connection.js";
import { experimentsPlugin } from "./experiments/plugin.js";
import { __, setTranslator } from "./i18n.js";
import { modelsPlugin } from "./models/plugin.js";
import { runDetailsPlugin } from "./run-details/plugin.js";
import { runsTablePlugin } from "./runs-table/plugin.js";
import { selfCheckPlugin } from "./self-check.js";
import { readSettings, trackingUriProblem } from "./settings.js";
import { ConnectionStatusItem } from "./status-item.js";
import { ILabtrackConnection } from "./tokens.js";
import { cellExecutorPlugin, highlightPlugin, trackingPlugin } from "./tracking/plugin.js";

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
