// The model registry's plugin: its command (commands.ts) and palette entry, and the tracker that
// restores the registry view after a reload with the model it showed.
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { CommandIds } from "../command-ids.js";
import { MainAreaViews } from "../main-area.js";
import { ILabtrackConnection } from "../tokens.js";
import { MODELS_VIEW_ID, registerModelsCommands } from "./commands.js";
import type { ModelsWidget } from "./widget.js";

export const modelsPlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:models",
  description: "The model registry: registered models, versions, stages, aliases and tags.",
  autoStart: true,
  requires: [ILabtrackConnection],
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    connection: ILabtrackConnection,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
  ) => {
    const views = new MainAreaViews<ModelsWidget>(app, restorer, {
      namespace: "labtrack-models",
      command: CommandIds.openModels,
      args: (widget) => ({ name: widget.content.model.selected ?? "" }),
      name: () => MODELS_VIEW_ID,
    });
    registerModelsCommands(app, connection, views);
    palette?.addItem({ command: CommandIds.openModels, category: "Labtrack" });
  },
};
