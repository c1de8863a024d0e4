// The model registry's plugin: one registry view in the main area, opened by the command (with
// { name } to show one model) and from the palette, restored after a reload with the model it showed.
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette, MainAreaWidget, WidgetTracker } from "@jupyterlab/apputils";
import { refreshIcon, ToolbarButton } from "@jupyterlab/ui-components";
import { CommandIds } from "../command-ids.js";
import type { TrackingConnection } from "../connection.js";
import { __ } from "../i18n.js";
import { labtrackIcon } from "../icon.js";
import { runOpener } from "../open-run.js";
import { ILabtrackConnection } from "../tokens.js";
import { ModelsModel } from "./model.js";
import { ModelsWidget } from "./widget.js";

type ModelsView = MainAreaWidget<ModelsWidget>;

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
    const tracker = new WidgetTracker<ModelsView>({ namespace: "labtrack-models" });
    const openRun = runOpener(app.commands);
    app.commands.addCommand(CommandIds.openModels, {
      label: __("Labtrack: Model Registry"),
      caption: __("Registered models, their versions, stages, aliases and tags"),
      icon: labtrackIcon,
      describedBy: { args: { type: "object", properties: { name: { type: "string" } } } },
      execute: async (args) => {
        const name = typeof args.name === "string" && args.name ? args.name : null;
        let widget = tracker.find((w) => w.id === VIEW_ID);
        if (!widget) {
          const model = new ModelsModel(connection);
          const content = new ModelsWidget(model, openRun);
          widget = new MainAreaWidget({ content });
          widget.toolbar.addItem(
            "labtrack-models-refresh",
            new ToolbarButton({
              icon: refreshIcon,
              tooltip: __("Read the registry again"),
              onClick: () => void model.refresh(),
            }),
          );
          widget.id = VIEW_ID;
          widget.title.label = __("Model Registry");
          widget.title.caption = __("Labtrack: registered models");
          widget.title.icon = labtrackIcon;
          widget.title.closable = true;
          widget.disposed.connect(() => model.dispose());
          // The restorer saves the command's args: keep them in step with the model shown.
          let saved = model.selected;
          const view = widget;
          model.changed.connect(() => {
            if (model.selected === saved || view.isDisposed) return;
            saved = model.selected;
            void tracker.save(view);
          });
          app.shell.add(widget, "main");
          await tracker.add(widget);
        }
        app.shell.activateById(widget.id);
        if (name && widget.content.model.selected !== name) await widget.content.model.select(name);
        return widget;
      },
    });
    palette?.addItem({ command: CommandIds.openModels, category: "Labtrack" });
    if (restorer)
      void restorer.restore(tracker, {
        command: CommandIds.openModels,
        args: (widget) => ({ name: widget.content.model.selected ?? "" }),
        name: () => VIEW_ID,
      });
  },
};
