// The command that opens an experiment's runs table in the main area: one table per experiment,
// activated again when it is already open.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import {
  type ICommandPalette,
  InputDialog,
  MainAreaWidget,
  showErrorMessage,
  ToolbarButton,
} from "@jupyterlab/apputils";
import { quote } from "../../magics/index.js";
import { CommandIds } from "../command-ids.js";
import type { TrackingConnection } from "../connection.js";
import { describeError } from "../describe-error.js";
import { labtrackIcon } from "../icon.js";
import { RunsTableModel } from "./model.js";
import { RunsTableWidget } from "./widget.js";

export const OPEN_RUNS_TABLE = CommandIds.openRunsTable;

export { RunsTableModel } from "./model.js";
export { RunsTableWidget } from "./widget.js";

/**
 * `insertCell` puts a cell with the given source below the active cell of the current notebook and
 * returns false when there is no notebook to put it in.
 */
export function registerRunsTable(
  app: JupyterFrontEnd,
  connection: TrackingConnection,
  palette: ICommandPalette | null,
  insertCell: (source: string) => boolean = () => false,
): void {
  const open = new Map<string, MainAreaWidget<RunsTableWidget>>();
  app.commands.addCommand(OPEN_RUNS_TABLE, {
    label: (args) =>
      typeof args.experimentName === "string" && args.experimentName
        ? `Labtrack: Runs of ${args.experimentName}`
        : "Labtrack: Open Runs Table",
    caption: "Open the runs of an experiment as a table",
    icon: labtrackIcon,
    describedBy: {
      args: {
        type: "object",
        properties: { experimentId: { type: "string" }, experimentName: { type: "string" } },
        required: ["experimentId"],
      },
    },
    execute: async (args) => {
      let experimentId = typeof args.experimentId === "string" ? args.experimentId : "";
      let name = typeof args.experimentName === "string" && args.experimentName ? args.experimentName : null;
      if (!experimentId) {
        // From the palette: ask which experiment.
        const picked = await pickExperiment(connection);
        if (!picked) return;
        ({ experimentId, name } = picked);
      }
      const existing = open.get(experimentId);
      if (existing && !existing.isDisposed) {
        app.shell.activateById(existing.id);
        return existing;
      }
      const model = new RunsTableModel(connection, experimentId);
      const table = new RunsTableWidget(model);
      const widget = new MainAreaWidget({ content: table });
      const compare = new ToolbarButton({
        label: "Compare in notebook",
        tooltip: "Insert a %track compare cell for the selected runs into the current notebook",
        onClick: () => {
          const ids = [...model.selection];
          if (ids.length < 1) {
            void showErrorMessage(
              "Labtrack",
              "Select the runs to compare first (the boxes at the left of the rows).",
            );
            return;
          }
          const metrics = model.visibleColumns
            .filter((c) => c.kind === "metric")
            .map((c) => c.key)
            .slice(0, 3);
          if (metrics.length === 0) {
            void showErrorMessage("Labtrack", "Show at least one metric column to compare.");
            return;
          }
          const source = `%track compare ${ids.join(" ")} --metrics ${metrics.map((m) => quote(m)).join(",")}`;
          if (!insertCell(source))
            void showErrorMessage(
              "Labtrack",
              "Open a notebook first: the comparison goes into its active cell's place.",
            );
        },
      });
      compare.addClass("lt-RunsTable-compare");
      widget.toolbar.addItem("labtrack-compare", compare);
      widget.id = `labtrack-runs-table-${experimentId}`;
      widget.title.label = `Runs: ${name ?? experimentId}`;
      widget.title.caption = `Runs of experiment ${name ?? ""} (id ${experimentId})`;
      widget.title.icon = labtrackIcon;
      widget.title.closable = true;
      widget.disposed.connect(() => {
        open.delete(experimentId);
        model.dispose();
      });
      open.set(experimentId, widget);
      app.shell.add(widget, "main");
      app.shell.activateById(widget.id);
      if (!name) void nameFromServer(connection, experimentId, widget);
      return widget;
    },
  });
  palette?.addItem({ command: OPEN_RUNS_TABLE, category: "Labtrack" });
}

/** When the caller only knew the id, the title gets the experiment's name once the server says it. */
async function nameFromServer(
  connection: TrackingConnection,
  experimentId: string,
  widget: MainAreaWidget,
): Promise<void> {
  try {
    const experiment = await connection.client.getExperiment(experimentId);
    if (!widget.isDisposed) {
      widget.title.label = `Runs: ${experiment.name}`;
      widget.title.caption = `Runs of experiment ${experiment.name} (id ${experimentId})`;
    }
  } catch {
    // The title keeps the id; the table itself shows why the server cannot be reached.
  }
}

async function pickExperiment(
  connection: TrackingConnection,
): Promise<{ experimentId: string; name: string } | null> {
  let experiments: { experiment_id: string; name: string }[];
  try {
    ({ experiments } = await connection.client.searchExperiments({
      orderBy: ["name ASC"],
      maxResults: 1000,
    }));
  } catch (e) {
    const problem = describeError(e, connection.uri);
    await showErrorMessage(`Labtrack: cannot list experiments (${problem.summary})`, problem.detail);
    return null;
  }
  if (!experiments.length) {
    await showErrorMessage("Labtrack", "The tracking server has no experiments yet.");
    return null;
  }
  // Names are unique on the server, so the chosen name finds its experiment.
  const answer = await InputDialog.getItem({
    title: "Open the runs of",
    items: experiments.map((e) => e.name),
  });
  const chosen = answer.button.accept ? experiments.find((e) => e.name === answer.value) : undefined;
  return chosen ? { experimentId: chosen.experiment_id, name: chosen.name } : null;
}
