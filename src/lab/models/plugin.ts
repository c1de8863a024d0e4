// The model registry's plugin: one registry view in the main area, opened by the command (with
// { name } to show one model) and from the palette, restored after a reload with the model it showed.
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { CommandIds } from "../command-ids.js";
import type { TrackingConnection } from "../connection.js";
import { __ } from "../i18n.js";
import { labtrackIcon } from "../icon.js";
import { MainAreaViews } from "../main-area.js";
import { runOpener } from "../open-run.js";
import { ILabtrackConnection } from "../tokens.js";
import { ModelsModel } from "./model.js";
import { ModelsWidget } from "./widget.js";

const VIEW_ID = "labtrack-models";

export const modelsPlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:models",
  description: "The model registry: registered models, versions, stages, aliases and tags.",
  autoStart: true,
  requires: [ILabtrackConnection],
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    connection: TrackingConnection,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
  ) => {
    const views = new MainAreaViews<ModelsWidget>(app, restorer, {
      namespace: "labtrack-models",
      command: CommandIds.openModels,
      args: (widget) => ({ name: widget.content.model.selected ?? "" }),
      name: () => VIEW_ID,
    });
    const openRun = runOpener(app.commands);
    app.commands.addCommand(CommandIds.openModels, {
      label: __("Labtrack: Model Registry"),
      caption: __("Registered models, their versions, stages, aliases and tags"),
      icon: labtrackIcon,
      describedBy: { args: { type: "object", properties: { name: { type: "string" } } } },
      execute: async (args) => {
        const name = typeof args.name === "string" && args.name ? args.name : null;
        const { view: widget } = await views.open(
          (w) => w.id === VIEW_ID,
          () => {
            const model = new ModelsModel(connection);
            return {
              content: new ModelsWidget(model, openRun),
              id: VIEW_ID,
              label: __("Model Registry"),
              caption: __("Labtrack: registered models"),
              refresh: { tooltip: __("Read the registry again"), onClick: () => void model.refresh() },
              onDispose: () => model.dispose(),
              setup: (view) => {
                // The restorer saves the command's args: keep them in step with the model shown.
                let saved = model.selected;
                model.changed.connect(() => {
                  if (model.selected === saved || view.isDisposed) return;
                  saved = model.selected;
                  void views.save(view);
                });
              },
            };
          },
        );
        if (name && widget.content.model.selected !== name) await widget.content.model.select(name);
        return widget;
      },
    });
    palette?.addItem({ command: CommandIds.openModels, category: "Labtrack" });
  },
};
