// Shared by the `labtrack run` tests: tslab registered as `npm start` registers it, process checks.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error app/launch.mjs is plain JavaScript without types
import { ensureTslabKernels } from "../../app/launch.mjs";

let jupyterDir: string | undefined;

/** A JUPYTER_PATH entry holding tslab's kernelspecs (registered once per test file). */
export function tslabJupyterPath(): string {
  if (!jupyterDir) {
    jupyterDir = mkdtempSync(join(tmpdir(), "labtrack-run-jupyter-"));
    (ensureTslabKernels as (dir: string) => void)(jupyterDir);
  }
  return join(jupyterDir, "share", "jupyter");
}

/** Whether a process is alive (a zombie, dead but not yet reaped, counts as gone). */
export function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const text = readFileSync(stat, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
  } catch {
    return false;
  }
}
