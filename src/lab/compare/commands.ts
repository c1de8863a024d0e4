// The Compare view's command: opens a comparison of 2..N runs in the main area (one view per set of
// runs, whatever their order: the same set again shows the open view); without runs, asks for them.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import { InputDialog } from "@jupyterlab/apputils";
import type { LanguageLoader } from "../code-view.js";
import { CommandIds } from "../command-ids.js";
import { __ } from "../i18n.js";
import { labtrackIcon } from "../icon.js";
import type { MainAreaViews } from "../main-area.js";
import { runOpener } from "../open-run.js";
import type { ILabtrackConnection } from "../tokens.js";
import { CompareModel } from "./model.js";
import { runIdsOf } from "./run-ids.js";
import { CompareWidget } from "./widget.js";

async function askRunIds(): Promise<string[]> {
  const answer = await InputDialog.getText({
    title: __("Compare runs"),
    label: __("Run ids, separated by spaces or commas (two or more)"),
    placeholder: "3f2a… 9b1c…",
  });
  if (!answer.button.accept) return [];
  return runIdsOf({ runIds: (answer.value ?? "").split(/[\s,]+/) });
}

const runSetKey = (runIds: readonly string[]): string => [...new Set(runIds)].sort().join(" ");

/** Open views so far: each gets an id of its own (a set of runs can be longer than an id should be). */
let opened = 0;

export function registerCompareCommands(
  app: JupyterFrontEnd,
  connection: ILabtrackConnection,
  views: MainAreaViews<CompareWidget>,
  loadLanguage: LanguageLoader,
): void {
  const openRun = runOpener(app.commands);
  app.commands.addCommand(CommandIds.compareRuns, {
    label: (args) => {
      const n = runIdsOf(args).length;
      return n ? __("Labtrack: Compare %1 Runs", n) : __("Labtrack: Compare Runs…");
    },
    caption: __("Compare runs side by side: params, metrics, curves, parallel coordinates, scatter"),
    icon: labtrackIcon,
    describedBy: {
      args: {
        type: "object",
        properties: { runIds: { type: "array", items: { type: "string" }, minItems: 2 } },
        required: ["runIds"],
      },
    },
    execute: async (args) => {
      let runIds = runIdsOf(args);
      if (runIds.length === 0) runIds = await askRunIds();
      if (runIds.length === 0) return;
      // One view per set of runs, whatever their order: the same set again shows the open view.
      const key = runSetKey(runIds);
      const { view } = await views.open(
        (w) => runSetKey(w.content.model.runIds) === key,
        () => {
          const model = new CompareModel(connection, runIds);
          const content = new CompareWidget(model, openRun, loadLanguage);
          return {
            content,
            id: `labtrack-compare-${++opened}`,
            label: __("Compare %1 runs", runIds.length),
            caption: __("Comparison of runs %1", runIds.join(", ")),
            refresh: {
              tooltip: __("Read the runs and their histories again"),
              onClick: () => void model.load(),
            },
            onDispose: () => model.dispose(),
            setup: (view) =>
              model.changed.connect(() => {
                if (model.state !== "ready" || view.isDisposed) return;
                const names = model.runs.map((r) => r.runName);
                view.title.caption = __("Comparison of %1", names.join(", "));
              }),
          };
        },
      );
      return view;
    },
  });
}
