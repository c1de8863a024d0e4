// The run details widget: header, then params, metrics, the cell's source, tags, note, artifacts, and
// MLflow 3's logged models and traces, each a section of its own. It re-renders from the model on every
// change; sections skip work when their data did not change and leave an edit in progress alone.
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { type LanguageLoader, languageLoader } from "../code-view.js";
import { el } from "../dom.js";
import { __ } from "../i18n.js";
import { ArtifactsBrowser } from "./artifacts.js";
import { DetailsHeader, type HeaderActions } from "./header.js";
import { LoggedModelsSection } from "./logged-models.js";
import { MetricsSection } from "./metrics.js";
import type { RunDetailsModel } from "./model.js";
import { type MarkdownRenderer, NoteSection } from "./note.js";
import { type NotebookOpener, NotebookSection } from "./notebook.js";
import { KeyValueTable } from "./params.js";
import { SourceSection } from "./source.js";
import { TagsSection } from "./tags.js";
import { TracesSection } from "./traces.js";

export interface RunDetailsActions extends HeaderActions {
  renderMarkdown: MarkdownRenderer | null;
  /** The language support of a cell source's extension (JupyterLab's languages); plain text without. */
  loadLanguage?: LanguageLoader;
  /** Opens a headless execution's notebook in the Lab (a copy among the user's files). */
  openNotebook?: NotebookOpener;
}

export class RunDetailsWidget extends Widget {
  private readonly problem = el("div", { className: "lt-RunDetails-problem", attrs: { role: "alert" } });
  private readonly header: DetailsHeader;
  private readonly params = new KeyValueTable(__("params"), "lt-RunDetails-params");
  private readonly metrics: MetricsSection;
  private readonly source: SourceSection;
  private readonly tags: TagsSection;
  private readonly note: NoteSection;
  private readonly artifacts: ArtifactsBrowser;
  private readonly notebook: NotebookSection;
  private readonly notebookSection: HTMLElement;
  private readonly loggedModels: LoggedModelsSection;
  private readonly traces: TracesSection;
  /** The MLflow 3 sections, hidden against a server that has neither logged models nor traces. */
  private readonly loggedModelsSection: HTMLElement;
  private readonly tracesSection: HTMLElement;
  private readonly sections = el("div", { className: "lt-RunDetails-sections" });
  private ticker: ReturnType<typeof setInterval> | null = null;
  /** A logged model to scroll to once the run's models are listed. */
  private pendingModel: string | null = null;
  private started = false;
  private readonly themeWatch = new MutationObserver(() => {
    this.metrics.redraw();
    this.artifacts.retheme();
  });

  constructor(
    readonly model: RunDetailsModel,
    actions: RunDetailsActions,
  ) {
    super();
    this.addClass("lt-RunDetails");
    this.id = `labtrack-run-${model.runId}`;
    this.artifacts = new ArtifactsBrowser(model);
    this.header = new DetailsHeader(model, actions, (path) => void this.artifacts.reveal(path));
    this.metrics = new MetricsSection(model);
    this.source = new SourceSection(model, actions.loadLanguage ?? languageLoader(null), actions.copy);
    this.tags = new TagsSection(model);
    this.note = new NoteSection(model, actions.renderMarkdown);
    this.notebook = new NotebookSection(model, actions.openNotebook ?? null);
    this.notebookSection = section(__("Executed notebook"), "notebook", this.notebook.node);
    this.loggedModels = new LoggedModelsSection(model);
    this.traces = new TracesSection(model);
    this.loggedModelsSection = section(__("Logged models"), "logged-models", this.loggedModels.node);
    this.tracesSection = section(__("Traces"), "traces", this.traces.node);
    const refresh = el(
      "button",
      { className: "jp-Button jp-mod-styled lt-RunDetails-refresh", attrs: { type: "button" } },
      __("Refresh"),
    );
    refresh.addEventListener("click", () => {
      void this.model.refresh();
      void this.artifacts.load(true);
    });
    this.sections.append(
      section(__("Params"), "params", this.params.node),
      section(__("Metrics"), "metrics", this.metrics.node),
      this.notebookSection,
      section(__("Source"), "source", this.source.node),
      section(__("Tags"), "tags", this.tags.node),
      section(__("Note"), "note", this.note.node),
      section(__("Artifacts"), "artifacts", this.artifacts.node),
      this.loggedModelsSection,
      this.tracesSection,
    );
    this.node.append(
      el("div", { className: "lt-RunDetails-top" }, this.header.node, refresh),
      this.problem,
      this.sections,
    );
    this.node.tabIndex = -1;
    model.changed.connect(this.render, this);
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
    this.render();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (!this.started) {
      this.started = true;
      void this.model.start();
    }
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.header.measure();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.header.measure();
  }

  protected override onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (!this.node.contains(document.activeElement)) this.node.focus();
  }

  /** Renders the header again: whether the run's notebook is open may have changed. */
  renderHeader(): void {
    this.header.render();
  }

  private render(): void {
    const m = this.model;
    this.header.render();
    this.title.label = __("Run: %1", m.name);
    this.title.caption = __("Run %1 (id %2)", m.name, m.runId);
    this.renderProblem();
    this.sections.hidden = m.run === null;
    if (m.run) {
      this.params.update(m.params);
      this.metrics.update();
      this.source.update();
      this.tags.update();
      this.note.update();
      this.notebook.update();
      this.notebookSection.hidden = !this.notebook.relevant;
      // A headless execution's parent has its whole notebook above: "no cell source" would be noise.
      const sourceSection = this.source.node.parentElement;
      if (sourceSection) sourceSection.hidden = this.notebook.relevant && m.cellSource?.kind === "none";
      this.loggedModels.update();
      this.traces.update();
      this.loggedModelsSection.hidden = !this.loggedModels.relevant;
      this.tracesSection.hidden = !this.traces.relevant;
      this.showPendingModel();
      void this.artifacts.load();
    }
    this.node.dataset.state = m.state;
    this.node.dataset.status = m.status ?? "";
    if (m.running && this.ticker === null) this.ticker = setInterval(() => this.header.tick(), 1000);
    if (!m.running && this.ticker !== null) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  /** Scrolls to one of the run's logged models and marks it (the Models view's "logged model" link). */
  revealLoggedModel(modelId: string): void {
    this.pendingModel = modelId;
    this.showPendingModel();
  }

  private showPendingModel(): void {
    if (this.pendingModel === null || this.model.loggedModels === null) return;
    const id = this.pendingModel;
    this.pendingModel = null;
    const card = [...this.node.querySelectorAll<HTMLElement>(".lt-RunDetails-model")].find(
      (c) => c.dataset.modelId === id,
    );
    if (!card) return;
    for (const other of this.node.querySelectorAll(".lt-mod-revealed"))
      other.classList.remove("lt-mod-revealed");
    card.classList.add("lt-mod-revealed");
    card.scrollIntoView({ block: "start" });
  }

  private renderProblem(): void {
    const m = this.model;
    const error = m.error;
    this.problem.hidden = error === null && m.state !== "loading";
    if (m.state === "loading" && !error) {
      this.problem.className = "lt-RunDetails-loading";
      this.problem.replaceChildren(__("Loading the run…"));
      return;
    }
    this.problem.className = "lt-RunDetails-problem";
    if (!error) {
      this.problem.replaceChildren();
      return;
    }
    const retry = el(
      "button",
      { className: "jp-Button jp-mod-styled", attrs: { type: "button" } },
      __("Retry"),
    );
    retry.addEventListener("click", () => void m.reload());
    this.problem.replaceChildren(
      el("strong", {}, m.gone ? __("Run %1.", error.summary) : __("Cannot load the run: %1.", error.summary)),
      el("span", {}, ` ${error.detail} `),
      retry,
    );
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.themeWatch.disconnect();
    this.metrics.dispose();
    this.source.dispose();
    this.artifacts.dispose();
    this.model.dispose();
    super.dispose();
  }
}

function section(title: string, name: string, content: HTMLElement): HTMLElement {
  const id = `lt-RunDetails-${name}-${Math.random().toString(36).slice(2, 8)}`;
  return el(
    "section",
    { className: "lt-RunDetails-section", dataset: { section: name }, attrs: { "aria-labelledby": id } },
    el("h2", { attrs: { id } }, title),
    content,
  );
}
