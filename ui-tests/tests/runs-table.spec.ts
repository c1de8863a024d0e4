// The runs table on 5,000 runs logged through the REST API: virtualized rows, pages loaded while
// scrolling, server-side sort and filter, filter errors, the column chooser, selection, themes.
import { RestClient } from "../../lib/client/index.js";
import { expect, type Lab, TRACKING, test } from "../fixtures.js";

const RUNS = 5000;
const lossOf = (i: number) => ((i * 37) % RUNS) / RUNS;
const XSS_NAME = `<img src=x onerror="window.__labtrackXss=1">`;

async function pool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** 5,000 runs named run-0000…run-4999, newest last, with params, metrics and a tag each. */
async function seed(name: string): Promise<string> {
  const client = new RestClient({ trackingUri: TRACKING() });
  const experimentId = await client.createExperiment(name);
  const start = Date.now() - RUNS * 1000 - 60_000;
  await pool(
    Array.from({ length: RUNS }, (_, i) => i),
    24,
    async (i) => {
      const runName = i === 7 ? XSS_NAME : `run-${String(i).padStart(4, "0")}`;
      const run = await client.createRun({ experimentId, runName, startTime: start + i * 1000 });
      await client.logBatch(run.info.run_id, {
        params: [
          { key: "lr", value: String([0.1, 0.01, 0.001][i % 3]) },
          { key: "optimizer", value: i % 2 ? "adam" : "sgd" },
        ],
        metrics: [
          { key: "loss", value: lossOf(i), timestamp: start, step: 0 },
          { key: "accuracy", value: 1 - lossOf(i), timestamp: start, step: 0 },
        ],
        tags: [{ key: "team", value: i % 2 ? "vision" : "<b>nlp</b>" }],
      });
      if (i % 10 === 0)
        await client.updateRun(run.info.run_id, { status: "FINISHED", endTime: start + i * 1000 + 42_000 });
    },
  );
  return experimentId;
}

const table = (lab: Lab) => lab.page.locator(".lt-RunsTable");
const rows = (lab: Lab) => table(lab).locator(".lt-RunsTable-row:not(.lt-RunsTable-loadingRow)");
/** Row i of the loaded rows (DOM order is not row order: rows come and go as they scroll by). */
const row = (lab: Lab, i: number) => table(lab).locator(`.lt-RunsTable-row[data-index="${i}"]`);
const nameOf = (lab: Lab, i: number) => row(lab, i).locator(".lt-RunsTable-cell").nth(1);
const firstRowName = (lab: Lab) => nameOf(lab, 0);
const summary = (lab: Lab) => table(lab).locator(".lt-RunsTable-summary");

test("the runs table stays small in the DOM on 5,000 runs, pages while scrolling, sorts and filters on the server", async ({
  lab,
}) => {
  test.setTimeout(180_000);
  const name = `ui-table-${Date.now()}`;
  const seeded = Date.now();
  const experimentId = await seed(name);
  console.log(`seeded ${RUNS} runs in ${Date.now() - seeded} ms`);
  // The browser logs the 400 of a bad filter; the table shows it.
  lab.allowConsole(/status of 400/);

  await lab.open();
  await lab.fire("labtrack:open-runs-table", { experimentId, experimentName: name });
  await expect(
    lab.page.locator(`.lm-TabBar-tab[data-id="labtrack-runs-table-${experimentId}"]`),
  ).toContainText(`Runs: ${name}`);
  await expect(firstRowName(lab)).toHaveText("run-4999");
  await expect(summary(lab)).toHaveText("1,000 runs loaded, more below");
  expect(await rows(lab).count()).toBeLessThan(100);
  await expect(
    table(lab).locator('[role="columnheader"][data-column-id="attributes.start_time"]'),
  ).toHaveAttribute("aria-sort", "descending");
  await lab.screenshot("runs-table");

  // Scrolling to the bottom loads the next pages, one at a time, until all 5,000 are there.
  const scroller = table(lab).locator(".lt-RunsTable-scroller");
  await expect
    .poll(
      async () => {
        await scroller.evaluate((node) => {
          node.scrollTop = node.scrollHeight;
        });
        return summary(lab).textContent();
      },
      { timeout: 30_000, intervals: [100, 250, 500] },
    )
    .toBe("5,000 runs");
  await expect(nameOf(lab, 4999)).toHaveText("run-0000");
  expect(await rows(lab).count()).toBeLessThan(100);
  await lab.screenshot("runs-table-bottom");

  // Sorting by a metric: the server answers, the table starts over at the top.
  await table(lab).locator('[data-column-id="metrics.loss"]').click();
  await expect(table(lab).locator('[data-column-id="metrics.loss"]')).toHaveAttribute(
    "aria-sort",
    "ascending",
  );
  await expect(firstRowName(lab)).toHaveText("run-0000");
  await expect(nameOf(lab, 1)).toHaveText("run-2973");
  await table(lab).locator('[data-column-id="metrics.loss"]').click();
  await expect(table(lab).locator('[data-column-id="metrics.loss"]')).toHaveAttribute(
    "aria-sort",
    "descending",
  );
  await expect(firstRowName(lab)).toHaveText("run-2027");
  await lab.screenshot("runs-table-sorted");

  // A filter in MLflow's grammar, applied with Enter.
  const filter = table(lab).getByRole("textbox", { name: "Filter runs" });
  await filter.fill("metrics.loss < 0.01 AND params.optimizer = 'adam'");
  await filter.press("Enter");
  await expect(summary(lab)).toHaveText("25 runs");
  await expect(rows(lab)).toHaveCount(25);

  // A bad one: the server's message under the box, with a caret at the position.
  await filter.fill("metrics.loss < 0.01 AND bogus.x = 1");
  await filter.press("Enter");
  const error = table(lab).locator(".lt-RunsTable-error");
  await expect(error).toBeVisible();
  await expect(error).toContainText("bogus");
  await expect(error.locator(".lt-RunsTable-errorWhere")).toHaveText(
    `metrics.loss < 0.01 AND bogus.x = 1\n${" ".repeat(24)}^ position 24`,
  );
  await expect(filter).toHaveAttribute("aria-invalid", "true");
  await expect(table(lab).locator(".lt-RunsTable-empty")).toHaveText("Fix the filter to see runs.");
  await lab.screenshot("runs-table-filter-error");

  await filter.fill("");
  await filter.press("Enter");
  await expect(error).toBeHidden();
  await expect(summary(lab)).toHaveText("1,000 runs loaded, more below");

  // The status quick filter.
  await table(lab).getByRole("combobox", { name: "Status" }).selectOption("FINISHED");
  await expect(summary(lab)).toHaveText("500 runs");
  await table(lab).getByRole("combobox", { name: "Status" }).selectOption("");
  await expect(summary(lab)).toHaveText("1,000 runs loaded, more below");

  // The column chooser shows a tag column; its values are text, never HTML.
  await table(lab).getByRole("button", { name: "Columns" }).click();
  const chooser = table(lab).getByRole("dialog", { name: "Choose columns" });
  await expect(chooser).toBeVisible();
  await chooser.getByRole("checkbox", { name: "team" }).check();
  await expect(table(lab).locator('[role="columnheader"][data-column-id="tags.team"]')).toBeVisible();
  await lab.screenshot("runs-table-chooser");
  await lab.page.keyboard.press("Escape");
  await expect(chooser).toBeHidden();
  await expect(table(lab).getByRole("gridcell", { name: "<b>nlp</b>" }).first()).toBeAttached();

  // Selection survives a refresh.
  await row(lab, 0).getByRole("checkbox").check();
  await row(lab, 2).getByRole("checkbox").check();
  await expect(summary(lab)).toHaveText("1,000 runs loaded, more below · 2 selected");
  await table(lab).getByRole("button", { name: "Refresh" }).click();
  await expect(summary(lab)).toHaveText("1,000 runs loaded, more below · 2 selected");
  await expect(row(lab, 0)).toHaveAttribute("aria-selected", "true");
  await expect(row(lab, 1)).toHaveAttribute("aria-selected", "false");
  await expect(row(lab, 2)).toHaveAttribute("aria-selected", "true");

  // Names are text.
  await filter.fill("attributes.run_name LIKE '%onerror%'");
  await filter.press("Enter");
  await expect(firstRowName(lab)).toHaveText(XSS_NAME);
  await expect(table(lab).locator("img, b, script")).toHaveCount(0);
  expect(await lab.page.evaluate(() => (window as any).__labtrackXss)).toBeUndefined();

  // Opening the same experiment again activates the same table.
  await lab.fire("labtrack:open-runs-table", { experimentId });
  await expect(lab.page.locator(".lt-RunsTable")).toHaveCount(1);

  await filter.fill("");
  await filter.press("Enter");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Dark" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
  await expect(lab.page.locator("#jupyterlab-splash")).toHaveCount(0);
  await lab.screenshot("runs-table-dark");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Light" });
});
