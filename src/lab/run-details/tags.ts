// Tags: the user's own are editable (add, change the value, delete); mlflow.* and labtrack.* ones are
// the system's, shown read-only behind a toggle.
import type { WireTag } from "../../client/wire.js";
import { el } from "../dom.js";
import { __ } from "../i18n.js";
import { keyValueRow, tableHead, valueCell } from "../table.js";
import { RunDetailsModel } from "./model.js";

export class TagsSection {
  readonly node = el("div", { className: "lt-RunDetails-tags" });
  private readonly body = el("tbody");
  private readonly empty = el("p", { className: "lt-RunDetails-muted" }, "No tags yet.");
  private readonly message = el("p", { className: "lt-RunDetails-formError", attrs: { role: "alert" } });
  private readonly newKey = el("input", {
    className: "jp-mod-styled",
    attrs: { type: "text", placeholder: __("Name"), "aria-label": __("New tag name") },
  });
  private readonly newValue = el("input", {
    className: "jp-mod-styled",
    attrs: { type: "text", placeholder: __("Value"), "aria-label": __("New tag value") },
  });
  private readonly system = el("details", { className: "lt-RunDetails-systemTags" });
  private readonly systemBody = el("tbody");
  private readonly systemSummary = el("summary", {});
  /** The key whose value is being edited: refreshes leave its row alone. */
  private editing: string | null = null;
  private signature = "";

  constructor(private readonly model: RunDetailsModel) {
    const add = el(
      "button",
      { className: "jp-Button jp-mod-styled jp-mod-accept", attrs: { type: "submit" } },
      __("Add tag"),
    );
    const form = el("form", { className: "lt-RunDetails-addTag" }, this.newKey, this.newValue, add);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.add();
    });
    this.message.hidden = true;
    this.system.append(
      this.systemSummary,
      el("table", { className: "lt-RunDetails-table" }, this.systemBody),
    );
    this.node.append(
      el(
        "table",
        { className: "lt-RunDetails-table" },
        tableHead(__("Name"), __("Value"), el("span", { className: "lt-RunDetails-srOnly" }, __("Actions"))),
        this.body,
      ),
      this.empty,
      form,
      this.message,
      this.system,
    );
  }

  update(): void {
    const user = this.model.userTags;
    const system = this.model.systemTags;
    const signature = JSON.stringify([user, system]);
    if (signature === this.signature || this.editing !== null) return;
    this.signature = signature;
    this.empty.hidden = user.length > 0;
    this.body.replaceChildren(...user.map((t) => this.row(t)));
    this.systemSummary.textContent = __("System tags (%1)", system.length);
    this.system.hidden = system.length === 0;
    this.systemBody.replaceChildren(...system.map((t) => keyValueRow(t.key, t.value)));
  }

  private row(tag: WireTag): HTMLTableRowElement {
    const edit = el(
      "button",
      {
        className: "jp-Button jp-mod-styled",
        attrs: { type: "button", "aria-label": __("Edit tag %1", tag.key) },
      },
      __("Edit"),
    );
    const remove = el(
      "button",
      {
        className: "jp-Button jp-mod-styled jp-mod-warn",
        attrs: { type: "button", "aria-label": __("Delete tag %1", tag.key) },
      },
      __("Delete"),
    );
    const value = valueCell(tag.value);
    const row = keyValueRow(tag.key, value, el("td", { className: "lt-RunDetails-actions" }, edit, remove));
    row.dataset.tag = tag.key;
    edit.addEventListener("click", () => this.startEdit(tag, value));
    remove.addEventListener("click", () => void this.run(() => this.model.deleteTag(tag.key)));
    return row;
  }

  private startEdit(tag: WireTag, cell: HTMLElement): void {
    this.editing = tag.key;
    const input = el("input", {
      className: "jp-mod-styled lt-RunDetails-tagInput",
      attrs: { type: "text", "aria-label": __("Value of tag %1", tag.key) },
    });
    input.value = tag.value;
    const save = el(
      "button",
      { className: "jp-Button jp-mod-styled jp-mod-accept", attrs: { type: "submit" } },
      __("Save"),
    );
    const cancel = el(
      "button",
      { className: "jp-Button jp-mod-styled", attrs: { type: "button" } },
      __("Cancel"),
    );
    const form = el("form", { className: "lt-RunDetails-editTag" }, input, save, cancel);
    const stop = () => {
      this.editing = null;
      this.signature = "";
      this.update();
    };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.editing = null;
      void this.run(() => this.model.setTag(tag.key, input.value)).then(stop);
    });
    cancel.addEventListener("click", stop);
    input.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        stop();
      }
    });
    cell.replaceChildren(form);
    input.focus();
    input.select();
  }

  private async add(): Promise<void> {
    const key = this.newKey.value;
    const problem = RunDetailsModel.tagKeyProblem(key);
    if (problem) {
      this.showMessage(problem);
      return;
    }
    if (await this.run(() => this.model.setTag(key, this.newValue.value))) {
      this.newKey.value = "";
      this.newValue.value = "";
      this.newKey.focus();
    }
  }

  private async run(action: () => Promise<boolean>): Promise<boolean> {
    this.showMessage("");
    const ok = await action();
    if (!ok)
      this.showMessage(
        __("The tracking server did not take the change: %1", this.model.actionError?.detail ?? ""),
      );
    return ok;
  }

  private showMessage(text: string): void {
    this.message.textContent = text;
    this.message.hidden = !text;
  }
}
