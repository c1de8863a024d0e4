// The preview of one artifact: images as blob URLs, text, JSON and YAML pretty-printed, CSV as a table,
// Vega-Lite specs drawn, HTML in an iframe sandboxed without scripts or same-origin. Every file gets a
// Download button; files over PREVIEW_MAX_BYTES get only that. Content is user data: it goes into the
// DOM as text, as a blob URL or as the srcdoc of the sandbox, never as markup of this page.
import { el } from "../dom.js";
import { tableHead } from "../table.js";
import { parseCsv, separatorFor } from "./csv.js";
import { saveBlob } from "./download.js";
import {
  baseName,
  CSV_MAX_ROWS,
  formatBytes,
  imageType,
  isVegaLiteSpec,
  looksLikeText,
  PREVIEW_MAX_BYTES,
  previewKind,
} from "./kinds.js";
import type { RunDetailsModel } from "./model.js";

const PREVIEW_POLICY =
  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'; font-src data:\">";

import { __ } from "../i18n.js";
import { type Drawn, drawVegaLite } from "./vega.js";

export class ArtifactPreview {
  readonly node = el("div", { className: "lt-RunDetails-preview", attrs: { "aria-live": "polite" } });
  private objectUrl: string | null = null;
  private drawn: Drawn | null = null;
  private shown: { path: string; size: number | undefined } | null = null;
  private generation = 0;

  constructor(private readonly model: RunDetailsModel) {
    this.showHint();
  }

  showHint(): void {
    this.clear();
    this.node.replaceChildren(el("p", { className: "lt-RunDetails-muted" }, "Select a file to preview it."));
  }

  /** Draws a shown chart again in the new theme. */
  retheme(): void {
    if (this.drawn && this.shown) void this.show(this.shown.path, this.shown.size);
  }

  async show(path: string, size: number | undefined): Promise<void> {
    const generation = ++this.generation;
    this.shown = { path, size };
    this.clear();
    const download = el(
      "button",
      { className: "jp-Button jp-mod-styled lt-RunDetails-download" },
      __("Download"),
    );
    const body = el("div", { className: "lt-RunDetails-previewBody" });
    const header = el(
      "div",
      { className: "lt-RunDetails-previewHeader" },
      el("span", { className: "lt-RunDetails-previewName", title: path }, path),
      el("span", { className: "lt-RunDetails-muted" }, formatBytes(size)),
      download,
    );
    this.node.replaceChildren(header, body);
    download.addEventListener("click", () => void this.download(path, download));
    if (size !== undefined && size > PREVIEW_MAX_BYTES) {
      body.append(
        el(
          "p",
          { className: "lt-RunDetails-muted" },
          __(
            "This file is %1: files over %2 are not previewed. Download it instead.",
            formatBytes(size),
            formatBytes(PREVIEW_MAX_BYTES),
          ),
        ),
      );
      return;
    }
    body.append(el("p", { className: "lt-RunDetails-muted" }, __("Loading…")));
    const got = await this.model.downloadArtifact(path);
    if (generation !== this.generation) return;
    if (!got.ok) {
      body.replaceChildren(problemNode(__("Cannot load %1", baseName(path)), got.problem.detail));
      return;
    }
    const blob = got.value;
    if (blob.size > PREVIEW_MAX_BYTES) {
      body.replaceChildren(
        el(
          "p",
          { className: "lt-RunDetails-muted" },
          __("This file is %1: too large to preview.", formatBytes(blob.size)),
        ),
      );
      return;
    }
    try {
      await this.render(path, blob, body, generation);
    } catch (e) {
      if (generation !== this.generation) return;
      body.replaceChildren(
        problemNode(__("Cannot preview %1", baseName(path)), e instanceof Error ? e.message : String(e)),
      );
    }
  }

  private async render(path: string, blob: Blob, body: HTMLElement, generation: number): Promise<void> {
    const kind = previewKind(path);
    if (kind === "image") {
      this.objectUrl = URL.createObjectURL(new Blob([blob], { type: imageType(path) }));
      const img = el("img", { className: "lt-RunDetails-image", attrs: { alt: baseName(path) } });
      img.src = this.objectUrl;
      body.replaceChildren(img);
      return;
    }
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (generation !== this.generation) return;
    if (kind === "other" && !looksLikeText(bytes)) {
      body.replaceChildren(
        el(
          "p",
          { className: "lt-RunDetails-muted" },
          __("No preview for this kind of file. Download it instead."),
        ),
      );
      return;
    }
    const text = new TextDecoder().decode(bytes);
    if (kind === "html") {
      // sandbox="" with no allow-* tokens: no scripts, no forms, an opaque origin (no access to the Lab).
      const frame = el("iframe", {
        className: "lt-RunDetails-frame",
        attrs: { sandbox: "", title: __("Preview of %1", baseName(path)), referrerpolicy: "no-referrer" },
      });
      // And nothing from the network: a policy ahead of the document keeps remote images, fonts and
      // styles (tracking pixels) out; inline styles and data: images still show.
      frame.srcdoc = `${PREVIEW_POLICY}${text}`;
      body.replaceChildren(frame);
      return;
    }
    if (kind === "json") {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        body.replaceChildren(
          el(
            "p",
            { className: "lt-RunDetails-muted" },
            __("Not valid JSON (%1); shown as text.", (e as Error).message),
          ),
          pre(text),
        );
        return;
      }
      if (isVegaLiteSpec(value)) {
        const holder = el("div", { className: "lt-RunDetails-chart lt-RunDetails-artifactChart" });
        body.replaceChildren(holder);
        const drawn = await drawVegaLite(value, holder);
        if (generation !== this.generation) drawn.finalize();
        else this.drawn = drawn;
        return;
      }
      body.replaceChildren(pre(JSON.stringify(value, null, 2)));
      return;
    }
    if (kind === "yaml") {
      const yaml = await import("yaml");
      let pretty = text;
      try {
        pretty = yaml.stringify(yaml.parse(text));
      } catch {
        // Not valid YAML: shown as it is.
      }
      if (generation === this.generation) body.replaceChildren(pre(pretty));
      return;
    }
    if (kind === "csv") {
      body.replaceChildren(csvTable(text, separatorFor(path)));
      return;
    }
    body.replaceChildren(pre(text));
  }

  private async download(path: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    const got = await this.model.downloadArtifact(path);
    button.disabled = false;
    if (got.ok) saveBlob(got.value, baseName(path));
    else this.node.append(problemNode(__("Cannot download %1", baseName(path)), got.problem.detail));
  }

  private clear(): void {
    this.drawn?.finalize();
    this.drawn = null;
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
  }

  dispose(): void {
    this.generation++;
    this.clear();
  }
}

function pre(text: string): HTMLPreElement {
  return el("pre", { className: "lt-RunDetails-text" }, text);
}

function csvTable(text: string, separator: string): HTMLElement {
  const { rows, truncated } = parseCsv(text, { maxRows: CSV_MAX_ROWS + 1, separator });
  const [head, ...rest] = rows;
  const shown = rest.slice(0, CSV_MAX_ROWS);
  const more = truncated || rest.length > CSV_MAX_ROWS;
  const table = el(
    "table",
    { className: "lt-RunDetails-table lt-RunDetails-csv" },
    tableHead(...(head ?? [])),
    el("tbody", {}, ...shown.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))),
  );
  return el(
    "div",
    { className: "lt-RunDetails-csvWrap" },
    table,
    more
      ? el(
          "p",
          { className: "lt-RunDetails-muted" },
          __("First %1 rows shown. Download the file for all of it.", CSV_MAX_ROWS),
        )
      : null,
  );
}

export function problemNode(summary: string, detail: string): HTMLElement {
  return el(
    "div",
    { className: "lt-RunDetails-problem", attrs: { role: "alert" } },
    el("strong", {}, summary),
    el("span", {}, ` ${detail}`),
  );
}
