// The markup of Labtrack's tables, written once. Header cells carry their scope, so a screen reader
// reads each value with its column and its row; every text goes in as text (see `el`).
import { type Child, el } from "./dom.js";

/** A header cell of a column or of a row. */
export function headerCell(
  scope: "col" | "row",
  className: string,
  ...content: Child[]
): HTMLTableCellElement {
  return el("th", { className, attrs: { scope } }, ...content);
}

/** A `<thead>` of one row: a `<th>` goes in as it is, anything else becomes a column's header cell. */
export function tableHead(...columns: (HTMLTableCellElement | Node | string)[]): HTMLTableSectionElement {
  return el(
    "thead",
    {},
    el("tr", {}, ...columns.map((c) => (c instanceof HTMLTableCellElement ? c : headerCell("col", "", c)))),
  );
}

/** The cell of a key's value (a param's, a tag's, a logged model's field): long values wrap anywhere. */
export function valueCell(text: string): HTMLTableCellElement {
  return el("td", { className: "lt-RunDetails-value" }, text);
}

/** A row of a key and its value, then any more cells (e.g. actions). */
export function keyValueRow(
  key: string,
  value: string | HTMLTableCellElement,
  ...more: HTMLTableCellElement[]
): HTMLTableRowElement {
  return el(
    "tr",
    {},
    headerCell("row", "", key),
    typeof value === "string" ? valueCell(value) : value,
    ...more,
  );
}
