// A real JupyterLab (Debian's jupyter-server + app/main.py) with Labtrack's server extension, started
// the way `npm start` starts it, for tests of the Lab-side models and the proxy.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error -- plain ESM module without types
import { startLabtrack } from "../../app/launch.mjs";

export interface RunningLab {
  trackingUri: string;
  labBase: string;
  token: string;
  /** fetch authenticated to the Jupyter server, as ServerConnection.makeRequest is in the browser. */
  fetch: typeof fetch;
  dispose(): Promise<void>;
}

export async function startLab(
  options: { trackingUri?: string; env?: Record<string, string> } = {},
): Promise<RunningLab> {
  const dataDir = mkdtempSync(join(tmpdir(), "labtrack-lab-"));
  const lab = await startLabtrack({
    dataDir,
    trackingPort: 0,
    labPort: 0,
    quiet: true,
    trackingUri: options.trackingUri,
    env: options.env,
  });
  const authFetch: typeof fetch = (input, init = {}) =>
    fetch(input, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `token ${lab.token}` },
    });
  return {
    trackingUri: lab.trackingUri,
    labBase: lab.labBase.replace(/\/$/, ""),
    token: lab.token,
    fetch: authFetch,
    async dispose() {
      await lab.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
