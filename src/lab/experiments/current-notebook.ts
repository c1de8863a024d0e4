// Which experiment the current notebook tracks into: its `%track experiment` (kept in its metadata),
// else the defaultExperiment setting. Followed across notebook switches, metadata edits and settings.
import type { INotebookModel, INotebookTracker } from "@jupyterlab/notebook";
import { readNotebook } from "../../tracking/notebook-state.js";
import type { ILabtrackConnection } from "../tokens.js";
import type { ExperimentsModel } from "./model.js";

export function followCurrentNotebook(
  notebooks: INotebookTracker | null,
  connection: ILabtrackConnection,
  model: ExperimentsModel,
): void {
  let watched: INotebookModel | null = null;
  const update = () => {
    const fromNotebook = watched ? readNotebook(watched).experiment : undefined;
    if (fromNotebook) model.setCurrent(fromNotebook, "notebook");
    else model.setCurrent(connection.settings.defaultExperiment || null, "default");
  };
  const watch = () => {
    watched?.metadataChanged.disconnect(update);
    watched = notebooks?.currentWidget?.content.model ?? null;
    watched?.metadataChanged.connect(update);
    update();
  };
  notebooks?.currentChanged.connect((_, panel) => {
    watch();
    // A notebook that is still loading has no model (or an empty one) yet.
    panel?.context.ready
      .then(() => {
        if (notebooks.currentWidget === panel) watch();
      })
      .catch(() => undefined); // a notebook that fails to open says so itself
  });
  connection.changed.connect(update);
  watch();
}
