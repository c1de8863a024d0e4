// How views that show runs (compare, models, charts) open one: through the run details command, so
// they never import that view. A failure is logged, not thrown into a click handler.
import type { JupyterFrontEnd } from "@jupyterlab/application";
import { CommandIds } from "./command-ids.js";

export function runOpener(commands: JupyterFrontEnd["commands"]): (runId: string) => void {
  return (runId) => {
    if (!commands.hasCommand(CommandIds.openRun)) {
      console.warn(`Labtrack: no ${CommandIds.openRun} command to open run ${runId}`);
      return;
    }
    commands.execute(CommandIds.openRun, { runId }).catch((e: unknown) => {
      console.warn(`Labtrack: run ${runId} could not be opened`, e);
    });
  };
}
