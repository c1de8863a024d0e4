// Read-only code with JupyterLab's editor look: CodeMirror 6 with JupyterLab's editor theme and
// highlight style (the --jp-mirror-editor-* colours of the current theme) and the language JupyterLab
// knows for a file extension. A run's cell source (run details) and the diff of two (Compare). The text
// is the editor's document: nothing of it is parsed as HTML.
import { EditorState, type Extension, RangeSetBuilder } from "@codemirror/state";
import { Decoration, EditorView, GutterMarker, gutter, lineNumbers, WidgetType } from "@codemirror/view";
import { type IEditorLanguageRegistry, jupyterTheme } from "@jupyterlab/codemirror";
import type { DiffLine, DiffRow } from "./compare/line-diff.js";

/** CodeMirror's support of the language of a file extension ("py", "ts"); null for plain text. */
export type LanguageLoader = (extension: string) => Promise<Extension | null>;

export function languageLoader(languages: IEditorLanguageRegistry | null): LanguageLoader {
  return async (extension) => {
    const found = extension && languages ? languages.findByExtension(extension) : null;
    if (!languages || !found) return null;
    try {
      return (await languages.getLanguage(found))?.support ?? null;
    } catch {
      // A language whose support does not load: the code is still readable as plain text.
      return null;
    }
  };
}

/** Read-only, yet focusable (Tab reaches it, arrows scroll it, the text can be selected and copied). */
const readOnly = (label: string): Extension => [
  EditorState.readOnly.of(true),
  EditorView.editable.of(false),
  EditorView.contentAttributes.of({ tabindex: "0", "aria-label": label, "aria-readonly": "true" }),
];

/** A read-only editor of `text` in `parent`, with line numbers, long lines wrapped (it sits in half
 * of the details' width); `label` names it for screen readers. */
export function codeView(
  parent: HTMLElement,
  text: string,
  language: Extension | null,
  label: string,
): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [jupyterTheme, readOnly(label), lineNumbers(), EditorView.lineWrapping, language ?? []],
    }),
  });
}

class TextMarker extends GutterMarker {
  constructor(
    readonly text: string,
    override readonly elementClass = "",
  ) {
    super();
  }
  override eq(other: GutterMarker): boolean {
    return (
      other instanceof TextMarker && other.text === this.text && other.elementClass === this.elementClass
    );
  }
  override toDOM(): Node {
    return document.createTextNode(this.text);
  }
}

class SkippedWidget extends WidgetType {
  constructor(readonly label: string) {
    super();
  }
  override eq(other: SkippedWidget): boolean {
    return other.label === this.label;
  }
  override toDOM(): HTMLElement {
    const node = document.createElement("div");
    node.className = "lt-Diff-skipped";
    node.textContent = this.label;
    return node;
  }
}

const SIGN: Record<DiffLine["op"], string> = { same: " ", removed: "−", added: "+" };

/**
 * A unified diff of two texts as one read-only editor: the lines of `rows` (old and new line numbers
 * and a +/− sign in the gutters, added and removed lines tinted), skipped stretches as a line of text
 * between them (`skippedLabel`).
 */
export function diffView(
  parent: HTMLElement,
  rows: readonly DiffRow[],
  language: Extension | null,
  skippedLabel: (count: number) => string,
  label: string,
): EditorView {
  const lines = rows.filter((r): r is DiffLine => r.op !== "skipped");
  const doc = lines.map((l) => l.text).join("\n");
  const state0 = EditorState.create({ doc });
  const lineMarks = new RangeSetBuilder<Decoration>();
  const widgets = new RangeSetBuilder<Decoration>();
  let index = 0;
  for (const row of rows) {
    if (row.op === "skipped") {
      const atEnd = index >= lines.length;
      const pos = atEnd ? state0.doc.length : state0.doc.line(index + 1).from;
      widgets.add(
        pos,
        pos,
        Decoration.widget({
          widget: new SkippedWidget(skippedLabel(row.count)),
          block: true,
          side: atEnd ? 1 : -1,
        }),
      );
      continue;
    }
    const from = state0.doc.line(index + 1).from;
    if (row.op !== "same")
      lineMarks.add(
        from,
        from,
        Decoration.line({ class: `lt-Diff-line lt-mod-${row.op}`, attributes: { "data-op": row.op } }),
      );
    index++;
  }
  const rowAt = (view: EditorView, pos: number): DiffLine | undefined =>
    lines[view.state.doc.lineAt(pos).number - 1];
  const widest = (key: "oldNo" | "newNo") =>
    String(lines.reduce((max, l) => Math.max(max, l[key] ?? 0), 0)).replace(/./g, "9");
  const numbers = (key: "oldNo" | "newNo") =>
    gutter({
      class: `lt-Diff-gutter lt-Diff-${key}`,
      lineMarker: (view, block) => {
        const n = rowAt(view, block.from)?.[key];
        return n === undefined ? null : new TextMarker(String(n));
      },
      initialSpacer: () => new TextMarker(widest(key)),
    });
  const signs = gutter({
    class: "lt-Diff-gutter lt-Diff-sign",
    lineMarker: (view, block) => {
      const row = rowAt(view, block.from);
      return row ? new TextMarker(SIGN[row.op], `lt-mod-${row.op}`) : null;
    },
    initialSpacer: () => new TextMarker("+"),
  });
  return new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        jupyterTheme,
        readOnly(label),
        numbers("oldNo"),
        numbers("newNo"),
        signs,
        EditorView.decorations.of(lineMarks.finish()),
        EditorView.decorations.of(widgets.finish()),
        language ?? [],
      ],
    }),
  });
}
