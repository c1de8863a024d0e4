// The run details view's plugin: what the view may do in the Lab (open runs and notebooks, copy,
// render a note, go to a run's cell), its command (commands.ts) and palette entry, and the tracker that
// restores open views after a reload.
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { Clipboard, ICommandPalette, showErrorMessage } from "@jupyterlab/apputils";
import { IEditorLanguageRegistry } from "@jupyterlab/codemirror";
import { INotebookTracker } from "@jupyterlab/notebook";
import { IRenderMimeRegistry, MimeModel } from "@jupyterlab/rendermime";
import { languageLoader } from "../code-view.js";
import { CommandIds } from "../command-ids.js";
import { __ } from "../i18n.js";
import { MainAreaViews } from "../main-area.js";
import { ILabtrackConnection } from "../tokens.js";
import { registerRunDetailsCommands } from "./commands.js";
import type { MarkdownRenderer } from "./note.js";
import { notebookOpener } from "./open-notebook.js";
import type { RunDetailsActions, RunDetailsWidget } from "./widget.js";

/** The note goes through JupyterLab's markdown renderer as untrusted content: it sanitizes the HTML. */
function markdownRenderer(rendermime: IRenderMimeRegistry | null): MarkdownRenderer | null {
  if (!rendermime) return null;
  return async (markdown, host) => {
    const renderer = rendermime.createRenderer("text/markdown");
    await renderer.renderModel(new MimeModel({ data: { "text/markdown": markdown }, trusted: false }));
    // Heading anchors point into a notebook's table of contents: in a note they lead nowhere.
    for (const anchor of renderer.node.querySelectorAll(".jp-InternalAnchorLink")) anchor.remove();
    host.replaceChildren(renderer.node);
  };
}

export const runDetailsPlugin: JupyterFrontEndPlugin<void> = {
  id: "labtrack:run-details",
  description: "A run's details in the main area: params, metrics, tags, note and artifacts.",
  autoStart: true,
  requires: [ILabtrackConnection],
  optional: [
    INotebookTracker,
    ILayoutRestorer,
    ICommandPalette,
    IRenderMimeRegistry,
    IEditorLanguageRegistry,
  ],
  activate: (
    app: JupyterFrontEnd,
    connection: ILabtrackConnection,
    notebooks: INotebookTracker | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    rendermime: IRenderMimeRegistry | null,
    languages: IEditorLanguageRegistry | null,
  ) => {
    const views = new MainAreaViews<RunDetailsWidget>(app, restorer, {
      namespace: "labtrack-run",
      command: CommandIds.openRun,
      args: (w) => ({ runId: w.content.model.runId }),
      name: (w) => w.content.model.runId,
    });
    const actions: RunDetailsActions = {
      openRun: (runId) => void app.commands.execute(CommandIds.openRun, { runId }),
      copy: (text) => Clipboard.copyToSystem(text),
      openNotebook: notebookOpener(app),
      renderMarkdown: markdownRenderer(rendermime),
      loadLanguage: languageLoader(languages),
      cellOpener: (path, cellId) => {
        const panel = notebooks?.find((p) => p.context.path === path);
        if (!panel) return null;
        return () => {
          if (panel.isDisposed) return;
          const notebook = panel.content;
          const index = notebook.widgets.findIndex((c) => c.model.id === cellId);
          if (index < 0) {
            void showErrorMessage("Labtrack", __("The notebook %1 no longer has this run's cell.", path));
            return;
          }
          app.shell.activateById(panel.id);
          notebook.activeCellIndex = index;
          const cell = notebook.widgets[index];
          if (cell) void notebook.scrollToCell(cell, "center");
        };
      },
    };
    const refreshHeaders = () => {
      views.tracker.forEach((w) => {
        w.content.renderHeader();
      });
    };
    notebooks?.widgetAdded.connect((_, panel) => {
      void panel.context.ready.then(refreshHeaders);
      panel.disposed.connect(() => requestAnimationFrame(refreshHeaders));
    });

    registerRunDetailsCommands(app, connection, views, actions);
    palette?.addItem({ command: CommandIds.openRun, category: "Labtrack" });
  },
};
