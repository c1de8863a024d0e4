// The Notebook section of a headless execution's parent run (`labtrack run`): the executed notebook
// previewed read-only — each cell's source with its execution count, its outputs as text, images —
// and "Open notebook", which puts a copy next to the user's files and opens it in the Lab.
import { el } from "../dom.js";
import { __ } from "../i18n.js";
import type { RunDetailsModel } from "./model.js";
import type { PreviewCell, PreviewOutput } from "./notebook-preview.js";
import { problemNode } from "./preview.js";

/** Outputs longer than this are clipped in the preview (the opened notebook has them whole). */
const CLIP_CHARS = 4000;

/** Saves the notebook's JSON as a file of the Lab and opens it; resolves to the path, or rejects. */
export type NotebookOpener = (name: string, notebook: unknown) => Promise<string>;

export class NotebookSection {
  readonly node = el("div", { className: "lt-RunDetails-notebook" });
  private shown: unknown = undefined;

  constructor(
    private readonly model: RunDetailsModel,
    private readonly open: NotebookOpener | null,
  ) {}

  get relevant(): boolean {
    return this.model.executedNotebook !== null;
  }

  update(): void {
    const nb = this.model.executedNotebook;
    if (nb === this.shown) return;
    this.shown = nb;
    if (nb === null) {
      this.node.replaceChildren();
      return;
    }
    if (nb.problem) {
      this.node.replaceChildren(problemNode(__("Cannot read the executed notebook:"), nb.problem.detail));
      return;
    }
    const preview = nb.preview;
    if (!preview?.ok) {
      this.node.replaceChildren(
        problemNode(__("Cannot preview the executed notebook:"), preview?.reason ?? ""),
      );
      return;
    }
    const status = el("span", { className: "lt-RunDetails-muted", attrs: { role: "status" } });
    const header = el(
      "div",
      { className: "lt-RunDetails-sourceHeader" },
      el("span", { className: "lt-RunDetails-muted", title: nb.path }, nb.path),
      status,
    );
    if (this.open) {
      const open = this.open;
      const button = el(
        "button",
        { className: "jp-Button jp-mod-styled", attrs: { type: "button" } },
        __("Open notebook"),
      );
      button.addEventListener("click", () => {
        button.disabled = true;
        status.textContent = __("Opening…");
        void this.model
          .downloadArtifact(nb.path)
          .then(async (blob) => {
            if (!blob.ok) throw new Error(blob.problem.detail);
            // The run id in the name: two executions of one notebook open as two files.
            const base = nb.path.split("/").pop() ?? nb.path;
            return open(`${this.model.runId.slice(0, 8)}-${base}`, JSON.parse(await blob.value.text()));
          })
          .then(
            (path) => {
              status.textContent = __("Opened as %1", path);
            },
            (e: unknown) => {
              status.textContent = __(
                "Cannot open the notebook: %1",
                e instanceof Error ? e.message : String(e),
              );
            },
          )
          .finally(() => {
            button.disabled = false;
          });
      });
      header.append(button);
    }
    this.node.replaceChildren(
      header,
      el("ol", { className: "lt-Notebook-cells" }, ...preview.cells.map((c) => cellNode(c))),
    );
  }
}

function cellNode(cell: PreviewCell): HTMLElement {
  const prompt =
    cell.type === "code" ? `[${cell.executionCount === null ? " " : String(cell.executionCount)}]:` : "";
  return el(
    "li",
    { className: "lt-Notebook-cell", dataset: { type: cell.type } },
    el("span", { className: "lt-Notebook-prompt" }, prompt),
    el(
      "div",
      { className: "lt-Notebook-body" },
      el("pre", { className: "lt-Notebook-source" }, cell.source),
      ...cell.outputs.map(outputNode),
    ),
  );
}

function outputNode(output: PreviewOutput): HTMLElement {
  if (output.kind === "image") {
    // base64 checked by the reader: the image cannot carry markup, only pixels.
    const img = el("img", { className: "lt-Notebook-image", attrs: { alt: __("cell output image") } });
    img.src = `data:${output.mime};base64,${output.base64}`;
    return img;
  }
  if (output.kind === "other")
    return el("p", { className: "lt-RunDetails-muted lt-Notebook-output" }, __("[%1 output]", output.mime));
  const full = output.text;
  const pre = el(
    "pre",
    {
      className: `lt-Notebook-output${output.kind === "error" ? " lt-mod-error" : ""}${
        output.kind === "text" && output.stream === "stderr" ? " lt-mod-stderr" : ""
      }`,
    },
    full.length > CLIP_CHARS ? `${full.slice(0, CLIP_CHARS)}…` : full,
  );
  return pre;
}
