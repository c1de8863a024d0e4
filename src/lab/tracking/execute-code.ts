// Runs code in a cell's output area the way CodeCell.execute does, but with the code Labtrack gives it
// (the cell's source with its magic lines blanked, so the kernel's line numbers match the cell's).
import type { ISessionContext } from "@jupyterlab/apputils";
import type { CodeCell } from "@jupyterlab/cells";
import type { KernelMessage } from "@jupyterlab/services";
import { outcomeOf } from "../../tracking/outcome.js";
import type { ExecuteReply, ExecutionOutcome } from "../../tracking/types.js";

export type { ExecutionOutcome } from "../../tracking/types.js";

/**
 * `userExpressions` ride along with the code (evaluated by the kernel after it, when it succeeded), so
 * reading variables back costs no extra round trip where the kernel supports them.
 */
export async function executeInCell(
  cell: CodeCell,
  sessionContext: ISessionContext,
  code: string,
  userExpressions: Record<string, string> = {},
): Promise<ExecutionOutcome> {
  const model = cell.model;
  model.executionState = "running";
  model.trusted = true;
  try {
    const kernel = sessionContext.session?.kernel;
    if (!kernel) return { kind: "lost", reason: "no kernel" };
    const metadata = { ...model.metadata, cellId: model.sharedModel.getId() } as Record<string, unknown>;
    const tags = metadata.tags;
    // As OutputArea.execute: a "raises-exception" cell does not stop the queue.
    const stopOnError = !(Array.isArray(tags) && tags.includes("raises-exception"));
    const future = kernel.requestExecute(
      { code, stop_on_error: stopOnError, user_expressions: userExpressions },
      false,
      metadata as never,
    );
    cell.outputArea.future = future;
    const reply = ((await future.done) as KernelMessage.IExecuteReplyMsg).content as ExecuteReply;
    model.executionCount = reply.execution_count;
    return outcomeOf(reply);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { kind: "lost", reason: /Canceled/.test(message) ? "the kernel restarted or died" : message };
  } finally {
    if (!cell.isDisposed) model.executionState = "idle";
  }
}
