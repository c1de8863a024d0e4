// UI tests: Debian's chromium (never a downloaded browser) against the real app — the tracking server
// and JupyterLab with Labtrack — started once by global-setup.ts, as `npm start` starts it.
import { defineConfig } from "@playwright/test";
// @ts-expect-error -- plain ESM module without types
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../app/chromium.mjs";

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  globalSetup: "./global-setup.ts",
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [["list"]],
  use: {
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
    trace: "off",
    screenshot: "only-on-failure",
  },
});
