// The head of the details: name, status, the error of a failed or killed cell (with its traceback),
// times, who and where from (notebook cell, git commit), the run id to copy and the parent run to open.
import { TRACEBACK_PATH } from "../cell-source.js";
import { el } from "../dom.js";
import { formatDuration } from "../format.js";
import { __ } from "../i18n.js";
import { type RunDetailsModel, type RunFailure, TAG } from "./model.js";

export interface HeaderActions {
  openRun(runId: string): void;
  /** Going to the cell, when its notebook is open; null otherwise. */
  cellOpener(notebookPath: string, cellId: string): (() => void) | null;
  copy(text: string): void;
}

const fullTime = (ms: number | undefined): string =>
  ms === undefined
    ? ""
    : new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });

export class DetailsHeader {
  readonly node = el("header", { className: "lt-RunDetails-header" });
  private duration: HTMLElement | null = null;
  private signature = "";
  private errorMessage: HTMLElement | null = null;
  private errorToggle: HTMLButtonElement | null = null;

  constructor(
    private readonly model: RunDetailsModel,
    private readonly actions: HeaderActions,
    /** Shows one of the run's artifacts (the traceback) in the artifacts section. */
    private readonly revealArtifact: (path: string) => void,
  ) {}

  /** Renders when something shown changed: a running run's refreshes must not take focus away. */
  render(): void {
    const m = this.model;
    const info = m.run?.info;
    const notebook = m.tag(TAG.notebook) ?? m.tag(TAG.sourceName);
    const cellId = m.tag(TAG.cellId);
    const signature = JSON.stringify([
      m.name,
      info?.status,
      info?.start_time,
      info?.end_time,
      m.user,
      notebook,
      cellId,
      m.tag(TAG.gitCommit),
      m.tag(TAG.parentRunId),
      m.failure,
      m.traceback,
      Boolean(notebook && cellId && this.actions.cellOpener(notebook, cellId)),
    ]);
    if (signature === this.signature) return;
    this.signature = signature;
    const status = m.status ?? "UNKNOWN";
    const title = el(
      "div",
      { className: "lt-RunDetails-titleRow" },
      el("h1", { className: "lt-RunDetails-name", title: m.name }, m.name),
      info
        ? el(
            "span",
            {
              className: `lt-RunDetails-status lt-mod-${status.toLowerCase()}`,
              attrs: { "aria-label": `Status: ${status}` },
            },
            status,
          )
        : null,
    );
    this.duration = el("dd", { className: "lt-RunDetails-duration" }, formatDuration(m.durationMs()));
    const facts = el("dl", { className: "lt-RunDetails-facts" });
    const fact = (label: string, ...value: (Node | string | null)[]) => {
      if (value.every((v) => v === null || v === "")) return;
      facts.append(el("dt", {}, label), el("dd", {}, ...value));
    };
    if (info) {
      fact(__("Started"), fullTime(info.start_time));
      facts.append(el("dt", {}, m.running ? __("Running for") : __("Duration")), this.duration);
      fact(__("User"), m.user);
      this.source(fact);
      const commit = m.tag(TAG.gitCommit);
      if (commit) fact(__("Git commit"), el("code", { title: commit }, commit.slice(0, 12)));
    }
    const copy = el(
      "button",
      { className: "lt-RunDetails-linkButton", title: __("Copy the run id"), attrs: { type: "button" } },
      __("Copy"),
    );
    copy.addEventListener("click", () => {
      this.actions.copy(m.runId);
      copy.textContent = __("Copied");
      setTimeout(() => {
        copy.textContent = __("Copy");
      }, 1500);
    });
    fact(__("Run id"), el("code", { className: "lt-RunDetails-runId" }, m.runId), " ", copy);
    const parent = m.tag(TAG.parentRunId);
    if (parent) {
      const link = el(
        "button",
        {
          className: "lt-RunDetails-linkButton",
          title: __("Open the parent run"),
          attrs: { type: "button" },
        },
        parent,
      );
      link.addEventListener("click", () => this.actions.openRun(parent));
      fact(__("Parent run"), link);
    }
    const failure = m.failure;
    this.node.replaceChildren(title, ...(failure ? [this.failureNode(failure, m.traceback)] : []), facts);
    if (failure) requestAnimationFrame(() => this.measure());
  }

  /** The error in the error colour (a kill without an exception in the warning colour), its message
   * clamped to a few lines with a button to see all of it, and the traceback when the run kept it. */
  private failureNode(failure: RunFailure, traceback: boolean): HTMLElement {
    const killedOnly = !failure.name && !failure.message;
    const message = [failure.message, failure.killedReason].filter((t) => t).join("\n");
    const label = failure.name || (killedOnly ? __("Killed") : __("Error"));
    this.errorMessage = el(
      "div",
      { className: "lt-RunDetails-errorMessage", title: message, dataset: { clamped: "true" } },
      message,
    );
    const toggle = el(
      "button",
      {
        className: "lt-RunDetails-linkButton lt-RunDetails-errorToggle",
        attrs: { type: "button", "aria-expanded": "false" },
      },
      __("Show all"),
    );
    toggle.hidden = true;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? __("Show less") : __("Show all");
      if (this.errorMessage) this.errorMessage.dataset.clamped = String(!open);
    });
    this.errorToggle = toggle;
    let show: HTMLButtonElement | null = null;
    if (traceback) {
      show = el(
        "button",
        {
          className: "jp-Button jp-mod-styled lt-RunDetails-showTraceback",
          attrs: { type: "button" },
          title: __("Show %1 in the artifacts", TRACEBACK_PATH),
        },
        __("Show traceback"),
      );
      show.addEventListener("click", () => this.revealArtifact(TRACEBACK_PATH));
    }
    return el(
      "div",
      {
        className: `lt-RunDetails-error${killedOnly ? " lt-mod-killed" : ""}`,
        attrs: { role: "group", "aria-label": killedOnly ? __("Why the run was killed") : __("Error") },
      },
      el("div", { className: "lt-RunDetails-errorName" }, label),
      this.errorMessage,
      el("div", { className: "lt-RunDetails-errorActions" }, toggle, show),
    );
  }

  /** Offers "Show all" only when the clamped message is cut (measured: it depends on the width). */
  measure(): void {
    const message = this.errorMessage;
    const toggle = this.errorToggle;
    if (!message?.isConnected || !toggle) return;
    if (toggle.getAttribute("aria-expanded") === "true") return;
    toggle.hidden = message.scrollHeight <= message.clientHeight + 1;
  }

  private source(fact: (label: string, ...value: (Node | string | null)[]) => void): void {
    const m = this.model;
    const notebook = m.tag(TAG.notebook) ?? m.tag(TAG.sourceName);
    if (!notebook) return;
    const cellId = m.tag(TAG.cellId);
    const open = cellId ? this.actions.cellOpener(notebook, cellId) : null;
    let go: HTMLButtonElement | null = null;
    if (open) {
      go = el(
        "button",
        {
          className: "jp-Button jp-mod-styled lt-RunDetails-goToCell",
          attrs: { type: "button" },
          title: __("Show this run's cell in its notebook"),
        },
        __("Go to cell"),
      );
      go.addEventListener("click", open);
    }
    fact(
      __("Source"),
      el("span", { className: "lt-RunDetails-source", title: notebook }, notebook),
      cellId ? el("span", { className: "lt-RunDetails-muted" }, ` ${__("cell %1", cellId)}`) : null,
      go ? " " : null,
      go,
    );
  }

  /** Advances the live duration of a running run. */
  tick(): void {
    if (this.duration && this.model.running)
      this.duration.textContent = formatDuration(this.model.durationMs());
  }
}
