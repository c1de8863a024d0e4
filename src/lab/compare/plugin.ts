// The Compare view's plugin: its command (commands.ts), its palette entry, and the tracker that
// restores open comparisons after a reload.
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { IEditorLanguageRegistry } from "@jupyterlab/codemirror";
import { languageLoader } from "../code-view.js";
import { CommandIds } from "../command-ids.js";
import { type MainAreaView, MainAreaViews } from "../main-area.js";
import { ILabtrackConnection } from "../tokens.js";
import { registerCompareCommands } from "./commands.js";
import type { CompareWidget } from "./widget.js";

export type CompareView = MainAreaView<CompareWidget>;

export const comparePlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:compare",
  description: "Compares runs side by side: params, metrics, curves, parallel coordinates, scatter.",
  autoStart: true,
  requires: [ILabtrackConnection],
  optional: [ILayoutRestorer, ICommandPalette, IEditorLanguageRegistry],
  activate: (
    app: JupyterFrontEnd,
    connection: ILabtrackConnection,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    languages: IEditorLanguageRegistry | null,
  ) => {
    const views = new MainAreaViews<CompareWidget>(app, restorer, {
      namespace: "labtrack-compare",
      command: CommandIds.compareRuns,
      args: (widget) => ({ runIds: [...widget.content.model.runIds] }),
      name: (widget) => widget.content.model.runIds.join(","),
    });
    registerCompareCommands(app, connection, views, languageLoader(languages));
    palette?.addItem({ command: CommandIds.compareRuns, category: "Labtrack" });
  },
};
