// "Open notebook" of a headless execution: the executed notebook is saved among the user's files (in
// `labtrack-runs/`, so it never overwrites the notebook it was made from) and opened in the Lab.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import type { NotebookOpener } from "./notebook.js";

export const OPEN_FOLDER = "labtrack-runs";

export function notebookOpener(app: JupyterFrontEnd): NotebookOpener {
  return async (name, notebook) => {
    const contents = app.serviceManager.contents;
    // The folder may exist already; saving it again is how Jupyter's contents API ensures it.
    await contents.save(OPEN_FOLDER, { type: "directory", name: OPEN_FOLDER, path: OPEN_FOLDER });
    const path = `${OPEN_FOLDER}/${name}`;
    await contents.save(path, { type: "notebook", format: "json", content: notebook });
    await app.commands.execute("docmanager:open", { path });
    return path;
  };
}
