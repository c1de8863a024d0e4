// JupyterLab's cells, notebooks, kernels and connection as the tracking engine's small interfaces
// (src/tracking/types.ts): the engine runs a magic cell the same way here and in `labtrack run`.
import type { ISessionContext } from "@jupyterlab/apputils";
import type { CodeCell } from "@jupyterlab/cells";
import type { INotebookModel } from "@jupyterlab/notebook";
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import type {
  ExecuteReply,
  TrackedCell,
  TrackedNotebook,
  TrackingKernel,
  TrackingTarget,
} from "../../tracking/types.js";
import { describeError } from "../describe-error.js";
import type { ILabtrackConnection } from "../tokens.js";
import { executeInCell } from "./execute-code.js";

export function labCell(cell: CodeCell, sessionContext: ISessionContext): TrackedCell {
  const model = cell.model;
  return {
    id: model.sharedModel.getId(),
    source: () => model.sharedModel.getSource(),
    get executionCount() {
      return model.executionCount;
    },
    set executionCount(count: number | null) {
      model.executionCount = count;
    },
    get isDisposed() {
      return cell.isDisposed;
    },
    outputs: { add: (output) => model.outputs.add(output as never) },
    getMetadata: (key) => model.getMetadata(key),
    setMetadata: (key, value) => model.setMetadata(key, value as never),
    execute: (code, userExpressions) => executeInCell(cell, sessionContext, code, userExpressions),
  };
}

export function labNotebook(model: INotebookModel, sessionContext: ISessionContext): TrackedNotebook {
  return {
    get path() {
      return sessionContext.path;
    },
    getMetadata: (key) => model.getMetadata(key),
    setMetadata: (key, value) => model.setMetadata(key, value as never),
  };
}

/** One adapter per kernel connection: what the engine keeps per kernel lives as long as the connection. */
const kernels = new WeakMap<Kernel.IKernelConnection, TrackingKernel>();

export function labKernel(kernel: Kernel.IKernelConnection): TrackingKernel {
  const known = kernels.get(kernel);
  if (known) return known;
  const adapter: TrackingKernel = {
    get id() {
      return kernel.id;
    },
    get name() {
      return kernel.name;
    },
    language: async () => (await kernel.info).language_info?.name,
    execute(content, onIOPub) {
      const future = kernel.requestExecute(content, true);
      if (onIOPub)
        future.onIOPub = (msg) =>
          onIOPub({ msg_type: msg.header.msg_type, content: msg.content as Record<string, unknown> });
      return future.done.then((reply) => (reply as KernelMessage.IExecuteReplyMsg).content as ExecuteReply);
    },
    onReset(callback) {
      const forget = (_: unknown, status: Kernel.Status) => {
        if (status === "restarting" || status === "autorestarting" || status === "dead") {
          kernel.statusChanged.disconnect(forget);
          callback();
        }
      };
      kernel.statusChanged.connect(forget);
    },
  };
  kernels.set(kernel, adapter);
  return adapter;
}

/** The notebook's kernel: waits for the session to connect, starts one when asked and there is none. */
export async function sessionKernel(
  sessionContext: ISessionContext,
  start: boolean,
): Promise<TrackingKernel | null> {
  // A notebook run right after it opens may still be connecting to its kernel.
  await sessionContext.ready;
  if (start && sessionContext.hasNoKernel) await sessionContext.startKernel();
  const kernel = sessionContext.session?.kernel;
  return kernel ? labKernel(kernel) : null;
}

export function labTarget(connection: ILabtrackConnection): TrackingTarget {
  return {
    get client() {
      return connection.client;
    },
    get uri() {
      return connection.uri;
    },
    get defaultExperiment() {
      return connection.settings.defaultExperiment;
    },
    describeError: (e) => describeError(e, connection.uri),
    async statusLine() {
      const s = await connection.check();
      return `${s.uri || "(none)"} — ${s.state === "connected" ? "connected" : (s.problem?.detail ?? s.state)}`;
    },
    theme: () => (document.body.dataset.jpThemeLight === "false" ? "dark" : "light"),
  };
}
