// Runs code in a cell's output area the way CodeCell.execute does, but with the code Labtrack gives it
// (the cell's source with its magic lines blanked, so the kernel's line numbers match the cell's).
import type { ISessionContext } from "@jupyterlab/apputils";
import type { CodeCell } from "@jupyterlab/cells";
import { OutputArea } from "@jupyterlab/outputarea";
import type { KernelMessage } from "@jupyterlab/services";

export type ExecutionOutcome =
  | { kind: "ok"; reply: KernelMessage.IExecuteReplyMsg }
  | {
      kind: "error";
      reply: KernelMessage.IExecuteReplyMsg;
      ename: string;
      evalue: string;
      traceback: string[];
    }
  | { kind: "aborted"; reply?: KernelMessage.IExecuteReplyMsg | undefined }
  /** The kernel went away (restart, death, shutdown) before it answered. */
  | { kind: "lost"; reason: string };

export async function executeInCell(
  cell: CodeCell,
  sessionContext: ISessionContext,
  code: string,
  metadata: Record<string, unknown> = {},
): Promise<ExecutionOutcome> {
  const model = cell.model;
  model.executionState = "running";
  model.trusted = true;
  try {
    const reply = await OutputArea.execute(code, cell.outputArea, sessionContext, {
      ...model.metadata,
      ...metadata,
      cellId: model.sharedModel.getId(),
    });
    if (!reply) return { kind: "lost", reason: "no kernel" };
    model.executionCount = reply.content.execution_count;
    const content = reply.content;
    if (content.status === "ok") return { kind: "ok", reply };
    if (content.status === "error")
      return {
        kind: "error",
        reply,
        ename: content.ename,
        evalue: content.evalue,
        traceback: content.traceback,
      };
    return { kind: "aborted", reply };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { kind: "lost", reason: /Canceled/.test(message) ? "the kernel restarted or died" : message };
  } finally {
    if (!cell.isDisposed) model.executionState = "idle";
  }
}
