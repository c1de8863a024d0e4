// Labtrack's notebook cell executor (JupyterLab's INotebookCellExecutor): cells without Labtrack magics
// go to JupyterLab's own runCell untouched, with no extra kernel round trip; cells with magics run
// through MagicCell.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import type { CodeCell } from "@jupyterlab/cells";
import { type INotebookCellExecutor, runCell } from "@jupyterlab/notebook";
import { parseCell } from "../../magics/index.js";
import { MagicCell, type MagicContext } from "../../tracking/magic-cell.js";
import { writeError } from "../../tracking/outputs.js";
import { __ } from "../i18n.js";
import type { ILabtrackConnection } from "../tokens.js";
import { labCell, labNotebook, labTarget, sessionKernel } from "./adapters.js";

function base64ToBytes(b64: string): Uint8Array {
  const binary = atob(b64.replace(/\s+/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function createCellExecutor(
  app: JupyterFrontEnd,
  connection: ILabtrackConnection | null,
): INotebookCellExecutor {
  const contents = app.serviceManager.contents;
  const readFile: MagicContext["readFile"] = async (path) => {
    try {
      const m = await contents.get(path, { content: true, type: "file" });
      const contentType = m.mimetype || "application/octet-stream";
      if (m.format === "base64") return { text: base64ToBytes(String(m.content)), contentType };
      return {
        text: String(m.content),
        contentType: contentType.startsWith("text/") ? contentType : "text/plain",
      };
    } catch {
      return null;
    }
  };
  const listDir: MagicContext["listDir"] = async (path) => {
    try {
      const m = await contents.get(path, { content: true });
      if (m.type !== "directory") return null;
      const files: string[] = [];
      for (const item of m.content as { path: string; type: string }[]) {
        if (item.type === "directory") files.push(...((await listDir(item.path)) ?? []));
        else files.push(item.path);
      }
      return files;
    } catch {
      return null;
    }
  };

  // "Run all" schedules every cell at once and the kernel runs them in the order they arrive. A magic
  // cell talks to the tracking server before its code goes to the kernel, so the cells scheduled after
  // it wait for it to finish, or they would overtake it; if it fails they do not run, as a kernel
  // aborts the requests queued behind an error. Plain cells never wait for each other.
  const pending = new WeakMap<object, Promise<boolean>>();
  const schedule = (notebook: object, work: () => Promise<boolean>, holds: boolean): Promise<boolean> => {
    const previous = pending.get(notebook);
    const result = previous ? previous.then((ok) => (ok ? work() : false)) : work();
    if (holds) {
      const settled = result.catch(() => false);
      pending.set(notebook, settled);
      void settled.then(() => {
        if (pending.get(notebook) === settled) pending.delete(notebook);
      });
    }
    return result;
  };

  return {
    runCell(options: INotebookCellExecutor.IRunCellOptions): Promise<boolean> {
      const { cell, sessionContext, notebook } = options;
      if (cell.model.type !== "code" || !sessionContext)
        return schedule(notebook, () => runCell(options), false);
      const parsed = parseCell(cell.model.sharedModel.getSource());
      if (parsed.kind === "plain") return schedule(notebook, () => runCell(options), false);
      if (!connection) {
        const model = (cell as CodeCell).model;
        model.sharedModel.transact(() => model.clearExecution(), false);
        writeError(
          labCell(cell as CodeCell, sessionContext),
          "LabtrackError",
          __("Labtrack did not start in this JupyterLab (see the browser console); this cell was not run"),
        );
        return Promise.resolve(false);
      }
      const ready = connection;
      return schedule(notebook, () => runMagic(options, parsed, ready), true);
    },
  };

  async function runMagic(
    options: INotebookCellExecutor.IRunCellOptions,
    parsed: Exclude<ReturnType<typeof parseCell>, { kind: "plain" }>,
    connection: ILabtrackConnection,
  ): Promise<boolean> {
    const { cell } = options;
    const sessionContext = options.sessionContext as NonNullable<typeof options.sessionContext>;
    const codeCell = cell as CodeCell;
    options.onCellExecutionScheduled({ cell });
    codeCell.model.sharedModel.transact(() => codeCell.model.clearExecution(), false);
    codeCell.outputHidden = false;
    let ok = false;
    try {
      ok = await new MagicCell(
        {
          cell: labCell(codeCell, sessionContext),
          notebook: labNotebook(options.notebook, sessionContext),
          kernel: (start) => sessionKernel(sessionContext, start),
          target: labTarget(connection),
          user: app.serviceManager.user?.identity?.username,
          readFile,
          listDir,
          checkNumberLater: true,
        },
        parsed,
      ).run();
    } finally {
      options.onCellExecuted({ cell, success: ok });
    }
    return ok;
  }
}
