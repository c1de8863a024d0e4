// An executed notebook (nbformat 4, as `labtrack run` logs it) read into what run details previews:
// each cell's source and its outputs as text, images kept as base64 PNG/JPEG. Pure: no DOM, never
// throws — what is not a notebook is an error value the section shows.

export type PreviewOutput =
  | { kind: "text"; text: string; stream: "stdout" | "stderr" | "result" }
  | { kind: "error"; text: string }
  | { kind: "image"; mime: "image/png" | "image/jpeg"; base64: string }
  /** Rich output shown as its name only (HTML, widgets, Labtrack charts without a text summary). */
  | { kind: "other"; mime: string };

export interface PreviewCell {
  type: "code" | "markdown" | "raw";
  source: string;
  executionCount: number | null;
  outputs: PreviewOutput[];
}

export type NotebookPreview =
  | { ok: true; cells: PreviewCell[]; language: string }
  | { ok: false; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** nbformat's multiline strings: a string or a list of lines. */
const text = (v: unknown): string =>
  typeof v === "string" ? v : Array.isArray(v) ? v.filter((s) => typeof s === "string").join("") : "";

// ANSI colour codes in tracebacks are noise as plain text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is matched
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");

function readOutput(raw: unknown): PreviewOutput | null {
  if (!isRecord(raw)) return null;
  const type = raw.output_type;
  if (type === "stream")
    return { kind: "text", text: text(raw.text), stream: raw.name === "stderr" ? "stderr" : "stdout" };
  if (type === "error") {
    const traceback = Array.isArray(raw.traceback) ? raw.traceback.map(text).join("\n") : "";
    return { kind: "error", text: stripAnsi(traceback || `${text(raw.ename)}: ${text(raw.evalue)}`) };
  }
  if (type !== "execute_result" && type !== "display_data") return null;
  const data = isRecord(raw.data) ? raw.data : {};
  for (const mime of ["image/png", "image/jpeg"] as const) {
    const b64 = text(data[mime]).replace(/\s+/g, "");
    if (b64 && /^[A-Za-z0-9+/]+=*$/.test(b64)) return { kind: "image", mime, base64: b64 };
  }
  if (typeof data["text/plain"] === "string" || Array.isArray(data["text/plain"]))
    return { kind: "text", text: text(data["text/plain"]), stream: "result" };
  const mime = Object.keys(data)[0];
  return mime ? { kind: "other", mime } : null;
}

export function readNotebookPreview(json: unknown): NotebookPreview {
  if (!isRecord(json) || !Array.isArray(json.cells))
    return { ok: false, reason: "the file is not a Jupyter notebook (no list of cells)" };
  const metadata = isRecord(json.metadata) ? json.metadata : {};
  const info = isRecord(metadata.language_info) ? metadata.language_info : {};
  const spec = isRecord(metadata.kernelspec) ? metadata.kernelspec : {};
  const language = text(info.name) || text(spec.language) || "";
  const cells = json.cells.filter(isRecord).map((c): PreviewCell => {
    const type = c.cell_type === "markdown" || c.cell_type === "raw" ? c.cell_type : "code";
    return {
      type,
      source: text(c.source),
      executionCount: typeof c.execution_count === "number" ? c.execution_count : null,
      outputs: (Array.isArray(c.outputs) ? c.outputs : [])
        .map(readOutput)
        .filter((o): o is PreviewOutput => o !== null),
    };
  });
  return { ok: true, cells, language };
}
