// The tracked cells' command: "Track This Cell" (the cell toolbar's button, the palette) makes the
// active code cell a %%track cell.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import type { ICommandPalette } from "@jupyterlab/apputils";
import type { INotebookTracker } from "@jupyterlab/notebook";
import { CommandIds } from "../command-ids.js";
import { __ } from "../i18n.js";
import { labtrackIcon } from "../icon.js";

export function addTrackingCommands(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker | null,
  palette: ICommandPalette | null,
): void {
  app.commands.addCommand(CommandIds.trackCell, {
    label: __("Track This Cell"),
    caption: __("Make this cell's executions Labtrack runs (inserts %1 on its first line)", "%%track"),
    icon: labtrackIcon,
    isEnabled: () => notebooks?.activeCell?.model.type === "code",
    execute: () => {
      const cell = notebooks?.activeCell;
      if (cell?.model.type !== "code") return;
      const source = cell.model.sharedModel.getSource();
      if (/^\s*%%track\b/.test(source)) return;
      cell.model.sharedModel.setSource(`%%track\n${source}`);
    },
  });
  palette?.addItem({ command: CommandIds.trackCell, category: "Labtrack" });
}
