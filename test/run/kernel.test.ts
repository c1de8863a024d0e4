// The ZeroMQ kernel client against real kernels: ipykernel (Debian's) and tslab (as `npm start`
// registers it): execute with outputs and user_expressions, interrupt, shutdown with nothing left.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findKernelSpecs, type KernelSpec, ZmqKernel } from "../../src/cli/run-kernel.js";
import { KernelBridge } from "../../src/tracking/kernel-bridge.js";
import { pythonEnvLine } from "../../src/tracking/kernel-language.js";
import type { IOPubMessage } from "../../src/tracking/types.js";
import { alive, tslabJupyterPath } from "./helpers.js";

function spec(name: string): KernelSpec {
  const found = findKernelSpecs({ ...process.env, JUPYTER_PATH: tslabJupyterPath() }).get(name);
  if (!found) throw new Error(`no kernelspec ${name}`);
  return found;
}

describe.each([
  ["python3", "print('hi'); 6 * 7", "import time; time.sleep(30)"],
  ["tslab", "console.log('hi');\n6 * 7", "await new Promise((r) => setTimeout(r, 30000));"],
])("the %s kernel over ZeroMQ", (name, code, sleep) => {
  it("executes code with its outputs, is interrupted, and leaves no process when shut down", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "labtrack-kernel-test-"));
    const kernel = await ZmqKernel.start(spec(name), { cwd, env: {} });
    const pid = kernel.pid as number;
    try {
      const iopub: IOPubMessage[] = [];
      const reply = await kernel.execute({ code }, (m) => iopub.push(m));
      expect(reply.status).toBe("ok");
      // ipykernel shows the value as an execute_result, tslab prints it.
      const shown = iopub
        .map((m) =>
          m.msg_type === "stream"
            ? m.content.text
            : (m.content.data as Record<string, string>)?.["text/plain"],
        )
        .join("");
      expect(shown).toContain("hi");
      expect(shown).toContain("42");
      const slow = kernel.execute({ code: sleep });
      // Interrupt once the kernel is busy with it (a bounded poll, not a fixed delay).
      let outcome: Awaited<typeof slow> | undefined;
      void slow.then((r) => {
        outcome = r;
      });
      for (let i = 0; i < 100 && outcome === undefined; i++) {
        await new Promise((r) => setTimeout(r, 200));
        if (i % 5 === 2) kernel.interrupt();
      }
      expect(outcome?.status).toBe("error");
    } finally {
      await kernel.shutdown();
    }
    expect(alive(pid)).toBe(false);
  }, 120_000);
});

describe("the kernel bridge over ipykernel", () => {
  it("reads a failed cell's variables and snapshot even when its request lands in ipykernel's abort window", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "labtrack-kernel-test-"));
    const kernel = await ZmqKernel.start(spec("python3"), { cwd, env: {} });
    try {
      const bridge = new KernelBridge(kernel);
      expect(await bridge.ensurePythonEnvTransformer()).toBe(true);
      expect((await kernel.execute({ code: "acc = 0.5" })).status).toBe("ok");
      // A tracked cell that fails, and the bridge's request for its values sent at once: ipykernel
      // aborts every request already waiting when a cell fails, this one included.
      const failed = kernel.execute({
        code: `${pythonEnvLine({ MLFLOW_RUN_ID: "r1" }, ["acc", "loss"])}\nimport time\nloss = 0.25\ntime.sleep(0.3)\nraise ValueError("bad")`,
      });
      const after = bridge.afterCell({ MLFLOW_RUN_ID: null }, ["acc", "loss"], true);
      expect((await failed).status).toBe("error");
      const read = await after;
      expect(read.values).toEqual({ acc: 0.5, loss: 0.25 });
      // The snapshot the cell's marker line took: what tells acc's stale value from one the code set.
      expect(read.before).toEqual({ acc: 0.5 });
      // And the kernel is still one that answers user expressions.
      expect((await bridge.afterCell({ MLFLOW_RUN_ID: null }, ["acc"], true)).before).toEqual({ acc: 0.5 });
    } finally {
      await kernel.shutdown();
    }
  }, 120_000);
});
