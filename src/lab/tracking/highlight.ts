// Marks %track / %%track lines in code editors, so a tracked cell is recognisable at a glance.
import { type Extension, RangeSetBuilder } from "@codemirror/state";
import {
  Decoration,
  type DecorationSet,
  type EditorView,
  ViewPlugin,
  type ViewUpdate,
} from "@codemirror/view";

const MAGIC_LINE = /^\s*%%?track(\s|$)/;
const lineMark = Decoration.line({ class: "lt-MagicLine" });

function decorate(view: EditorView): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  for (const { from, to } of view.visibleRanges) {
    for (let pos = from; pos <= to; ) {
      const line = view.state.doc.lineAt(pos);
      if (MAGIC_LINE.test(line.text)) builder.add(line.from, line.from, lineMark);
      pos = line.to + 1;
    }
  }
  return builder.finish();
}

export function magicLineHighlight(): Extension {
  return ViewPlugin.fromClass(
    class {
      decorations: DecorationSet;
      constructor(view: EditorView) {
        this.decorations = decorate(view);
      }
      update(update: ViewUpdate) {
        if (update.docChanged || update.viewportChanged) this.decorations = decorate(update.view);
      }
    },
    { decorations: (v) => v.decorations },
  );
}
