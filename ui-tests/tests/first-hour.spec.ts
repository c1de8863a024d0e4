// The first hour in a notebook (issue 15), as a data scientist lives it: a new notebook, an experiment,
// a training loop in a %%track cell logging per-step metrics from the kernel, run again with other
// params, one run that fails, inline comparisons without choosing a chart kind, then the runs table
// and Compare. Everything through the UI, checked on the tracking server and in vega's scenegraph.
import type { Page } from "@playwright/test";
import { RestClient } from "../../lib/client/index.js";
import {
  createNotebook,
  drawnMarks,
  expect,
  type Lab,
  openNotebook,
  PYTHON,
  TRACKING,
  TYPESCRIPT,
  test,
} from "../fixtures.js";

const client = () => new RestClient({ trackingUri: TRACKING() });

/** Replaces the source of the cell at `index`, as typing in it would. */
function editCell(page: Page, index: number, source: string): Promise<void> {
  return page.evaluate(
    ([i, text]) => {
      const cells = (window as any).jupyterapp.shell.currentWidget.content.model.cells;
      cells.get(i).sharedModel.setSource(text);
    },
    [index, source] as const,
  );
}

async function runCell(lab: Lab, cells: ReturnType<Page["locator"]>, index: number): Promise<void> {
  await cells.nth(index).locator(".jp-InputArea-prompt").click();
  await lab.command("notebook:run-cell");
}

const PY_TRAIN = (lr: number) =>
  [
    "%%track logreg --params lr,epochs --metrics accuracy,final_loss",
    "import labtrack",
    `lr = ${lr}`,
    "epochs = 12",
    "loss = 1.0",
    "for epoch in range(epochs):",
    "    loss = abs(loss * (1 - lr))",
    '    labtrack.log_metric("loss", loss, step=epoch)',
    "    if lr > 1 and epoch == 3:",
    '        raise ValueError(f"loss diverged at epoch {epoch}")',
    "accuracy = round(0.9 + lr / 4, 4)",
    "final_loss = loss",
  ].join("\n");

test("the first hour in Python: a tracked loop, re-runs, a failure, inline charts, the table and Compare", async ({
  lab,
}) => {
  test.setTimeout(360_000);
  // JupyterLab takes the "/" of `lr / 4` in the traceback's context lines for a file path and asks the
  // Jupyter server about it: the browser logs that 404. JupyterLab's, not Labtrack's.
  lab.allowConsole(/status of 404/);
  const experiment = `first-hour-${Date.now()}`;
  await createNotebook(lab.page, "first-hour.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    PY_TRAIN(0.1),
    "%track compare --metrics accuracy,final_loss",
    "%track compare --metrics loss",
  ]);
  const notebook = await openNotebook(lab, "first-hour.ipynb");
  const cells = notebook.locator(".jp-CodeCell");

  // The experiment: a cell of magics only, which shows that it ran.
  await runCell(lab, cells, 0);
  await expect(cells.nth(0).locator(".jp-OutputArea-output")).toContainText("tracks into experiment");
  await expect(cells.nth(0).locator(".jp-InputPrompt")).toHaveText(/^\[\d+\]:$/);

  // The loop, three times with other params, then once with a learning rate that diverges.
  const names = ["logreg", "logreg #2", "logreg #3", "logreg #4"];
  for (const [i, lr] of [0.1, 0.3, 0.05, 1.5].entries()) {
    if (i > 0) await editCell(lab.page, 1, PY_TRAIN(lr));
    await runCell(lab, cells, 1);
    await expect(cells.nth(1).locator(".jp-OutputArea-output").last()).toContainText(
      `Labtrack run "${names[i]}" ${lr > 1 ? "FAILED" : "FINISHED"}`,
      { timeout: 90_000 },
    );
  }
  const exp = await client().getExperimentByName(experiment);
  const { runs } = await client().searchRuns([exp!.experiment_id], {
    orderBy: ["attributes.start_time ASC"],
  });
  expect(runs.map((r) => [r.info.run_name, r.info.status])).toEqual([
    ["logreg", "FINISHED"],
    ["logreg #2", "FINISHED"],
    ["logreg #3", "FINISHED"],
    ["logreg #4", "FAILED"],
  ]);
  const ids = runs.map((r) => r.info.run_id);
  // Per-step values from the Python module are all on the server when the run ends…
  const history = await client().getMetricHistory(ids[0] as string, "loss");
  expect(history.map((m) => m.step)).toEqual([...Array(12).keys()]);
  // …and the failed run kept its params and the steps it had logged.
  const failed = runs[3]!;
  expect(Object.fromEntries((failed.data.params ?? []).map((p) => [p.key, p.value]))).toMatchObject({
    lr: "1.5",
    epochs: "12",
  });
  expect((await client().getMetricHistory(failed.info.run_id, "loss")).length).toBe(4);
  // accuracy and final_loss still hold logreg #3's values in the kernel: they are not the failed run's.
  expect((failed.data.metrics ?? []).map((m) => m.key)).toEqual(["loss"]);
  await expect(cells.nth(1).locator(".jp-OutputArea-output")).toContainText([
    /the cell stopped before setting accuracy, final_loss/,
  ]);

  // Inline charts, no --kind: one-value metrics as dots with their values, the loss as curves.
  await runCell(lab, cells, 2);
  await runCell(lab, cells, 3);
  for (const i of [2, 3])
    await expect(cells.nth(i).locator(".lt-LiveChart canvas")).toBeVisible({ timeout: 60_000 });
  const finals = await drawnMarks(lab.page, 2);
  expect(Object.keys(finals.dots).sort()).toEqual(ids.slice(0, 3).sort());
  for (const fills of Object.values(finals.dots)) expect(fills).toHaveLength(2);
  const curves = await drawnMarks(lab.page, 3);
  expect(Object.keys(curves.lines).sort()).toEqual([...ids].sort());
  // Legends name each run with the param that sets it apart (lr; epochs is the same everywhere).
  expect(finals.texts).toEqual(
    expect.arrayContaining(["logreg lr=0.1", "logreg #2 lr=0.3", "logreg #3 lr=0.05"]),
  );
  expect(curves.texts).toEqual(expect.arrayContaining(["logreg #4 lr=1.5"]));
  expect([...finals.texts, ...curves.texts].join(" ")).not.toMatch(/epochs=|[0-9a-f]{6}\)/);
  // A run has one colour in both charts; the runs have different ones.
  for (const id of ids.slice(0, 3)) expect(finals.dots[id]?.[0]).toBe(curves.lines[id]);
  expect(new Set(Object.values(curves.lines)).size).toBe(4);
  await cells.nth(2).scrollIntoViewIfNeeded();
  await lab.screenshot("first-hour-finals");
  await cells.nth(3).scrollIntoViewIfNeeded();
  await lab.screenshot("first-hour-curves");

  // The panel: rows tell the runs apart by lr; the failed one says why.
  await lab.openPanel();
  const panel = lab.page.locator("#labtrack-panel");
  await panel.getByRole("option", { name: experiment }).click();
  const rows = panel.locator(".lt-RunItem");
  await expect(rows.locator(".lt-RunItem-name")).toHaveText([
    "logreg #4",
    "logreg #3",
    "logreg #2",
    "logreg",
  ]);
  await expect(rows.locator(".lt-RunItem-params")).toHaveText(["lr=1.5", "lr=0.05", "lr=0.3", "lr=0.1"]);
  await expect(rows.nth(0).locator(".lt-RunItem-error")).toHaveText("ValueError: loss diverged at epoch 3");
  await lab.screenshot("first-hour-panel");

  // Run details of the failed run: its error in the header, its params, its cell's source.
  await rows.nth(0).click();
  const details = lab.page.locator(".lt-RunDetails:visible");
  await expect(details.locator(".lt-RunDetails-errorName")).toHaveText("ValueError");
  await expect(details.locator(".lt-RunDetails-errorMessage")).toHaveText("loss diverged at epoch 3");
  await expect(details).toContainText("1.5");
  await lab.screenshot("first-hour-failed-details");

  // The runs table: the Error column; two runs selected go to the notebook as a chart, by name.
  await lab.fire("labtrack:open-runs-table", {
    experimentId: exp!.experiment_id,
    experimentName: experiment,
  });
  const table = lab.page.locator(".lt-RunsTable:visible");
  const tableRows = table.locator(".lt-RunsTable-row:not(.lt-RunsTable-loadingRow)");
  await expect(tableRows).toHaveCount(4);
  await expect(table.locator("[role=columnheader]").filter({ hasText: "Error" })).toHaveCount(1);
  const toNotebook = lab.page.locator(".lt-RunsTable-compare:visible button").first();
  await expect(toNotebook).toBeDisabled();
  await tableRows.filter({ hasText: "logreg #2" }).getByRole("checkbox").check();
  await tableRows
    .filter({ hasText: /logreg(?! #)/ })
    .getByRole("checkbox")
    .check();
  await expect(toNotebook).toBeEnabled();
  await toNotebook.click();
  const inserted = notebook.locator(".jp-CodeCell").filter({ hasText: "%track compare 'logreg" });
  await expect(inserted.locator(".jp-InputArea")).not.toContainText(/[0-9a-f]{32}/);
  await expect(inserted.locator(".lt-LiveChart canvas")).toBeVisible({ timeout: 60_000 });

  // Compare of the same two runs: the diff of their cells is the lr line.
  await lab.fire("labtrack:compare-runs", { runIds: [ids[0], ids[1]] });
  const source = lab.page.locator(".lt-Compare:visible .lt-Compare-source");
  await expect(source.locator('.cm-line[data-op="removed"]')).toHaveText(["lr = 0.1"], { timeout: 30_000 });
  await expect(source.locator('.cm-line[data-op="added"]')).toHaveText(["lr = 0.3"]);
  await source.scrollIntoViewIfNeeded();
  await lab.screenshot("first-hour-compare-source");
});

const TS_TRAIN = (lr: number) =>
  [
    "%%track tsreg --params lr --metrics accuracy",
    'import { logMetric } from "labtrack";',
    `const lr = ${lr};`,
    "let loss = 1;",
    "for (let epoch = 0; epoch < 8; epoch++) {",
    "  loss = loss * (1 - lr);",
    '  logMetric("loss", loss, epoch);',
    "}",
    "const accuracy = 0.9 + lr / 4;",
  ].join("\n");

test("the first hour in TypeScript: re-runs named apart, per-step curves and final values inline", async ({
  lab,
}) => {
  test.setTimeout(300_000);
  const experiment = `first-hour-ts-${Date.now()}`;
  await createNotebook(lab.page, "first-hour-ts.ipynb", TYPESCRIPT, [
    `%track experiment ${experiment}`,
    TS_TRAIN(0.1),
    "%track compare --metrics loss,accuracy",
  ]);
  const notebook = await openNotebook(lab, "first-hour-ts.ipynb");
  const cells = notebook.locator(".jp-CodeCell");
  await runCell(lab, cells, 0);
  await expect(cells.nth(0).locator(".jp-OutputArea-output")).toContainText("tracks into experiment");
  for (const [i, lr] of [0.1, 0.2].entries()) {
    if (i > 0) await editCell(lab.page, 1, TS_TRAIN(lr));
    await runCell(lab, cells, 1);
    await expect(cells.nth(1).locator(".jp-OutputArea-output").last()).toContainText(
      `Labtrack run "${i === 0 ? "tsreg" : "tsreg #2"}" FINISHED`,
      { timeout: 120_000 },
    );
  }
  await runCell(lab, cells, 2);
  await expect(cells.nth(2).locator(".lt-LiveChart canvas")).toBeVisible({ timeout: 60_000 });
  const chart = await drawnMarks(lab.page, 2);
  expect(Object.keys(chart.lines)).toHaveLength(2);
  expect(Object.keys(chart.dots)).toHaveLength(2);
  expect(chart.texts).toEqual(expect.arrayContaining(["tsreg lr=0.1", "tsreg #2 lr=0.2"]));
  await cells.nth(2).scrollIntoViewIfNeeded();
  await lab.screenshot("first-hour-typescript");
});
