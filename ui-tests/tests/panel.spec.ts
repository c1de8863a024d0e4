// The sidebar panel and status bar against runs logged through the REST API.
import { RestClient } from "../../lib/client/index.js";
import { expect, TRACKING, test } from "../fixtures.js";

test("the panel lists the runs of an experiment, with status, duration and latest metrics", async ({
  lab,
}) => {
  const client = new RestClient({ trackingUri: TRACKING() });
  const name = `ui-panel-${Date.now()}`;
  const experimentId = await client.createExperiment(name);
  const start = Date.now() - 60_000;
  for (const [i, lr] of [0.1, 0.01, 0.001].entries()) {
    const run = await client.createRun({ experimentId, runName: `lr=${lr}`, startTime: start + i * 1000 });
    await client.logBatch(run.info.run_id, {
      params: [{ key: "lr", value: String(lr) }],
      metrics: [0, 1, 2].flatMap((step) => [
        { key: "loss", value: 1 / (step + 1 + i), timestamp: start + step, step },
        { key: "accuracy", value: 0.8 + step * 0.05, timestamp: start + step, step },
      ]),
    });
    if (i < 2)
      await client.updateRun(run.info.run_id, {
        status: i === 0 ? "FINISHED" : "FAILED",
        endTime: start + i * 1000 + 42_000,
      });
  }

  await lab.open();
  await expect(lab.page.locator(".lt-StatusItem")).toHaveText(`Labtrack: ${new URL(TRACKING()).host}`);
  await expect(lab.page.locator(".lt-StatusItem")).toHaveAttribute("data-state", "connected");
  await lab.openPanel();
  const panel = lab.page.locator("#labtrack-panel");
  await panel.getByRole("option", { name }).click();
  await expect(panel.locator(".lt-RunList-title")).toHaveText(`Runs of ${name}`);
  const runs = panel.locator(".lt-RunItem");
  await expect(runs).toHaveCount(3);
  await expect(runs.nth(0).locator(".lt-RunItem-name")).toHaveText("lr=0.001");
  await expect(runs.nth(0).locator(".lt-Status")).toHaveText("RUNNING");
  await expect(runs.nth(1).locator(".lt-Status")).toHaveText("FAILED");
  await expect(runs.nth(2).locator(".lt-Status")).toHaveText("FINISHED");
  await expect(runs.nth(2).locator(".lt-RunItem-meta")).toContainText("42 s");
  await expect(runs.nth(2).locator(".lt-RunItem-metrics")).toHaveText("accuracy 0.9 · loss 0.3333");

  // The filter box narrows the experiment list.
  await panel.getByRole("searchbox", { name: "Filter experiments" }).fill(name.slice(0, 12));
  await expect(panel.getByRole("option")).toHaveCount(1);
  await panel.getByRole("searchbox", { name: "Filter experiments" }).fill("");
  await lab.screenshot("panel-light");

  await lab.command("apputils:change-theme", { theme: "JupyterLab Dark" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
  await expect(lab.page.locator("#jupyterlab-splash")).toHaveCount(0);
  await lab.screenshot("panel-dark");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Light" });
});

test("a run logged while the panel is open appears after a refresh", async ({ lab }) => {
  const client = new RestClient({ trackingUri: TRACKING() });
  const name = `ui-live-${Date.now()}`;
  const experimentId = await client.createExperiment(name);
  await lab.open();
  await lab.openPanel();
  const panel = lab.page.locator("#labtrack-panel");
  await panel.getByRole("option", { name }).click();
  await expect(panel.getByText("No runs in this experiment yet.")).toBeVisible();
  await client.createRun({ experimentId, runName: "arrived-later" });
  await panel.getByRole("button", { name: "Refresh" }).click();
  await expect(panel.locator(".lt-RunItem-name")).toHaveText(["arrived-later"]);
});

test("names from the tracking server are shown as text, never as HTML", async ({ lab }) => {
  const client = new RestClient({ trackingUri: TRACKING() });
  const name = `<img src=x onerror="window.__labtrackXss=1">${Date.now()}`;
  const experimentId = await client.createExperiment(name);
  await client.createRun({ experimentId, runName: "<b>bold</b><script>window.__labtrackXss=2</script>" });
  await lab.open();
  await lab.openPanel();
  const panel = lab.page.locator("#labtrack-panel");
  await panel.getByRole("option", { name }).click();
  await expect(panel.locator(".lt-RunItem-name")).toHaveText(
    "<b>bold</b><script>window.__labtrackXss=2</script>",
  );
  await expect(panel.locator("img, b, script")).toHaveCount(0);
  expect(await lab.page.evaluate(() => (window as any).__labtrackXss)).toBeUndefined();
});
