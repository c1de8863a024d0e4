// The runs table on 5,000 runs logged through the REST API: virtualized rows, pages loaded while
// scrolling, server-side sort and filter, filter errors, the column chooser, selection, themes.
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { RestClient } from "../../lib/client/index.js";
import { expect, type Lab, putSettings, TRACKING, test } from "../fixtures.js";

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
/** Records what the open-run and compare-runs commands are asked (their views open for real). */
const watchOpens = (lab: Lab) =>
  lab.page.evaluate(() => {
    const w = window as any;
    w.jupyterapp.commands.commandExecuted.connect((_: unknown, e: { id: string; args: unknown }) => {
      if (e.id === "labtrack:open-run") w.__opened = e.args;
      if (e.id === "labtrack:compare-runs") w.__compared = e.args;
    });
  });

/** The view a command opened is shown, then the runs table comes to the front again. */
async function sawViewThenBack(lab: Lab, view: string, experimentId: string): Promise<void> {
  await expect(lab.page.locator(`${view}:visible`)).toHaveCount(1);
  await lab.page.evaluate(
    (id) => (window as any).jupyterapp.shell.activateById(id),
    `labtrack-runs-table-${experimentId}`,
  );
  await expect(lab.page.locator(".lt-RunsTable:visible")).toHaveCount(1);
}

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
  // A first page of 100 fills the screen; the next 250 come ahead of the scroll.
  await expect(summary(lab)).toHaveText("350 runs loaded, more below");
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
  // The last page grew the table after the last scroll: scroll to the (new) bottom until its last row
  // is drawn.
  await expect
    .poll(
      async () => {
        await scroller.evaluate((node) => {
          node.scrollTop = node.scrollHeight;
        });
        return nameOf(lab, 4999).count();
      },
      { timeout: 30_000, intervals: [100, 250, 500] },
    )
    .toBe(1);
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
  // A combobox: it offers completions as the user types.
  const filter = table(lab).getByRole("combobox", { name: "Filter runs" });
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
  await expect(summary(lab)).toHaveText("350 runs loaded, more below");

  // The status quick filter.
  await table(lab).getByRole("combobox", { name: "Status" }).selectOption("FINISHED");
  await expect(summary(lab)).toHaveText("350 runs loaded, more below");
  await expect
    .poll(async () => {
      await scroller.evaluate((node) => {
        node.scrollTop = node.scrollHeight;
      });
      return summary(lab).textContent();
    })
    .toBe("500 runs");
  await table(lab).getByRole("combobox", { name: "Status" }).selectOption("");
  await expect(summary(lab)).toHaveText("350 runs loaded, more below");

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
  await expect(summary(lab)).toHaveText("350 runs loaded, more below · 2 selected");
  await table(lab).getByRole("button", { name: "Refresh" }).click();
  await expect(summary(lab)).toHaveText("350 runs loaded, more below · 2 selected");
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

const XSS = `<img src=x onerror="window.__xss=1">`;

test("the runs table's actions: live updates, pins kept across reloads, completion, quick filters, group-by, nested runs, open/compare, delete + restore, CSV", async ({
  lab,
}) => {
  test.setTimeout(240_000);
  const client = new RestClient({ trackingUri: TRACKING() });
  const name = `ui-table-actions-${Date.now()}`;
  const experimentId = await client.createExperiment(name);
  const me = userInfo().username;
  // 40 finished runs three days old; a quarter are "mine".
  const old = Date.now() - 3 * 86_400_000;
  for (let i = 0; i < 40; i++) {
    const run = await client.createRun({
      experimentId,
      runName: `old-${String(i).padStart(2, "0")}`,
      startTime: old + i * 1000,
    });
    await client.logBatch(run.info.run_id, {
      params: [{ key: "opt", value: i % 2 ? "adam" : "sgd" }],
      metrics: [{ key: "loss", value: i / 40, timestamp: old, step: 0 }],
      tags: [{ key: "mlflow.user", value: i % 4 === 0 ? me : "someone-else" }],
    });
    await client.updateRun(run.info.run_id, { status: "FINISHED", endTime: old + i * 1000 + 9000 });
  }
  const now = Date.now() - 60_000;
  const parent = await client.createRun({ experimentId, runName: "parent", startTime: now });
  await client.updateRun(parent.info.run_id, { status: "FINISHED", endTime: now + 5000 });
  for (const [i, child] of ["child-a", "child-b"].entries()) {
    const c = await client.createRun({ experimentId, runName: child, startTime: now + 1000 + i });
    await client.setTag(c.info.run_id, "mlflow.parentRunId", parent.info.run_id);
    await client.updateRun(c.info.run_id, { status: "FINISHED", endTime: now + 4000 });
  }
  const xss = await client.createRun({ experimentId, runName: XSS, startTime: now + 2000 });
  await client.logBatch(xss.info.run_id, {
    params: [{ key: "opt", value: XSS }],
    metrics: [],
    tags: [{ key: "note", value: XSS }],
  });
  await client.updateRun(xss.info.run_id, { status: "FINISHED", endTime: now + 3000 });
  const live = await client.createRun({ experimentId, runName: "live", startTime: now + 3000 });
  await client.logMetric(live.info.run_id, "loss", 0.5, { step: 0 });

  await lab.open();
  await putSettings(lab.page, { refreshInterval: 1 });
  await watchOpens(lab);
  const openTable = async () => {
    await lab.fire("labtrack:open-runs-table", { experimentId, experimentName: name });
    await expect(nameOf(lab, 0)).toHaveText("live");
  };
  await openTable();
  await expect(summary(lab)).toHaveText("45 runs");
  const scroller = table(lab).locator(".lt-RunsTable-scroller");

  // Live: the running run's metric changes in place, a new run goes on top, the scroll stays put.
  await scroller.evaluate((n) => (n.scrollTop = 30));
  // Header and body lines have the same cells (the selection box first).
  const metricColumn = () =>
    table(lab)
      .locator(".lt-RunsTable-header .lt-RunsTable-headerCell")
      .evaluateAll((cells) => cells.findIndex((c) => (c as HTMLElement).dataset.columnId === "metrics.loss"));
  const lossCell = async (i: number) =>
    row(lab, i)
      .locator(".lt-RunsTable-cell")
      .nth(await metricColumn());
  await expect(await lossCell(0)).toHaveText("0.5");
  await client.logMetric(live.info.run_id, "loss", 0.125, { step: 1 });
  await expect(await lossCell(0)).toHaveText("0.125", { timeout: 10_000 });
  expect(await scroller.evaluate((n) => n.scrollTop)).toBe(30);
  await client.createRun({ experimentId, runName: "newer", startTime: Date.now() + 1000 });
  await expect(nameOf(lab, 0)).toHaveText("newer", { timeout: 10_000 });
  await expect(nameOf(lab, 1)).toHaveText("live");
  // The rows the user was looking at stayed where they were: one row lower in the list, one row further down.
  expect(await scroller.evaluate((n) => n.scrollTop)).toBe(54);
  await expect(table(lab).locator(".lt-RunsTable-newRuns")).toHaveText("↑ 1 new run");
  await table(lab).locator(".lt-RunsTable-newRuns").click();
  await expect(table(lab).locator(".lt-RunsTable-newRuns")).toBeHidden();
  await putSettings(lab.page, { refreshInterval: 0 });

  // Pin a column from the header's context menu; it stays at the left while scrolling sideways.
  await table(lab)
    .locator('.lt-RunsTable-headerCell[data-column-id="params.opt"]')
    .click({ button: "right" });
  await lab.page.locator(".lm-Menu-item", { hasText: "Pin Column" }).click();
  const optHeader = table(lab).locator('.lt-RunsTable-headerCell[data-column-id="params.opt"]');
  await expect(optHeader).toHaveClass(/lt-mod-pinned/);
  const x0 = (await optHeader.boundingBox())?.x;
  await scroller.evaluate((n) => (n.scrollLeft = 400));
  expect((await optHeader.boundingBox())?.x).toBe(x0);
  await lab.screenshot("runs-table-pinned");
  await scroller.evaluate((n) => (n.scrollLeft = 0));

  // The view is kept: after a reload the pin is still there.
  await lab.page.waitForTimeout(500);
  await lab.page.reload();
  await lab.page.waitForSelector("body[data-labtrack-restored]", { state: "attached", timeout: 60_000 });
  await watchOpens(lab);
  if ((await table(lab).count()) === 0)
    await lab.fire("labtrack:open-runs-table", { experimentId, experimentName: name });
  await expect(nameOf(lab, 0)).toHaveText("newer");
  await expect(optHeader).toHaveClass(/lt-mod-pinned/);

  // Completion: keys, then operators, then values seen in the loaded runs; keyboard only.
  const filter = table(lab).getByRole("combobox", { name: "Filter runs" });
  const list = table(lab).getByRole("listbox", { name: "Filter suggestions" });
  await filter.click();
  await filter.pressSequentially("params.o");
  await expect(list.getByRole("option").first()).toContainText("params.opt");
  await filter.press("ArrowDown");
  await filter.press("Enter");
  await expect(filter).toHaveValue("params.opt ");
  await expect(list.getByRole("option").first()).toContainText("=");
  await filter.press("Tab");
  await expect(filter).toHaveValue("params.opt = ");
  await expect(list.getByRole("option", { name: /adam/ })).toBeVisible();
  await expect(list.getByRole("option", { name: /onerror/ })).toHaveCount(1);
  await lab.screenshot("runs-table-completion");
  await filter.pressSequentially("ad");
  await filter.press("ArrowDown");
  await filter.press("Enter");
  await expect(filter).toHaveValue("params.opt = 'adam' ");
  await filter.press("Escape");
  await expect(list).toBeHidden();
  await filter.press("Enter");
  await expect(summary(lab)).toHaveText("20 runs");
  await filter.fill("");
  await filter.press("Enter");
  await expect(summary(lab)).toHaveText("46 runs");

  // Quick filters: started in the last 24 hours; mine.
  await table(lab).getByRole("combobox", { name: "Started" }).selectOption("24h");
  await expect(summary(lab)).toHaveText("6 runs");
  await table(lab).getByRole("combobox", { name: "Started" }).selectOption("");
  await table(lab).getByRole("checkbox", { name: "Mine" }).check();
  await expect(summary(lab)).toHaveText("10 runs");
  await table(lab).getByRole("checkbox", { name: "Mine" }).uncheck();
  await expect(summary(lab)).toHaveText("46 runs");

  // Nested runs: the children wait under their parent.
  const parentRow = table(lab).locator(`.lt-RunsTable-row[data-run-id="${parent.info.run_id}"]`);
  await expect(table(lab).getByRole("gridcell", { name: "child-a" })).toHaveCount(0);
  await parentRow.getByRole("button", { name: "Expand" }).click();
  await expect(table(lab).locator('.lt-RunsTable-row[aria-level="2"]')).toHaveCount(2);
  await lab.screenshot("runs-table-tree");
  await parentRow.getByRole("button", { name: "Collapse" }).click();
  await expect(table(lab).locator('.lt-RunsTable-row[aria-level="2"]')).toHaveCount(0);

  // Keyboard: focus a row, move down, Space selects, Enter opens; double-click opens; Compare.
  await nameOf(lab, 2).click();
  await lab.page.keyboard.press("ArrowDown");
  await lab.page.keyboard.press("Space");
  await expect(row(lab, 3)).toHaveAttribute("aria-selected", "true");
  const third = await row(lab, 3).getAttribute("data-run-id");
  await lab.page.keyboard.press("Enter");
  expect(await lab.page.evaluate(() => (window as any).__opened)).toEqual({ runId: third });
  await sawViewThenBack(lab, `#labtrack-run-${third}`, experimentId);
  await nameOf(lab, 0).dblclick();
  const first = await row(lab, 0).getAttribute("data-run-id");
  expect(await lab.page.evaluate(() => (window as any).__opened)).toEqual({ runId: first });
  await sawViewThenBack(lab, `#labtrack-run-${first}`, experimentId);
  // Shift+click selects the range from the last clicked row.
  await row(lab, 5).getByRole("checkbox").check();
  await row(lab, 8)
    .getByRole("checkbox")
    .click({ modifiers: ["Shift"] });
  await expect(summary(lab)).toHaveText("46 runs · 5 selected");
  await table(lab).getByRole("button", { name: "Compare", exact: true }).click();
  expect(
    ((await lab.page.evaluate(() => (window as any).__compared)) as { runIds: string[] }).runIds,
  ).toHaveLength(5);
  await sawViewThenBack(lab, ".lt-Compare", experimentId);
  // The row context menu.
  await nameOf(lab, 1).click({ button: "right" });
  const menu = lab.page.locator(".lm-Menu");
  for (const item of ["Open Run", "Compare", "Delete", "Restore", "Copy Run ID"])
    await expect(menu.locator(".lm-Menu-item", { hasText: item }).first()).toBeVisible();
  await lab.screenshot("runs-table-context-menu");
  await menu.locator(".lm-Menu-item", { hasText: "Open Run" }).click();
  const second = await row(lab, 1).getAttribute("data-run-id");
  expect(await lab.page.evaluate(() => (window as any).__opened)).toEqual({ runId: second });
  await sawViewThenBack(lab, `#labtrack-run-${second}`, experimentId);

  // Delete the 5 selected (one confirmation), see them in the trash, restore them.
  await table(lab).getByRole("button", { name: "Delete (5)" }).click();
  await lab.page.locator(".jp-Dialog").getByRole("button", { name: "Delete" }).click();
  await expect(summary(lab)).toHaveText("41 runs");
  const show = table(lab).getByRole("combobox", { name: "Show" });
  await show.selectOption("DELETED_ONLY");
  await expect(summary(lab)).toHaveText("5 runs");
  await table(lab).getByRole("checkbox", { name: "Select all loaded runs" }).check();
  await lab.screenshot("runs-table-trash");
  await table(lab).getByRole("button", { name: "Restore (5)" }).click();
  // Restored runs leave the trash view, and the selection with them.
  await expect(summary(lab)).toHaveText("0 runs");
  await show.selectOption("ACTIVE_ONLY");
  await expect(summary(lab)).toHaveText("46 runs");

  // Group by a param with the loss aggregated, over the loaded runs.
  await table(lab).getByRole("combobox", { name: "Group by" }).selectOption("params.opt");
  await table(lab).getByRole("combobox", { name: "Aggregate" }).selectOption("metrics.loss");
  const groups = table(lab).locator(".lt-RunsTable-groupRow");
  await expect(groups).toHaveCount(4);
  await expect(groups.filter({ hasText: "adam" })).toContainText("20 runs · metrics.loss: min 0.025");
  await expect(table(lab).locator(".lt-RunsTable-groupNote")).toHaveText("over the 46 loaded runs");
  await groups.filter({ hasText: "adam" }).getByRole("button", { name: "Expand group" }).click();
  await expect(table(lab).locator(".lt-RunsTable-row[data-run-id]")).toHaveCount(20);
  await lab.screenshot("runs-table-grouped");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Dark" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
  await expect(lab.page.locator("#jupyterlab-splash")).toHaveCount(0);
  await lab.screenshot("runs-table-grouped-dark");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Light" });
  await table(lab).getByRole("combobox", { name: "Group by" }).selectOption("");

  // CSV of every matching run, values quoted, nothing interpreted.
  await filter.fill("attributes.run_name LIKE '%onerror%'");
  await filter.press("Enter");
  await expect(summary(lab)).toHaveText("1 run");
  const [download] = await Promise.all([
    lab.page.waitForEvent("download"),
    table(lab).getByRole("button", { name: "Export CSV" }).click(),
  ]);
  const csv = readFileSync((await download.path()) as string, "utf8");
  const lines = csv.trimEnd().split("\r\n");
  expect(lines).toHaveLength(2);
  expect(lines[0]?.startsWith("run_id,attributes.run_name,")).toBe(true);
  expect(lines[1]).toContain(`"<img src=x onerror=""window.__xss=1"">"`);

  // User data is text everywhere: names, params, tags, completion.
  await table(lab).getByRole("button", { name: "Columns" }).click();
  await table(lab)
    .getByRole("dialog", { name: "Choose columns" })
    .getByRole("checkbox", { name: "note" })
    .check();
  await lab.page.keyboard.press("Escape");
  // Name, opt, note and the mlflow.runName tag.
  await expect(table(lab).getByRole("gridcell", { name: XSS })).toHaveCount(4);
  await expect(table(lab).locator("img, script")).toHaveCount(0);
  expect(await lab.page.evaluate(() => (window as any).__xss)).toBeUndefined();
  await putSettings(lab.page, {});
});

test("runs tables reopen after a page reload, each on its experiment, as the other views do", async ({
  lab,
}) => {
  const client = new RestClient({ trackingUri: TRACKING() });
  const name = `ui-table-restore-${Date.now()}`;
  const experimentId = await client.createExperiment(name);
  const start = Date.now() - 60_000;
  for (const [i, runName] of ["first", "second"].entries())
    await client.createRun({ experimentId, runName, startTime: start + i * 1000 });
  // Opened by id alone: its title comes from the server, before and after the reload.
  const other = await client.createExperiment(`${name}-other`);
  await client.createRun({ experimentId: other, runName: "elsewhere", startTime: start });

  await lab.open();
  const shown = lab.page.locator(".jp-MainAreaWidget:visible .lt-RunsTable");
  /** The run names of the table in front, in row order. */
  const shownNames = async () => {
    const rows = shown.locator(".lt-RunsTable-row[data-index]:not(.lt-RunsTable-loadingRow)");
    const names: [number, string][] = [];
    for (const r of await rows.all())
      names.push([
        Number(await r.getAttribute("data-index")),
        (await r.locator(".lt-RunsTable-cell").nth(1).textContent()) ?? "",
      ]);
    return names.sort(([a], [b]) => a - b).map(([, n]) => n);
  };
  const tab = (label: string) => lab.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", { hasText: label });
  // The workspace is saved (debounced) once both tables are in the layout: wait until the server has it.
  const saved = lab.page.waitForResponse(
    (r) =>
      r.request().method() === "PUT" &&
      r.url().includes("/api/workspaces") &&
      (r.request().postData() ?? "").split(`labtrack-runs-table:${other}`).length > 2,
    { timeout: 60_000 },
  );
  await lab.fire("labtrack:open-runs-table", { experimentId, experimentName: name });
  await expect.poll(shownNames).toEqual(["second", "first"]);
  await lab.fire("labtrack:open-runs-table", { experimentId: other });
  await expect.poll(shownNames).toEqual(["elsewhere"]);
  await expect(tab(`Runs: ${name}-other`)).toHaveCount(1);
  expect((await saved).ok()).toBe(true);

  await lab.page.reload();
  await lab.page.waitForSelector("body[data-labtrack-restored]", { state: "attached", timeout: 60_000 });
  // Both come back, the one in front still in front, without anyone opening them again.
  await expect(lab.page.locator(".lt-RunsTable")).toHaveCount(2);
  await expect(tab(`Runs: ${name}-other`)).toHaveCount(1);
  await expect(tab(`Runs: ${name}`).filter({ hasNotText: "-other" })).toHaveCount(1);
  await expect.poll(shownNames).toEqual(["elsewhere"]);
  await lab.screenshot("runs-table-restored");
  await tab(`Runs: ${name}`).filter({ hasNotText: "-other" }).click();
  await expect.poll(shownNames).toEqual(["second", "first"]);
  // Opening a restored table again shows it, not a second one.
  await lab.fire("labtrack:open-runs-table", { experimentId: other });
  await expect(lab.page.locator(".lt-RunsTable")).toHaveCount(2);
  await expect.poll(shownNames).toEqual(["elsewhere"]);
});
