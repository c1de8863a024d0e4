// The Logged models section: MLflow 3 keeps a model outside the run's artifact tree, with its own id,
// status, params, metrics (possibly per dataset), registrations and files. One card per model; its
// files are listed when the card's Files part is opened.
import { fromWireDouble } from "../../client/rest.js";
import type { WireLoggedModel, WireModelMetric } from "../../client/wire.js";
import { el } from "../dom.js";
import { formatMetric, formatTime } from "../format.js";
import { __ } from "../i18n.js";
import type { Listing } from "../run-outputs.js";
import { MAX_MODELS } from "../run-outputs.js";
import { keyValueRow } from "../table.js";
import { formatBytes } from "./kinds.js";
import type { RunDetailsModel } from "./model.js";
import { problemNode } from "./preview.js";

const STATUS_TEXT: Record<string, string> = {
  LOGGED_MODEL_READY: __("ready"),
  LOGGED_MODEL_PENDING: __("uploading"),
  LOGGED_MODEL_UPLOAD_FAILED: __("upload failed"),
};

export class LoggedModelsSection {
  readonly node = el("div", { className: "lt-RunDetails-models" });
  private shown = "";

  constructor(private readonly model: RunDetailsModel) {}

  /** Renders when the listing changed; an open Files part stays open across a running run's refreshes. */
  update(): void {
    const listing = this.model.loggedModels;
    const signature = JSON.stringify(listing);
    if (signature === this.shown) return;
    this.shown = signature;
    this.node.replaceChildren(...this.render(listing));
  }

  /** Whether the section has something to show: an MLflow 2 server has no logged models at all. */
  get relevant(): boolean {
    const listing = this.model.loggedModels;
    return listing !== null && listing.kind !== "unsupported";
  }

  private render(listing: Listing<WireLoggedModel> | null): Node[] {
    if (listing === null)
      return [el("p", { className: "lt-RunDetails-muted" }, __("Reading logged models…"))];
    if (listing.kind === "unsupported")
      return [
        el(
          "p",
          { className: "lt-RunDetails-muted" },
          __("This tracking server does not keep MLflow 3 logged models."),
        ),
      ];
    if (listing.kind === "error")
      return [problemNode(__("Cannot read the run's logged models:"), listing.problem.detail)];
    if (listing.items.length === 0)
      return [el("p", { className: "lt-RunDetails-muted" }, __("No logged models."))];
    const cards = listing.items.map((m) => this.card(m));
    if (listing.more)
      cards.push(
        el("p", { className: "lt-RunDetails-muted" }, __("Showing the first %1 models.", MAX_MODELS)),
      );
    return cards;
  }

  private card(m: WireLoggedModel): HTMLElement {
    const info = m.info;
    const status = info.status ?? "LOGGED_MODEL_STATUS_UNSPECIFIED";
    const params = m.data?.params ?? [];
    const metrics = m.data?.metrics ?? [];
    const registrations = info.registrations ?? [];
    const head = el(
      "div",
      { className: "lt-RunDetails-modelHead" },
      el("strong", { className: "lt-RunDetails-modelName" }, info.name || info.model_id),
      el(
        "span",
        { className: "lt-RunDetails-modelStatus", dataset: { status } },
        STATUS_TEXT[status] ?? status.toLowerCase(),
      ),
      info.model_type ? el("span", { className: "lt-RunDetails-muted" }, info.model_type) : null,
      el("span", { className: "lt-RunDetails-muted" }, formatTime(info.creation_timestamp_ms)),
    );
    const facts = el(
      "dl",
      { className: "lt-RunDetails-modelFacts" },
      el("dt", {}, __("Model id")),
      el("dd", { className: "lt-RunDetails-value" }, info.model_id),
      registrations.length > 0 ? el("dt", {}, __("Registered as")) : null,
      registrations.length > 0
        ? el("dd", {}, registrations.map((r) => __("%1 version %2", r.name, r.version)).join(", "))
        : null,
      info.status_message ? el("dt", {}, __("Status")) : null,
      info.status_message ? el("dd", {}, info.status_message) : null,
    );
    return el(
      "article",
      { className: "lt-RunDetails-model", dataset: { modelId: info.model_id } },
      head,
      facts,
      params.length > 0
        ? keyValues(
            __("Params"),
            params.map((p) => [p.key, p.value]),
          )
        : null,
      metrics.length > 0 ? metricsTable(metrics) : null,
      this.files(info.model_id),
    );
  }

  /** The model's files, listed on first open (one level at a time, as the run's artifacts are). */
  private files(modelId: string): HTMLElement {
    const body = el("ul", { className: "lt-RunDetails-modelFiles" });
    const details = el("details", {}, el("summary", {}, __("Files")), body);
    const load = async (path: string, into: HTMLElement) => {
      into.replaceChildren(el("li", { className: "lt-RunDetails-muted" }, __("Loading…")));
      const result = await this.model.outputs.modelFiles(modelId, path);
      if (!result.ok) {
        into.replaceChildren(el("li", {}, problemNode(__("Cannot list the files:"), result.problem.detail)));
        return;
      }
      if (result.value.length === 0) {
        into.replaceChildren(el("li", { className: "lt-RunDetails-muted" }, __("No files.")));
        return;
      }
      into.replaceChildren(
        ...result.value.map((file) => {
          const name = file.path.split("/").pop() ?? file.path;
          if (!file.is_dir)
            return el(
              "li",
              {},
              el("span", { className: "lt-RunDetails-value" }, name),
              " ",
              el("span", { className: "lt-RunDetails-muted" }, formatBytes(file.file_size)),
            );
          const children = el("ul", { className: "lt-RunDetails-modelFiles" });
          const folder = el(
            "details",
            {},
            el("summary", { className: "lt-RunDetails-value" }, `${name}/`),
            children,
          );
          folder.addEventListener("toggle", () => {
            if (folder.open && children.childElementCount === 0) void load(file.path, children);
          });
          return el("li", {}, folder);
        }),
      );
    };
    details.addEventListener("toggle", () => {
      if (details.open && body.childElementCount === 0) void load("", body);
    });
    return details;
  }
}

function keyValues(caption: string, rows: [string, string][]): HTMLElement {
  return el(
    "table",
    { className: "lt-RunDetails-table lt-RunDetails-modelTable" },
    el("caption", {}, caption),
    el("tbody", {}, ...rows.map(([key, value]) => keyValueRow(key, value))),
  );
}

/** Metrics logged against the model; the dataset they were computed on when there is one. */
function metricsTable(metrics: WireModelMetric[]): HTMLElement {
  const sorted = [...metrics].sort(
    (a, b) => a.key.localeCompare(b.key) || (a.dataset_name ?? "").localeCompare(b.dataset_name ?? ""),
  );
  return keyValues(
    __("Metrics"),
    sorted.map((m) => [
      m.dataset_name ? `${m.key} (${m.dataset_name})` : m.key,
      `${formatMetric(fromWireDouble(m.value))}${m.step ? ` @ ${__("step %1", m.step)}` : ""}`,
    ]),
  );
}
