// How views that show runs (compare, models, charts) open one: through the run details command, so
// they never import that view. A failure is logged, not thrown into a click handler.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import { CommandIds } from "./command-ids.js";

/** What to show once the run is open: one of its MLflow 3 logged models. */
export interface OpenRunOptions {
  loggedModelId?: string;
}

export type RunOpener = (runId: string, options?: OpenRunOptions) => void;

export function runOpener(commands: JupyterFrontEnd["commands"]): RunOpener {
  return (runId, options = {}) => {
    if (!commands.hasCommand(CommandIds.openRun)) {
      console.warn(`Labtrack: no ${CommandIds.openRun} command to open run ${runId}`);
      return;
    }
    commands.execute(CommandIds.openRun, { runId, ...options }).catch((e: unknown) => {
      console.warn(`Labtrack: run ${runId} could not be opened`, e);
    });
  };
}
