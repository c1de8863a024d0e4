// Issue 18: an execution by `labtrack run` (the compiled CLI, a real ipykernel) shows in the Lab like
// the others: its parent run in the runs table, the `%%track` cells' runs nested under it, and the
// executed notebook previewed in the parent's run details, where "Open notebook" opens it in the Lab.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RestClient } from "../../src/client/rest.js";
import { expect, TRACKING, test } from "../fixtures.js";

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");

test("a headless execution is a parent run with its cells' runs nested in the runs table", async ({
  lab,
}) => {
  test.setTimeout(180_000);
  const name = `ui-headless-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), "labtrack-ui-headless-"));
  const file = join(dir, "nightly.ipynb");
  const cell = (source: string, tags: string[] = []) => ({
    cell_type: "code",
    metadata: { tags },
    source,
    outputs: [],
    execution_count: null,
  });
  writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
      cells: [
        cell("lr = 0.1", ["parameters"]),
        cell("%%track prepare --params lr\nrows = 150"),
        cell("%%track fit --metrics acc\nacc = 0.5 + lr"),
      ],
    }),
  );
  const r = spawnSync(process.execPath, [BIN, "run", file, "-p", "lr=0.4", "--experiment", name], {
    env: { ...process.env, MLFLOW_TRACKING_URI: TRACKING() },
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const client = new RestClient({ trackingUri: TRACKING() });
  const experiment = await client.getExperimentByName(name);
  const experimentId = experiment?.experiment_id as string;
  const { runs } = await client.searchRuns([experimentId], { maxResults: 10 });
  const parent = runs.find((x) => x.info.run_name === "nightly");
  expect(parent).toBeDefined();

  await lab.open();
  await lab.fire("labtrack:open-runs-table", { experimentId, experimentName: name });
  const table = lab.page.locator(".lt-RunsTable");
  const parentRow = table.locator(`.lt-RunsTable-row[data-run-id="${parent?.info.run_id}"]`);
  await expect(parentRow).toBeVisible({ timeout: 30_000 });
  await expect(table.locator('.lt-RunsTable-row[aria-level="2"]')).toHaveCount(0);
  await parentRow.getByRole("button", { name: "Expand" }).click();
  const nested = table.locator('.lt-RunsTable-row[aria-level="2"]');
  await expect(nested).toHaveCount(2);
  await expect(nested.filter({ hasText: "fit" })).toContainText("0.9");
  await lab.screenshot("headless-runs-table");

  // The parent's details preview the executed notebook: the injected parameters cell and the outputs.
  const parentId = parent?.info.run_id as string;
  await lab.command("labtrack:open-run", { runId: parentId });
  const details = lab.page.locator(`#labtrack-run-${parentId}`);
  const section = details.locator('[data-section="notebook"]');
  await expect(section).toBeVisible();
  const cells = section.locator(".lt-Notebook-cell");
  // papermill's order: the parameters cell, the injected one, then the notebook's two cells.
  await expect(cells).toHaveCount(4);
  await expect(cells.nth(1).locator(".lt-Notebook-source")).toContainText("lr = 0.4");
  await expect(cells.nth(3).locator(".lt-Notebook-prompt")).toHaveText("[4]:");
  await expect(details.locator('[data-section="source"]')).toBeHidden();
  await section.scrollIntoViewIfNeeded();
  await lab.screenshot("headless-run-details-notebook");
  await section.getByRole("button", { name: "Open notebook" }).click();
  const opened = `labtrack-runs/${parentId.slice(0, 8)}-nightly.ipynb`;
  await expect(section.locator('[role="status"]')).toHaveText(`Opened as ${opened}`);
  await expect(lab.page.locator(`.jp-NotebookPanel:visible`)).toHaveCount(1);
  await expect(
    lab.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel"),
  ).toContainText(`${parentId.slice(0, 8)}-nightly.ipynb`);
});
