// The params table, with a filter box when there are many.
import type { WireTag } from "../../client/wire.js";
import { el } from "../dom.js";
import { __ } from "../i18n.js";
import { keyValueRow, tableHead } from "../table.js";

export const FILTER_FROM = 12;

export function matches(entry: WireTag, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  return !f || entry.key.toLowerCase().includes(f) || entry.value.toLowerCase().includes(f);
}

export class KeyValueTable {
  readonly node: HTMLElement;
  private readonly filter = el("input", {
    className: "jp-mod-styled lt-RunDetails-filter",
    attrs: { type: "search", placeholder: __("Filter by name or value"), "aria-label": __("Filter params") },
  });
  private readonly body = el("tbody");
  private readonly empty = el("p", { className: "lt-RunDetails-muted" });
  private entries: WireTag[] = [];
  private signature = "";

  constructor(
    private readonly what: string,
    className: string,
  ) {
    this.filter.setAttribute("aria-label", __("Filter %1", what));
    this.node = el(
      "div",
      { className },
      this.filter,
      el("table", { className: "lt-RunDetails-table" }, tableHead(__("Name"), __("Value")), this.body),
      this.empty,
    );
    this.filter.addEventListener("input", () => this.renderRows());
  }

  update(entries: WireTag[]): void {
    const signature = JSON.stringify(entries);
    if (signature === this.signature) return;
    this.signature = signature;
    this.entries = entries;
    this.filter.hidden = entries.length < FILTER_FROM;
    this.renderRows();
  }

  private renderRows(): void {
    const filter = this.filter.hidden ? "" : this.filter.value;
    const shown = this.entries.filter((e) => matches(e, filter));
    this.body.replaceChildren(...shown.map((e) => keyValueRow(e.key, e.value)));
    this.empty.hidden = shown.length > 0;
    this.empty.textContent = this.entries.length
      ? __("No %1 match the filter.", this.what)
      : __("No %1.", this.what);
  }
}
