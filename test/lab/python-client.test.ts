// The `labtrack` Python module in a kernel the Lab started (so through the PYTHONPATH app/launch.mjs
// gives the Lab): MLFLOW_* set in the kernel as a %%track cell sets them, 1,000 per-step points logged
// from a loop, then flushed by PYTHON_FLUSH_EXPRESSION as a user_expression — what the magic does
// before the run ends — and read back from the tracking server.
import { type Kernel, KernelManager, type KernelMessage, ServerConnection } from "@jupyterlab/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import { PYTHON_FLUSH_EXPRESSION } from "../../src/tracking/kernel-language.js";
import { type RunningLab, startLab } from "../helpers/lab.js";

let lab: RunningLab;
let manager: KernelManager;
let kernel: Kernel.IKernelConnection;
let client: RestClient;

beforeAll(async () => {
  lab = await startLab();
  const serverSettings = ServerConnection.makeSettings({ baseUrl: `${lab.labBase}/`, token: lab.token });
  manager = new KernelManager({ serverSettings });
  kernel = await manager.startNew({ name: "python3" });
  client = new RestClient({ trackingUri: lab.trackingUri });
}, 120_000);

afterAll(async () => {
  await kernel?.shutdown().catch(() => undefined);
  manager?.dispose();
  await lab?.dispose();
});

interface Expression {
  status: string;
  data?: Record<string, string>;
  ename?: string;
  evalue?: string;
}

/** Runs `code` silently with user_expressions; the reply's status, expressions and stdout/stderr. */
async function execute(code: string, expressions: Record<string, string> = {}) {
  const future = kernel.requestExecute({ code, silent: false, user_expressions: expressions });
  let output = "";
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") output += (msg as KernelMessage.IStreamMsg).content.text;
    if (msg.header.msg_type === "error") {
      const e = (msg as KernelMessage.IErrorMsg).content;
      output += `${e.ename}: ${e.evalue}`;
    }
  };
  const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
  const content = reply.content as { status: string; user_expressions?: Record<string, Expression> };
  return { status: content.status, expressions: content.user_expressions ?? {}, output };
}

const envCode = (runId: string, experimentId: string) =>
  `import os; os.environ.update({"MLFLOW_TRACKING_URI": ${JSON.stringify(lab.trackingUri)}, ` +
  `"MLFLOW_EXPERIMENT_ID": ${JSON.stringify(experimentId)}, "MLFLOW_RUN_ID": ${JSON.stringify(runId)}})`;

describe("labtrack in a Python kernel started by the Lab", () => {
  it("the flush expression is None and imports nothing while the kernel has not imported labtrack", async () => {
    const r = await execute("", {
      flush: PYTHON_FLUSH_EXPRESSION,
      imported: '"labtrack" in __import__("sys").modules',
    });
    expect(r.expressions.flush).toMatchObject({ status: "ok", data: { "text/plain": "None" } });
    expect(r.expressions.imported).toMatchObject({ status: "ok", data: { "text/plain": "False" } });
  });

  it("imports labtrack, logs 1,000 steps from a loop, and the flush puts them on the server", async () => {
    const run = await client.createRun({ experimentId: "0", runName: "python kernel" });
    const runId = run.info.run_id;
    await execute(envCode(runId, "0"));
    const code = [
      "import labtrack, math",
      'labtrack.log_params({"lr": 0.1, "epochs": 1000})',
      "for epoch in range(1000):",
      '    labtrack.log_metric("loss", math.exp(-epoch / 100), step=epoch)',
      'labtrack.set_tag("where", labtrack.__file__)',
    ].join("\n");
    const r = await execute(code, { flush: PYTHON_FLUSH_EXPRESSION });
    expect(r.status, r.output).toBe("ok");
    expect(r.expressions.flush).toMatchObject({ status: "ok", data: { "text/plain": "None" } });
    // The flush ran before the reply: everything is there without waiting.
    const history = await client.getMetricHistory(runId, "loss");
    expect(history.map((p) => p.step)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(history[100]?.value).toBeCloseTo(Math.exp(-1), 12);
    const got = await client.getRun(runId);
    const params = Object.fromEntries((got.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toEqual({ lr: "0.1", epochs: "1000" });
    const where = (got.data.tags ?? []).find((t) => t.key === "where")?.value;
    expect(where).toMatch(/python\/labtrack\/__init__\.py$/);
    // labtrack.flush() itself, as a user would call it.
    const again = await execute('labtrack.log_metric("acc", 0.9)\nlabtrack.flush()');
    expect(again.status, again.output).toBe("ok");
    expect((await client.getMetricHistory(runId, "acc")).map((p) => p.value)).toEqual([0.9]);
  });

  it("the flush expression fails with UnsentDataError and the server's message when data is refused", async () => {
    const missing = "0123456789abcdef0123456789abcdef";
    await execute(envCode(missing, "0"));
    const r = await execute('labtrack.log_metric("loss", 1.0)', { flush: PYTHON_FLUSH_EXPRESSION });
    expect(r.status).toBe("ok");
    expect(r.expressions.flush?.status).toBe("error");
    expect(r.expressions.flush?.ename).toBe("UnsentDataError");
    expect(r.expressions.flush?.evalue).toContain(`the server refused 1 metric of run ${missing}`);
    expect(r.expressions.flush?.evalue).toContain(`Run with id=${missing} not found`);
  });
});
