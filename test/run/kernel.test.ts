// The ZeroMQ kernel client against real kernels: ipykernel (Debian's) and tslab (as `npm start`
// registers it): execute with outputs and user_expressions, interrupt, shutdown with nothing left.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findKernelSpecs, type KernelSpec, ZmqKernel } from "../../src/cli/run-kernel.js";
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
