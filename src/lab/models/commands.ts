// The model registry's command: one registry view in the main area, opened with { name } to show one
// model; the view's restore arguments follow the model it shows.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import { CommandIds } from "../command-ids.js";
import { __ } from "../i18n.js";
import { labtrackIcon } from "../icon.js";
import type { MainAreaViews } from "../main-area.js";
import { runOpener } from "../open-run.js";
import type { ILabtrackConnection } from "../tokens.js";
import { ModelsModel } from "./model.js";
import { ModelsWidget } from "./widget.js";

/** The one registry view's id. */
export const MODELS_VIEW_ID = "labtrack-models";

export function registerModelsCommands(
  app: JupyterFrontEnd,
  connection: ILabtrackConnection,
  views: MainAreaViews<ModelsWidget>,
): void {
  const openRun = runOpener(app.commands);
  app.commands.addCommand(CommandIds.openModels, {
    label: __("Labtrack: Model Registry"),
    caption: __("Registered models, their versions, stages, aliases and tags"),
    icon: labtrackIcon,
    describedBy: { args: { type: "object", properties: { name: { type: "string" } } } },
    execute: async (args) => {
      const name = typeof args.name === "string" && args.name ? args.name : null;
      const { view: widget } = await views.open(
        (w) => w.id === MODELS_VIEW_ID,
        () => {
          const model = new ModelsModel(connection);
          return {
            content: new ModelsWidget(model, openRun),
            id: MODELS_VIEW_ID,
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
}
