// Starts Labtrack (tracking server on a fresh SQLite store + JupyterLab with the extension and the
// Python and TypeScript kernels) for the whole UI test run; the tests find it through the environment.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error -- plain ESM module without types
import { startLabtrack } from "../app/launch.mjs";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), "labtrack-ui-"));
  const labtrack = await startLabtrack({
    dataDir,
    trackingPort: 0,
    labPort: 0,
    quiet: !process.env.LABTRACK_UI_VERBOSE,
  });
  process.env.LABTRACK_UI_LAB = labtrack.labBase.replace(/\/$/, "");
  process.env.LABTRACK_UI_TOKEN = labtrack.token;
  process.env.LABTRACK_UI_TRACKING = labtrack.trackingUri;
  return async () => {
    await labtrack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
