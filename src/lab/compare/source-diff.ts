// Compare's "Cell source" section: how the cells that made the runs differ, as a unified line diff of
// one run's `cell/source.*` against a baseline's (the first run unless chosen otherwise; with three or
// more runs, selects choose both). Highlighted in JupyterLab's editor look; runs without a source say so.
import type { EditorView } from "@codemirror/view";
import { sourceExtension } from "../cell-source.js";
import { diffView, type LanguageLoader } from "../code-view.js";
import { el } from "../dom.js";
import { __, _n } from "../i18n.js";
import { collapse, diffStats, lineDiff, splitLines } from "./line-diff.js";
import type { CompareModel } from "./model.js";

export class SourceDiffSection {
  readonly node = el("div", { className: "lt-Compare-sourceBody" });
  private readonly base = el("select", { className: "lt-Compare-select lt-Compare-sourceBase" });
  private readonly other = el("select", { className: "lt-Compare-select lt-Compare-sourceOther" });
  private readonly whole = el("input", { attrs: { type: "checkbox" } });
  private readonly baseLabel = el("label", {}, `${__("Baseline")} `, this.base);
  private readonly otherLabel = el("label", {}, `${__("Compared with")} `, this.other);
  readonly controls = el(
    "div",
    { className: "lt-Compare-controls lt-Compare-sourceControls" },
    this.baseLabel,
    this.otherLabel,
    el("label", {}, this.whole, ` ${__("Whole cell")}`),
  );
  private readonly summary = el("p", { className: "lt-Compare-note lt-Compare-sourceSummary" });
  private readonly host = el("div", { className: "lt-Code lt-Compare-diff" });
  private editor: EditorView | null = null;
  private shown = "";
  private optionsFor: unknown = null;
  private generation = 0;

  constructor(
    private readonly model: CompareModel,
    private readonly loadLanguage: LanguageLoader,
  ) {
    this.node.append(this.summary, this.host);
    this.base.addEventListener("change", () => {
      const other =
        this.other.value === this.base.value ? this.firstOtherThan(this.base.value) : this.other.value;
      void this.model.setSourcePair(this.base.value, other);
    });
    this.other.addEventListener(
      "change",
      () => void this.model.setSourcePair(this.base.value, this.other.value),
    );
    this.whole.addEventListener("change", () => this.render());
  }

  private firstOtherThan(runId: string): string {
    return this.model.runs.find((r) => r.runId !== runId)?.runId ?? runId;
  }

  /** A run's name in the selects and the summary; its id's head when another run has the same name. */
  private label(runId: string): string {
    const runs = this.model.runs;
    const run = runs.find((r) => r.runId === runId);
    if (!run) return runId;
    const twins = runs.filter((r) => r.runName === run.runName).length;
    return twins > 1 ? `${run.runName} (${runId.slice(0, 6)})` : run.runName;
  }

  render(): void {
    const m = this.model;
    const pair = m.sourcePair;
    this.syncOptions();
    if (!pair) {
      this.show("none", __("Choose two runs to see how their cells differ."));
      return;
    }
    const a = m.sources.get(pair.base);
    const b = m.sources.get(pair.other);
    const signature = JSON.stringify([pair, this.whole.checked, a, b]);
    if (signature === this.shown) return;
    this.shown = signature;
    if (a === undefined || b === undefined || a === "loading" || b === "loading") {
      this.setSummary(__("Reading the cells' sources…"));
      this.clearEditor();
      return;
    }
    const missing = [
      a.kind === "none" ? pair.base : null,
      b.kind === "none" && pair.other !== pair.base ? pair.other : null,
    ].filter((id): id is string => id !== null);
    if (missing.length) {
      this.setSummary(
        _n(
          "No cell source for %2: it was not made by a tracked cell, so there is nothing to diff.",
          "No cell source for %2: they were not made by tracked cells, so there is nothing to diff.",
          missing.length,
          missing.map((id) => this.label(id)).join(__(" and ")),
        ),
      );
      this.clearEditor();
      return;
    }
    const problem = a.kind === "error" ? a.problem : b.kind === "error" ? b.problem : null;
    if (problem || a.kind !== "found" || b.kind !== "found") {
      this.setSummary(__("Cannot read the cells' sources: %1", problem?.detail ?? ""), true);
      this.clearEditor();
      return;
    }
    const lines = lineDiff(splitLines(a.text), splitLines(b.text));
    const stats = diffStats(lines);
    if (stats.added === 0 && stats.removed === 0) {
      this.setSummary(
        __("The cells of %1 and %2 have the same source.", this.label(pair.base), this.label(pair.other)),
      );
      this.clearEditor();
      return;
    }
    this.summary.replaceChildren(
      el("span", { className: "lt-Compare-diffStat lt-mod-removed" }, `−${stats.removed}`),
      " ",
      el("span", { className: "lt-Compare-diffStat lt-mod-added" }, `+${stats.added}`),
      " ",
      __("lines from %1 (−) to %2 (+).", this.label(pair.base), this.label(pair.other)),
    );
    this.summary.classList.remove("lt-mod-problem");
    const rows = this.whole.checked ? lines : collapse(lines);
    const generation = ++this.generation;
    void this.loadLanguage(sourceExtension(a.path)).then((language) => {
      if (generation !== this.generation) return;
      this.clearEditor();
      this.editor = diffView(
        this.host,
        rows,
        language,
        (n) => _n("⋯ %1 unchanged line", "⋯ %1 unchanged lines", n),
        __("Changes from the cell of %1 to the cell of %2", this.label(pair.base), this.label(pair.other)),
      );
    });
  }

  private show(key: string, text: string): void {
    if (this.shown === key) return;
    this.shown = key;
    this.setSummary(text);
    this.clearEditor();
  }

  private setSummary(text: string, problem = false): void {
    this.summary.replaceChildren(text);
    this.summary.classList.toggle("lt-mod-problem", problem);
  }

  /** The selects list the runs (built once per set of runs) and show the chosen pair. */
  private syncOptions(): void {
    const m = this.model;
    const pair = m.sourcePair;
    // Two runs have one pair: the selects would only offer to swap them.
    this.baseLabel.hidden = m.runs.length < 3;
    this.otherLabel.hidden = m.runs.length < 3;
    if (this.optionsFor !== m.runs) {
      this.optionsFor = m.runs;
      this.base.replaceChildren(
        ...m.runs.map((r) => el("option", { attrs: { value: r.runId } }, this.label(r.runId))),
      );
    }
    if (!pair) return;
    this.base.value = pair.base;
    // The other select never offers the baseline itself.
    const others = m.runs.filter((r) => r.runId !== pair.base).map((r) => r.runId);
    if (this.other.dataset.for !== `${pair.base} ${others.join(" ")}`) {
      this.other.dataset.for = `${pair.base} ${others.join(" ")}`;
      this.other.replaceChildren(
        ...others.map((id) => el("option", { attrs: { value: id } }, this.label(id))),
      );
    }
    this.other.value = pair.other;
  }

  private clearEditor(): void {
    this.generation++;
    this.editor?.destroy();
    this.editor = null;
    this.host.replaceChildren();
  }

  dispose(): void {
    this.clearEditor();
  }
}
