// The `%track compare` outputs' renderer, registered with JupyterLab's rendermime.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { IRenderMimeRegistry } from "@jupyterlab/rendermime";
import { CommandIds } from "../command-ids.js";
import { ILabtrackConnection } from "../tokens.js";
import { liveChartFactory } from "./live-chart.js";

export const chartsPlugin: JupyterFrontEndPlugin<void> = {
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
