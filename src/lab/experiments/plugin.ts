// The sidebar panel's plugin: experiments and their latest runs in the left area, the experiment
// commands, the panel's own commands (show it, show a run in it, refresh), and the current notebook's
// experiment followed.
import {
  type ILabShell,
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { INotebookTracker } from "@jupyterlab/notebook";
import { CommandIds } from "../command-ids.js";
import { __ } from "../i18n.js";
import { labtrackIcon } from "../icon.js";
import { ILabtrackConnection } from "../tokens.js";
import { registerExperimentCommands } from "./commands.js";
import { followCurrentNotebook } from "./current-notebook.js";
import { ExperimentsModel } from "./model.js";
import { LabtrackPanel } from "./widget.js";

export const experimentsPlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:panel",
  description: "The Labtrack sidebar: experiments and their runs.",
  autoStart: true,
  requires: [ILabtrackConnection],
  optional: [ILayoutRestorer, ICommandPalette, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    connection: ILabtrackConnection,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null,
  ) => {
    const model = new ExperimentsModel(connection, () => connection.settings.defaultExperiment);
    registerExperimentCommands(app, model, palette);
    followCurrentNotebook(notebooks, connection, model);
    const panel = new LabtrackPanel(model, connection, app.commands);
    panel.title.icon = labtrackIcon;
    app.shell.add(panel, "left", { rank: 850 });
    restorer?.add(panel, panel.id);
    app.commands.addCommand(CommandIds.openPanel, {
      label: __("Labtrack: Show Experiments"),
      icon: labtrackIcon,
      execute: () => (app.shell as ILabShell).activateById(panel.id),
    });
    app.commands.addCommand(CommandIds.showRun, {
      label: __("Labtrack: Show Run in the Panel"),
      describedBy: {
        args: {
          type: "object",
          properties: {
            runId: { type: "string" },
            experimentId: { type: "string" },
            cellId: { type: "string" },
            label: { type: "string" },
          },
          required: ["runId", "experimentId"],
        },
      },
      execute: async (args) => {
        const cell =
          typeof args.cellId === "string"
            ? { cellId: args.cellId, label: String(args.label ?? __("this cell")) }
            : null;
        (app.shell as ILabShell).activateById(panel.id);
        await model.showRun(String(args.experimentId), String(args.runId), cell);
      },
    });
    app.commands.addCommand(CommandIds.refresh, {
      label: __("Labtrack: Refresh Experiments"),
      execute: () => model.refresh(),
    });
    for (const command of [
      CommandIds.openPanel,
      CommandIds.refresh,
      CommandIds.checkConnection,
      CommandIds.setTrackingUri,
      CommandIds.openSettings,
      CommandIds.showRun,
    ])
      palette?.addItem({ command, category: "Labtrack" });
  },
};
