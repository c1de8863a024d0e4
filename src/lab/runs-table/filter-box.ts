// The filter box with its completion list: keys, operators, values as the user types (completion.ts
// decides what), ↑/↓ to move in the list, Enter or Tab to take the highlighted item (Tab takes the
// first when none is), Esc to close it (a second Esc puts back the filter in effect). Enter with no
// item highlighted applies the filter.
import { el } from "../dom.js";
import { __ } from "../i18n.js";
import { applySuggestion, type Completion, type CompletionSource, complete } from "./completion.js";

export class FilterBox {
  readonly node = el("div", { className: "lt-RunsTable-filterWrap" });
  readonly input = el("input", {
    className: "lt-RunsTable-filter jp-mod-styled",
    attrs: {
      type: "text",
      spellcheck: "false",
      autocomplete: "off",
      placeholder: __("Filter runs: %1 (Enter)", "metrics.loss < 0.5 and params.lr = '0.01'"),
      "aria-label": __("Filter runs"),
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": "",
    },
  });
  private readonly list = el("div", {
    className: "lt-RunsTable-completion",
    attrs: { role: "listbox", "aria-label": __("Filter suggestions") },
  });
  private completion: Completion | null = null;
  private active = -1;
  private static counter = 0;

  constructor(
    private readonly source: () => CompletionSource,
    private readonly submit: (text: string) => void,
    private readonly current: () => string,
  ) {
    this.list.id = `lt-RunsTable-completion-${++FilterBox.counter}`;
    this.input.setAttribute("aria-controls", this.list.id);
    this.list.hidden = true;
    this.node.append(this.input, this.list);
    this.input.addEventListener("input", () => this.suggest());
    this.input.addEventListener("click", () => this.suggest());
    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.input.addEventListener("blur", () => this.close());
    // A pointerdown on an item would blur the input first and close the list before the click.
    this.list.addEventListener("pointerdown", (e) => e.preventDefault());
    this.list.addEventListener("click", (e) => {
      const option = (e.target as HTMLElement).closest<HTMLElement>("[data-index]");
      if (option) this.pick(Number(option.dataset.index));
    });
  }

  get isOpen(): boolean {
    return !this.list.hidden;
  }

  /** Recomputes the suggestions for the text and cursor now in the box. */
  suggest(): void {
    const cursor = this.input.selectionStart ?? this.input.value.length;
    this.completion = complete(this.input.value, cursor, this.source(), 40);
    this.active = -1;
    this.render();
  }

  close(): void {
    this.completion = null;
    this.active = -1;
    this.render();
  }

  private onKey(e: KeyboardEvent): void {
    const items = this.completion?.items ?? [];
    const open = this.isOpen && items.length > 0;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!open) {
        this.suggest();
      } else {
        const step = e.key === "ArrowDown" ? 1 : -1;
        this.active =
          (this.active + step + items.length + (this.active < 0 && step < 0 ? 1 : 0)) % items.length;
        this.render();
      }
      e.preventDefault();
    } else if (e.key === "Tab" && open && !e.shiftKey) {
      e.preventDefault();
      this.pick(Math.max(0, this.active));
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (open && this.active >= 0) this.pick(this.active);
      else {
        this.close();
        this.submit(this.input.value);
      }
    } else if (e.key === "Escape") {
      if (open) this.close();
      else this.input.value = this.current();
      e.stopPropagation();
    }
  }

  private pick(index: number): void {
    const completion = this.completion;
    const item = completion?.items[index];
    if (!completion || !item) return;
    const next = applySuggestion(this.input.value, completion, item);
    this.input.value = next.text;
    this.input.setSelectionRange(next.cursor, next.cursor);
    this.input.focus();
    // What can follow what was just taken: an operator after a key, a value after an operator...
    this.suggest();
  }

  private render(): void {
    const items = this.completion?.items ?? [];
    const open = items.length > 0 && document.activeElement === this.input;
    this.list.hidden = !open;
    this.input.setAttribute("aria-expanded", String(open));
    if (!open) {
      this.list.replaceChildren();
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    this.list.replaceChildren(
      ...items.map((item, i) =>
        el(
          "div",
          {
            className: `lt-RunsTable-suggestion lt-mod-${item.kind}${i === this.active ? " lt-mod-active" : ""}`,
            dataset: { index: String(i) },
            attrs: { role: "option", id: `${this.list.id}-${i}`, "aria-selected": String(i === this.active) },
          },
          el("span", { className: "lt-RunsTable-suggestionKind" }, item.kind),
          el("span", { className: "lt-RunsTable-suggestionLabel" }, item.label),
        ),
      ),
    );
    if (this.active >= 0) {
      this.input.setAttribute("aria-activedescendant", `${this.list.id}-${this.active}`);
      this.list.children[this.active]?.scrollIntoView({ block: "nearest" });
    } else this.input.removeAttribute("aria-activedescendant");
  }
}
