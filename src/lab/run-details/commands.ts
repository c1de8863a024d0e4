// The run details command: a run's details in the main area, one view per run (opening it again
// reveals it, scrolled to { loggedModelId } when given); without a run id, asks for one.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import { InputDialog } from "@jupyterlab/apputils";
import { CommandIds } from "../command-ids.js";
import { __ } from "../i18n.js";
import { labtrackIcon } from "../icon.js";
import type { MainAreaViews } from "../main-area.js";
import type { ILabtrackConnection } from "../tokens.js";
import { RunDetailsModel } from "./model.js";
import { type RunDetailsActions, RunDetailsWidget } from "./widget.js";

export function registerRunDetailsCommands(
  app: JupyterFrontEnd,
  connection: ILabtrackConnection,
  views: MainAreaViews<RunDetailsWidget>,
  actions: RunDetailsActions,
): void {
  app.commands.addCommand(CommandIds.openRun, {
    label: (args) =>
      typeof args.runId === "string" ? __("Open Run Details") : __("Labtrack: Open Run Details…"),
    caption: __("Show a run's params, metrics, tags, note and artifacts"),
    icon: labtrackIcon,
    describedBy: {
      args: {
        type: "object",
        properties: {
          runId: { type: "string" },
          loggedModelId: { type: "string", description: "Scroll to this logged model of the run" },
        },
        required: ["runId"],
      },
    },
    execute: async (args) => {
      let runId = typeof args.runId === "string" ? args.runId.trim() : "";
      if (!runId) {
        const answer = await InputDialog.getText({
          title: __("Open run details"),
          label: __("Run id"),
          placeholder: __("run id"),
        });
        if (!answer.button.accept || !answer.value?.trim()) return;
        runId = answer.value.trim();
      }
      const loggedModelId = typeof args.loggedModelId === "string" ? args.loggedModelId : "";
      const { view } = await views.open(
        (w) => w.content.model.runId === runId,
        () => {
          const content = new RunDetailsWidget(new RunDetailsModel(connection, runId), actions);
          return {
            content,
            id: `labtrack-run-details-${runId}`,
            label: __("Run: %1", runId.slice(0, 8)),
            // The content names itself once the run is loaded.
            setup: (view) =>
              content.title.changed.connect(() => {
                view.title.label = content.title.label;
                view.title.caption = content.title.caption;
              }),
          };
        },
      );
      if (loggedModelId) view.content.revealLoggedModel(loggedModelId);
      return view;
    },
  });
}
