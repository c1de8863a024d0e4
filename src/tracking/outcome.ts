// How a cell's code ended, from the kernel's execute_reply: the same reading for every front end.
import type { ExecuteReply, ExecutionOutcome } from "./types.js";

export function outcomeOf(reply: ExecuteReply): ExecutionOutcome {
  if (reply.status === "ok") return { kind: "ok", reply };
  if (reply.status === "error")
    return {
      kind: "error",
      reply,
      ename: reply.ename ?? "",
      evalue: reply.evalue ?? "",
      traceback: reply.traceback ?? [],
    };
  return { kind: "aborted", reply };
}
