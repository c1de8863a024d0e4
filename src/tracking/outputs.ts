// What a magic writes into its cell: plain text and error outputs only, so nothing that came from the
// user or the tracking server is ever rendered as HTML.
import type { Output } from "./types.js";

/** Where outputs go: a cell (JupyterLab's cell model, or `labtrack run`'s). */
export interface OutputSink {
  readonly outputs: { add(output: Output): unknown };
}

export function writeText(model: OutputSink, text: string, stream: "stdout" | "stderr" = "stdout"): void {
  model.outputs.add({ output_type: "stream", name: stream, text: text.endsWith("\n") ? text : `${text}\n` });
}

/**
 * An error output. Its first traceback line (what JupyterLab shows) is wrapped at word boundaries:
 * outputs break lines anywhere (`word-break: break-all`), which would cut words in two.
 */
export function writeError(
  model: OutputSink,
  name: string,
  message: string,
  details: readonly string[] = [],
): void {
  const [first = "", ...rest] = wrapWords(`${name}: ${message}`, WRAP_AT);
  model.outputs.add({
    output_type: "error",
    ename: name,
    evalue: message,
    traceback: [`\u001b[0;31m${name}\u001b[0m${first.slice(name.length)}`, ...rest, ...details],
  });
}

/** Columns of a message line: a notebook's output area fits this many at JupyterLab's default size. */
export const WRAP_AT = 80;

/** Lines of at most `width` characters, broken at spaces (a longer word gets a line of its own). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

export function writeBundle(
  model: OutputSink,
  data: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): void {
  model.outputs.add({ output_type: "display_data", data, metadata });
}

/** A fixed-width table for text/plain: the columns padded to their widest cell (capped). */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidth = 40,
): string {
  const clip = (s: string) => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  const all = [header, ...rows].map((r) => r.map(clip));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(all[0] ?? []), widths.map((w) => "─".repeat(w)).join("  "), ...all.slice(1).map(line)].join(
    "\n",
  );
}
