// The Source section: the cell that made the run, highlighted in JupyterLab's editor look (read-only
// CodeMirror with the language of the file's extension), with a button to copy it. Runs that were not
// made by a tracked cell say so.
import type { EditorView } from "@codemirror/view";
import { sourceExtension } from "../cell-source.js";
import { codeView, type LanguageLoader } from "../code-view.js";
import { el } from "../dom.js";
import { __ } from "../i18n.js";
import type { RunDetailsModel } from "./model.js";
import { problemNode } from "./preview.js";

export class SourceSection {
  readonly node = el("div", { className: "lt-RunDetails-sourceBody" });
  private shown: unknown = undefined;
  private editor: EditorView | null = null;
  private generation = 0;

  constructor(
    private readonly model: RunDetailsModel,
    private readonly loadLanguage: LanguageLoader,
    private readonly copy: (text: string) => void,
  ) {}

  /** Renders when the source read changed (a running run's refreshes leave the editor alone). */
  update(): void {
    const source = this.model.cellSource;
    if (source === this.shown) return;
    this.shown = source;
    const generation = ++this.generation;
    this.clear();
    if (source === null) {
      this.node.replaceChildren(
        el("p", { className: "lt-RunDetails-muted" }, __("Reading the cell's source…")),
      );
      return;
    }
    if (source.kind === "none") {
      this.node.replaceChildren(
        el(
          "p",
          { className: "lt-RunDetails-muted" },
          __("This run has no cell source: it was not made by a tracked cell."),
        ),
      );
      return;
    }
    if (source.kind === "error") {
      this.node.replaceChildren(problemNode(__("Cannot read the cell's source:"), source.problem.detail));
      return;
    }
    const copy = el(
      "button",
      {
        className: "lt-RunDetails-linkButton",
        attrs: { type: "button" },
        title: __("Copy the cell's source"),
      },
      __("Copy"),
    );
    copy.addEventListener("click", () => {
      this.copy(source.text);
      copy.textContent = __("Copied");
      setTimeout(() => {
        copy.textContent = __("Copy");
      }, 1500);
    });
    const host = el("div", { className: "lt-Code lt-RunDetails-code" });
    this.node.replaceChildren(
      el(
        "div",
        { className: "lt-RunDetails-sourceHeader" },
        el("span", { className: "lt-RunDetails-muted", title: source.path }, source.path),
        copy,
      ),
      host,
    );
    void this.loadLanguage(sourceExtension(source.path)).then((language) => {
      if (generation !== this.generation) return;
      this.editor = codeView(host, source.text, language, __("Source of the run's cell"));
    });
  }

  private clear(): void {
    this.editor?.destroy();
    this.editor = null;
  }

  dispose(): void {
    this.generation++;
    this.clear();
  }
}
