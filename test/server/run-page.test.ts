// The page MLflow's "View run at <uri>/#/experiments/<id>/runs/<id>" opens, in Debian's chromium
// against a real `labtrack server`: the run's name, status, params and latest metrics as text, the
// Lab link, and a CSP the page's own script and style pass (a violation would leave it empty).
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, chromium } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM module without types
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../app/chromium.mjs";
import { api, type RunningServer, startServer, testBackend } from "../helpers/server.js";

const SCREENSHOTS = resolve(import.meta.dirname, "../../ui-tests/results");

// The page does not depend on the store: run once, in the SQLite pass (the PostgreSQL pass would only
// add a second chromium beside the other test files).
describe.skipIf(!existsSync(CHROMIUM_PATH as string) || testBackend() === "postgres")(
  "the run page in chromium",
  () => {
    let server: RunningServer;
    let browser: Browser;
    beforeAll(async () => {
      server = await startServer({ args: ["--lab-url", "http://127.0.0.1:8888/base/"] });
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH as string, args: CHROMIUM_ARGS });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.dispose();
    });

    it("shows the run of MLflow's link, values as text, and links to the Lab", async () => {
      const call = api(server.url);
      const exp = await call<{ experiment_id: string }>("POST", "/experiments/create", { name: "page" });
      const run = await call<{ run: { info: { run_id: string } } }>("POST", "/runs/create", {
        experiment_id: exp.body.experiment_id,
        run_name: "<b>bold</b> run",
        start_time: Date.now(),
      });
      const runId = run.body.run.info.run_id;
      await call("POST", "/runs/log-batch", {
        run_id: runId,
        params: [{ key: "lr", value: "<img src=x onerror=alert(1)>" }],
        metrics: [
          { key: "loss", value: 0.9, timestamp: Date.now(), step: 0 },
          { key: "loss", value: 0.25, timestamp: Date.now(), step: 3 },
        ],
      });
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${server.url}/#/experiments/${exp.body.experiment_id}/runs/${runId}`);
      await expect.poll(() => page.locator("h1").textContent()).toBe("<b>bold</b> run");
      const text = (await page.locator("main").textContent()) ?? "";
      expect(text).toContain("RUNNING");
      expect(text).toContain("<img src=x onerror=alert(1)>");
      expect(text).toContain("0.25  (step 3)");
      expect(await page.locator("main img, main b").count()).toBe(0);
      expect(await page.locator("a").getAttribute("href")).toBe("http://127.0.0.1:8888/base/lab");
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOTS}/run-page.png` });

      // The same page without a fragment says what the server is; following a hash change re-renders.
      await page.goto(`${server.url}/`);
      await expect.poll(() => page.locator("h1").textContent()).toBe("Labtrack tracking server");
      expect(await page.locator("main code").textContent()).toBe(`${server.url}/ajax-api/2.0/mlflow`);
      await page.screenshot({ path: `${SCREENSHOTS}/run-page-about.png` });
      await page.goto(`${server.url}/#/experiments/1/runs/nope`);
      await expect
        .poll(() => page.locator("main .error").textContent())
        .toMatch(/Could not load the run: RESOURCE_DOES_NOT_EXIST/);
      expect(violations).toEqual([]);
    }, 60_000);
  },
);
