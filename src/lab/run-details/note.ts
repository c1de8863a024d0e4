// The run's note (MLflow's mlflow.note.content tag), shown as markdown rendered by JupyterLab with
// trusted=false (so it is sanitized) or as plain text, and edited as text.
import { el } from "../dom.js";
import { __ } from "../i18n.js";
import type { RunDetailsModel } from "./model.js";

/** Renders markdown into `host`, safely; rejects when it cannot (the note is then shown as text). */
export type MarkdownRenderer = (markdown: string, host: HTMLElement) => Promise<void>;

export class NoteSection {
  readonly node = el("div", { className: "lt-RunDetails-note" });
  private readonly shown = el("div", { className: "lt-RunDetails-noteBody" });
  private readonly message = el("p", { className: "lt-RunDetails-formError", attrs: { role: "alert" } });
  private editing = false;
  private renderedText: string | null = null;

  constructor(
    private readonly model: RunDetailsModel,
    private readonly renderMarkdown: MarkdownRenderer | null,
  ) {
    this.message.hidden = true;
  }

  update(): void {
    if (this.editing) return;
    const text = this.model.note;
    if (text === this.renderedText) return;
    this.renderedText = text;
    const edit = el(
      "button",
      { className: "jp-Button jp-mod-styled", attrs: { type: "button" } },
      text ? __("Edit note") : __("Add a note"),
    );
    edit.addEventListener("click", () => this.startEdit());
    this.node.replaceChildren(
      this.shown,
      el("div", { className: "lt-RunDetails-buttons" }, edit),
      this.message,
    );
    void this.renderText(text);
  }

  private async renderText(text: string): Promise<void> {
    if (!text) {
      this.shown.replaceChildren(el("p", { className: "lt-RunDetails-muted" }, "No note."));
      return;
    }
    const host = el("div", { className: "lt-RunDetails-markdown" });
    if (this.renderMarkdown) {
      try {
        await this.renderMarkdown(text, host);
        this.shown.replaceChildren(host);
        return;
      } catch {
        // Shown as text below.
      }
    }
    this.shown.replaceChildren(el("pre", { className: "lt-RunDetails-text" }, text));
  }

  private startEdit(): void {
    this.editing = true;
    const area = el("textarea", {
      className: "jp-mod-styled lt-RunDetails-noteInput",
      attrs: { rows: "8", "aria-label": __("Note (markdown)") },
    });
    area.value = this.model.note;
    const save = el(
      "button",
      { className: "jp-Button jp-mod-styled jp-mod-accept", attrs: { type: "button" } },
      __("Save note"),
    );
    const cancel = el(
      "button",
      { className: "jp-Button jp-mod-styled", attrs: { type: "button" } },
      __("Cancel"),
    );
    const stop = () => {
      this.editing = false;
      this.renderedText = null;
      this.update();
    };
    save.addEventListener("click", async () => {
      save.disabled = true;
      const ok = await this.model.setNote(area.value);
      save.disabled = false;
      if (ok) stop();
      else {
        this.message.textContent = __("The note was not saved: %1", this.model.actionError?.detail ?? "");
        this.message.hidden = false;
      }
    });
    cancel.addEventListener("click", stop);
    this.message.hidden = true;
    this.node.replaceChildren(
      area,
      el("div", { className: "lt-RunDetails-buttons" }, save, cancel),
      this.message,
    );
    area.focus();
  }
}
