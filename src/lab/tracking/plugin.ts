// Tracked cells in JupyterLab: the cell executor that runs %track / %%track magics around executions,
// the magic lines' highlight, the "Track This Cell" command, each tracked cell's badge, and the sweep
// that ends runs whose notebook went away.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { EditorExtensionRegistry, IEditorExtensionRegistry } from "@jupyterlab/codemirror";
import { INotebookCellExecutor, INotebookTracker, type NotebookPanel } from "@jupyterlab/notebook";
import { expireAbandonedRuns } from "../../tracking/cell-run.js";
import { CommandIds } from "../command-ids.js";
import { RenderSchedule } from "../render-schedule.js";
import { ILabtrackConnection } from "../tokens.js";
import { renderBadge } from "./badge.js";
import { addTrackingCommands } from "./commands.js";
import { createCellExecutor } from "./executor.js";
import { magicLineHighlight } from "./highlight.js";

/** Keeps each tracked cell's badge in step with its metadata (written when its run ends). */
function watchBadges(app: JupyterFrontEnd, notebooks: INotebookTracker): void {
  const show = (run: { runId: string; experimentId: string; cellId: string; label: string }) =>
    void app.commands.execute(CommandIds.showRun, run);
  const renderAll = (panel: NotebookPanel) => {
    panel.content.widgets.forEach((cell, i) => {
      renderBadge(cell, i, show);
    });
  };
  notebooks.widgetAdded.connect((_, panel) => {
    const render = new RenderSchedule(() => renderAll(panel));
    panel.disposed.connect(() => render.dispose());
    const schedule = render.request;
    void panel.context.ready.then(() => {
      schedule();
      const cells = panel.content.model?.cells;
      cells?.changed.connect(schedule);
      for (const cell of cells ?? []) cell.metadataChanged.connect(schedule);
      cells?.changed.connect((_, change) => {
        for (const cell of change.newValues) cell.metadataChanged.connect(schedule);
      });
    });
  });
}

export const highlightPlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:magic-highlight",
  description: "Marks %track and %%track lines in code editors.",
  autoStart: true,
  requires: [IEditorExtensionRegistry],
  activate: (_app: JupyterFrontEnd, extensions: IEditorExtensionRegistry) => {
    extensions.addExtension({
      name: "labtrack:magic-lines",
      factory: () => EditorExtensionRegistry.createImmutableExtension(magicLineHighlight()),
    });
  },
};

/** Replaces JupyterLab's cell executor (disabled in package.json) so magics run before the kernel sees the cell. */
export const cellExecutorPlugin: JupyterFrontEndPlugin<INotebookCellExecutor> = {
  id: "labtrack:cell-executor",
  description: "Runs %track / %%track magics around cell executions; other cells run unchanged.",
  autoStart: true,
  provides: INotebookCellExecutor,
  // Notebooks cannot run cells without an executor: this one must come up even if Labtrack's
  // connection does not (magic cells then say so; other cells run as always).
  optional: [ILabtrackConnection],
  activate: (app: JupyterFrontEnd, connection: ILabtrackConnection | null) =>
    createCellExecutor(app, connection),
};

const SWEEP_MS = 120_000;

export const trackingPlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:tracking",
  description: "The 'Track this cell' command, and the sweep that closes runs whose notebook went away.",
  autoStart: true,
  requires: [ILabtrackConnection],
  optional: [INotebookTracker, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    connection: ILabtrackConnection,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null,
  ) => {
    addTrackingCommands(app, notebooks, palette);
    if (notebooks) watchBadges(app, notebooks);
    let sweeping = false;
    const sweep = async () => {
      if (sweeping || connection.status.state !== "connected") return;
      sweeping = true;
      try {
        await expireAbandonedRuns(connection.client);
      } catch {
        // The next sweep tries again; the connection status already reports server problems.
      } finally {
        sweeping = false;
      }
    };
    connection.changed.connect((_, status) => {
      if (status.state === "connected") void sweep();
    });
    setInterval(() => void sweep(), SWEEP_MS);
  },
};
