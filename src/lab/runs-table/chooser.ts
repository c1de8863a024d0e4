// The column chooser: a button opening a list of the metric, param and tag columns found so far, each
// with a checkbox and a pin, and a box to find a key among hundreds.
import { el } from "../dom.js";
import { __ } from "../i18n.js";
import type { Column, ColumnKind } from "./columns.js";
import type { RunsTableModel } from "./model.js";

const SECTIONS: ReadonlyArray<[ColumnKind, () => string]> = [
  ["attribute", () => __("Attributes")],
  ["metric", () => __("Metrics")],
  ["param", () => __("Params")],
  ["tag", () => __("Tags")],
];

export class ColumnChooser {
  readonly node = el("div", { className: "lt-RunsTable-chooserWrap" });
  private readonly button = el(
    "button",
    {
      className: "lt-RunsTable-columnsButton jp-Button jp-mod-styled",
      attrs: { "aria-haspopup": "true", "aria-expanded": "false" },
    },
    __("Columns"),
  );
  private readonly popup = el("div", {
    className: "lt-RunsTable-chooser",
    attrs: { role: "dialog", "aria-label": __("Choose columns") },
  });
  private readonly find = el("input", {
    className: "lt-RunsTable-chooserFind jp-mod-styled",
    attrs: { type: "search", placeholder: __("Find a column"), "aria-label": __("Find a column") },
  });
  private readonly list = el("div", { className: "lt-RunsTable-chooserList" });
  private renderedKey = "";
  private readonly onOutside = (e: PointerEvent) => {
    if (!this.node.contains(e.target as Node)) this.close();
  };

  constructor(private readonly model: RunsTableModel) {
    this.popup.hidden = true;
    this.popup.append(this.find, this.list);
    this.node.append(this.button, this.popup);
    this.button.addEventListener("click", () => (this.popup.hidden ? this.open() : this.close()));
    this.find.addEventListener("input", () => this.render());
    this.popup.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        this.close();
        this.button.focus();
      }
    });
  }

  get isOpen(): boolean {
    return !this.popup.hidden;
  }

  open(): void {
    this.popup.hidden = false;
    this.renderedKey = "";
    this.button.setAttribute("aria-expanded", "true");
    document.addEventListener("pointerdown", this.onOutside, true);
    this.render();
    this.find.focus();
  }

  close(): void {
    this.popup.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", this.onOutside, true);
  }

  /** Rebuilds the list while open: pages that arrive may bring new keys. */
  render(): void {
    if (!this.isOpen) return;
    const needle = this.find.value.trim().toLowerCase();
    const columns = this.model.columns.filter((c) => !needle || c.id.toLowerCase().includes(needle));
    const key = `${needle}\n${columns.map((c) => c.id).join("\n")}`;
    if (key === this.renderedKey) {
      // Same list: update the boxes in place so the focused one keeps focus.
      for (const box of this.list.querySelectorAll<HTMLInputElement>("input[data-column-id]"))
        box.checked = this.model.isVisible(box.dataset.columnId ?? "");
      for (const pin of this.list.querySelectorAll<HTMLButtonElement>("button[data-column-id]"))
        pin.setAttribute("aria-pressed", String(this.model.isPinned(pin.dataset.columnId ?? "")));
      return;
    }
    this.renderedKey = key;
    const sections: Node[] = [];
    for (const [kind, title] of SECTIONS) {
      const items = columns.filter((c) => c.kind === kind);
      if (!items.length) continue;
      sections.push(
        el("div", { className: "lt-RunsTable-chooserTitle" }, `${title()} (${items.length})`),
        ...items.map((c) => this.item(c)),
      );
    }
    if (!sections.length)
      sections.push(el("div", { className: "lt-RunsTable-chooserEmpty" }, __("No column matches.")));
    this.list.replaceChildren(...sections);
  }

  private item(column: Column): HTMLElement {
    const box = el("input", { attrs: { type: "checkbox" }, dataset: { columnId: column.id } });
    box.checked = this.model.isVisible(column.id);
    box.disabled = column.id === "attributes.run_name";
    box.addEventListener("change", () => this.model.setVisible(column.id, box.checked));
    const pin = el(
      "button",
      {
        className: "lt-RunsTable-chooserPin",
        title: __("Pin: keep at the left while scrolling sideways"),
        dataset: { columnId: column.id },
        attrs: {
          "aria-label": __("Pin %1", column.label),
          "aria-pressed": String(this.model.isPinned(column.id)),
        },
      },
      "⇤",
    );
    pin.addEventListener("click", () => {
      const pinned = !this.model.isPinned(column.id);
      // Pinning a hidden column shows it: a pin nobody sees is a surprise later.
      if (pinned) this.model.setVisible(column.id, true);
      this.model.setPinned(column.id, pinned);
    });
    return el(
      "div",
      { className: "lt-RunsTable-chooserRow" },
      el(
        "label",
        { className: "lt-RunsTable-chooserItem", title: column.id },
        box,
        el("span", {}, column.label),
      ),
      pin,
    );
  }

  dispose(): void {
    document.removeEventListener("pointerdown", this.onOutside, true);
  }
}
