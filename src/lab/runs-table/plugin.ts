// The runs table's plugin: an experiment's runs as a table in the main area, one per experiment,
// tracked so the open tables come back after a page reload (the restorer runs the open command again
// with the experiment's id), "Compare in notebook" into the current notebook.
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { INotebookTracker, NotebookActions } from "@jupyterlab/notebook";
import { CommandIds } from "../command-ids.js";
import { MainAreaViews } from "../main-area.js";
import { ILabtrackConnection } from "../tokens.js";
import { registerRunsTableCommands } from "./commands.js";
import type { RunsTableWidget } from "./widget.js";

/** Puts a cell below the current notebook's active cell and runs it; false without a notebook. */
function cellInserter(app: JupyterFrontEnd, notebooks: INotebookTracker | null): (source: string) => boolean {
  return (source) => {
    const current = notebooks?.currentWidget;
    if (!current) return false;
    NotebookActions.insertBelow(current.content);
    const cell = current.content.activeCell;
    if (!cell) return false;
    cell.model.sharedModel.setSource(source);
    app.shell.activateById(current.id);
    void NotebookActions.run(current.content, current.sessionContext);
    return true;
  };
}

export const runsTablePlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:runs-table",
  description: "An experiment's runs as a table: sort, filter, columns, selection, compare.",
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
    const views = new MainAreaViews<RunsTableWidget>(app, restorer, {
      namespace: "labtrack-runs-table",
      command: CommandIds.openRunsTable,
      args: (w) => ({ experimentId: w.content.model.experimentId }),
      name: (w) => w.content.model.experimentId,
    });
    registerRunsTableCommands(app, connection, views, cellInserter(app, notebooks));
    palette?.addItem({ command: CommandIds.openRunsTable, category: "Labtrack" });
  },
};
