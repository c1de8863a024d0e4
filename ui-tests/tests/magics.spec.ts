// %track / %%track in real notebooks with real kernels, verified on the tracking server.
import { RestClient } from "../../lib/client/index.js";
import {
  closedUrl,
  createNotebook,
  expect,
  LAB,
  openNotebook,
  PYTHON,
  putSettings,
  TOKEN,
  TRACKING,
  TYPESCRIPT,
  test,
} from "../fixtures.js";

const client = () => new RestClient({ trackingUri: TRACKING() });

async function runsOf(experimentName: string) {
  const exp = await client().getExperimentByName(experimentName);
  if (!exp) return [];
  return (await client().searchRuns([exp.experiment_id], { orderBy: ["attributes.start_time ASC"] })).runs;
}

const tagsOf = (run: { data: { tags?: { key: string; value: string }[] } }) =>
  Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));

test("Python: a tracked cell logs params and metrics from variables; errors fail the run; %track runs lists them", async ({
  lab,
}) => {
  const experiment = `ui-magics-py-${Date.now()}`;
  await createNotebook(lab.page, "magics-python.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    '%%track first-run --params lr,optimizer --metrics acc --tags team=vision\nlr = 0.1\noptimizer = "adam"\nacc = 0.93\nprint("trained")',
    // Failed runs keep the variables they had; one never assigned is skipped without a note.
    '%%track broken --params lr,never\nlr = 0.5\nraise ValueError("bad input")',
  ]);
  const notebook = await openNotebook(lab, "magics-python.ipynb");
  await lab.command("notebook:run-all-cells");
  const cells = notebook.locator(".jp-CodeCell");
  await expect(cells.nth(0).locator(".jp-OutputArea-output")).toContainText(
    `tracks into experiment "${experiment}"`,
  );
  await expect(cells.nth(1).locator(".jp-OutputArea-output").first()).toHaveText("trained", {
    timeout: 60_000,
  });
  await expect(cells.nth(1).locator(".jp-OutputArea-output").last()).toContainText(
    'Labtrack run "first-run" FINISHED',
  );
  await expect(cells.nth(2).locator(".jp-OutputArea-output").first()).toContainText("ValueError", {
    timeout: 60_000,
  });
  await expect(cells.nth(2).locator(".jp-OutputArea-output").last()).toContainText(
    'Labtrack run "broken" FAILED',
  );
  // The user's traceback shows the user's code only.
  await expect(cells.nth(2).locator(".jp-OutputArea-output").first()).not.toContainText("labtrack");

  const runs = await runsOf(experiment);
  expect(runs.map((r) => [r.info.run_name, r.info.status])).toEqual([
    ["first-run", "FINISHED"],
    ["broken", "FAILED"],
  ]);
  const [first, broken] = runs;
  expect(Object.fromEntries((first!.data.params ?? []).map((p) => [p.key, p.value]))).toEqual({
    lr: "0.1",
    optimizer: "adam",
  });
  expect(first!.data.metrics?.map((m) => [m.key, m.value])).toEqual([["acc", 0.93]]);
  expect(tagsOf(first!)).toMatchObject({
    team: "vision",
    "mlflow.source.type": "NOTEBOOK",
    "labtrack.notebook.path": "magics-python.ipynb",
    "labtrack.cell.id": "cell-1",
    "labtrack.kernel.name": "python3",
  });
  expect(tagsOf(broken!)).toMatchObject({
    "labtrack.error.name": "ValueError",
    "labtrack.error.message": "bad input",
  });
  expect(Object.fromEntries((broken!.data.params ?? []).map((p) => [p.key, p.value]))).toEqual({ lr: "0.5" });
  await expect(cells.nth(2).locator(".jp-OutputArea")).not.toContainText("not defined");
  const artifacts = await client().listArtifacts(broken!.info.run_id, "error");
  expect(artifacts.files.map((f) => f.path)).toEqual(["error/traceback.txt"]);
  const source = await client().listArtifacts(first!.info.run_id, "cell");
  expect(source.files.map((f) => f.path)).toEqual(["cell/source.py"]);

  // Re-running the first cell makes a new run linked to the previous one, named apart from it.
  await cells.nth(1).click();
  await lab.command("notebook:run-cell");
  await expect(cells.nth(1).locator(".jp-OutputArea-output").last()).toContainText(
    'Labtrack run "first-run #2" FINISHED',
  );
  await expect.poll(async () => (await runsOf(experiment)).length).toBe(3);
  const again = (await runsOf(experiment))[2]!;
  expect(tagsOf(again)["labtrack.previous_run_id"]).toBe(first!.info.run_id);
  // Magic lines are marked in the editor; tracked cells carry a badge with their last run's status.
  await expect(cells.nth(1).locator(".lt-MagicLine")).toHaveCount(1);
  await expect(cells.nth(2).locator(".lt-CellBadge")).toHaveText("FAILED");
  const badge = cells.nth(1).locator(".lt-CellBadge");
  await expect(badge).toHaveText("FINISHED");
  await lab.screenshot("magics-python");
  // The badge opens the cell's history in the panel, its last run marked.
  await badge.click();
  const panel = lab.page.locator("#labtrack-panel");
  await expect(panel.locator(".lt-Chip")).toContainText("History of cell 2");
  await expect(panel.locator(".lt-RunItem")).toHaveCount(2);
  await expect(panel.locator(".lt-RunItem.lt-mod-highlighted")).toHaveAttribute(
    "data-run-id",
    again.info.run_id,
  );
  await lab.screenshot("magics-history");
});

test("Python: %track runs prints a table; a usage error stops the cell before the kernel sees it", async ({
  lab,
}) => {
  const experiment = `ui-magics-runs-${Date.now()}`;
  await createNotebook(lab.page, "magics-runs.ipynb", PYTHON, [
    `%track experiment ${experiment}\n%%track`,
    `%track experiment ${experiment}`,
    "%%track a --metrics loss\nimport os\nloss = 0.25\nprint('run', os.environ['MLFLOW_RUN_ID'])",
    "%track runs --max 5",
    "%track params\nx = 1",
    "import os\nprint('after', os.environ.get('MLFLOW_RUN_ID'))",
  ]);
  const notebook = await openNotebook(lab, "magics-runs.ipynb");
  const cells = notebook.locator(".jp-CodeCell");
  for (const i of [0, 1, 2, 3, 4]) {
    await cells.nth(i).click();
    await lab.command("notebook:run-cell");
    await expect(cells.nth(i).locator(".jp-OutputArea-output").first()).toBeVisible({ timeout: 60_000 });
  }
  await expect(cells.nth(0).locator(".jp-OutputArea-output")).toContainText("UsageError");
  await expect(cells.nth(0).locator(".jp-OutputArea-output")).toContainText("line 2");
  // Code in the tracked cell saw its own run in MLFLOW_RUN_ID.
  const seen = (await cells.nth(2).locator(".jp-OutputArea-output").first().textContent())
    ?.replace("run ", "")
    .trim();
  expect(seen).toMatch(/^[0-9a-f]{32}$/);
  await expect(cells.nth(2).locator(".jp-OutputArea-output").last()).toContainText(`(${seen})`);
  await expect(cells.nth(3).locator(".jp-OutputArea-output")).toContainText(`Runs of "${experiment}"`);
  await expect(cells.nth(3).locator(".jp-OutputArea-output")).toContainText("metrics.loss");
  await expect(cells.nth(3).locator(".jp-OutputArea-output")).toContainText("0.25");
  await expect(cells.nth(4).locator(".jp-OutputArea-output")).toContainText("UsageError");
  // The usage error stopped the cell: x was never assigned in the kernel.
  await cells.nth(5).click();
  await lab.page.keyboard.press("Escape");
  await lab.command("notebook:run-cell");
  // …and the tracked cell's MLFLOW_RUN_ID did not outlive it.
  await expect(cells.nth(5).locator(".jp-OutputArea-output")).toHaveText("after None", { timeout: 30_000 });
  await lab.screenshot("magics-runs");
});

test("re-runs are numbered, failed runs keep their params and show their error in the panel and the runs table; magic-only cells get a count", async ({
  lab,
}) => {
  const experiment = `ui-rerun-${Date.now()}`;

  await createNotebook(lab.page, "reruns.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    // Each execution takes the next lr: three runs of one cell, one param differing.
    '%%track logreg --params lr,C --metrics acc\nn = globals().get("n", -1) + 1\nlr = [0.1, 0.03, 0.01][n]\nC = 3\nacc = 0.8 + n / 10',
    // (Not 1 / 0: JupyterLab takes the "/" in the traceback for a path and asks this server to resolve it.)
    "%%track logreg --params lr,C\nlr = 0.5\nC = 3\n[][1]",
  ]);
  const notebook = await openNotebook(lab, "reruns.ipynb");
  const cells = notebook.locator(".jp-CodeCell");
  await cells.nth(0).click();
  await lab.command("notebook:run-cell");
  await expect(cells.nth(0).locator(".jp-OutputArea-output")).toContainText("tracks into experiment");
  // A cell of magics only shows that it ran, with a count from the kernel like any other cell.
  await expect(cells.nth(0).locator(".jp-InputPrompt")).toHaveText(/^\[\d+\]:$/);
  const magicCount = Number((await cells.nth(0).locator(".jp-InputPrompt").textContent())?.match(/\d+/)?.[0]);
  for (const n of [1, 2, 3]) {
    await cells.nth(1).click();
    await lab.command("notebook:run-cell");
    await expect(cells.nth(1).locator(".jp-OutputArea-output").last()).toContainText(
      `Labtrack run "${n === 1 ? "logreg" : `logreg #${n}`}" FINISHED`,
      { timeout: 60_000 },
    );
    // The code's count follows the magic cell's: the kernel counted that one too.
    await expect(cells.nth(1).locator(".jp-InputPrompt")).toHaveText(`[${magicCount + n}]:`);
  }
  await cells.nth(2).click();
  await lab.command("notebook:run-cell");
  await expect(cells.nth(2).locator(".jp-OutputArea-output").last()).toContainText(
    'Labtrack run "logreg #4" FAILED',
    { timeout: 60_000 },
  );
  const runs = await runsOf(experiment);
  expect(runs.map((r) => [r.info.run_name, tagsOf(r)["labtrack.run_base_name"], r.info.status])).toEqual([
    ["logreg", "logreg", "FINISHED"],
    ["logreg #2", "logreg", "FINISHED"],
    ["logreg #3", "logreg", "FINISHED"],
    ["logreg #4", "logreg", "FAILED"],
  ]);
  const failed = runs[3]!;
  expect(Object.fromEntries((failed.data.params ?? []).map((p) => [p.key, p.value]))).toEqual({
    lr: "0.5",
    C: "3",
  });
  expect(tagsOf(failed)).toMatchObject({
    "labtrack.error.name": "IndexError",
    "labtrack.error.message": "list index out of range",
  });

  // The panel: each row names the params that set it apart; the failed one says why it failed.
  await lab.openPanel();
  const panel = lab.page.locator("#labtrack-panel");
  await panel.getByRole("option", { name: experiment }).click();
  const rows = panel.locator(".lt-RunItem");
  await expect(rows).toHaveCount(4);
  await expect(rows.locator(".lt-RunItem-name")).toHaveText([
    "logreg #4",
    "logreg #3",
    "logreg #2",
    "logreg",
  ]);
  await expect(rows.nth(0).locator(".lt-RunItem-error")).toHaveText("IndexError: list index out of range");
  await expect(rows.nth(0).locator(".lt-RunItem-error")).toHaveAttribute(
    "title",
    "IndexError: list index out of range",
  );
  await expect(rows.locator(".lt-RunItem-params")).toHaveText(["lr=0.5", "lr=0.01", "lr=0.03", "lr=0.1"]);
  await expect(rows.nth(1).locator(".lt-RunItem-error")).toHaveCount(0);
  await lab.screenshot("panel-reruns-failed");

  // The runs table: an Error column next to the status, since a run failed.
  await panel.getByRole("button", { name: "Table", exact: true }).click();
  const table = lab.page.locator(".lt-RunsTable");
  const header = table.locator("[role=columnheader]");
  await expect(header.filter({ hasText: "Error" })).toHaveCount(1);
  const labels = (await header.allTextContents()).map((t) => t.trim());
  expect(labels[labels.findIndex((t) => t.startsWith("Status")) + 1]).toMatch(/^Error/);
  const failedRow = table.locator(".lt-RunsTable-row", { hasText: "logreg #4" });
  await expect(failedRow.locator(".lt-RunsTable-errorCell")).toHaveText(
    "IndexError: list index out of range",
  );
  await lab.screenshot("runs-table-error-column");
});

test("Python: the run ends after what the labtrack module queued is on the server; what it could not send is said once, the status kept", async ({
  lab,
}) => {
  const experiment = `ui-flush-${Date.now()}`;
  // The module's message names the "/log-batch" endpoint: JupyterLab links path-like text in outputs
  // and asks the server to resolve it (404 here).
  lab.allowConsole(/status of 404/);
  const loop =
    'import labtrack\nlabtrack.log_param("lr", 0.1)\nlabtrack.flush()\nlabtrack.log_param("lr", 0.2)\nfor i in range(300): labtrack.log_metric("loss", 0.99 ** i, step=i)';
  await createNotebook(lab.page, "flush.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    `%%track fine\n${loop}`,
    `%%track raised\n${loop}\nraise ValueError("late")`,
  ]);
  const notebook = await openNotebook(lab, "flush.ipynb");
  await lab.command("notebook:run-all-cells");
  const cells = notebook.locator(".jp-CodeCell");
  for (const [i, ended] of [
    [1, 'Labtrack run "fine" FINISHED'],
    [2, 'Labtrack run "raised" FAILED'],
  ] as const) {
    const output = cells.nth(i).locator(".jp-OutputArea");
    await expect(output).toContainText(ended, { timeout: 60_000 });
    await expect(output).toContainText("labtrack: some values logged from Python could not be sent:");
    await expect(output).toContainText("Changing param values is not allowed");
    expect((await output.textContent())?.match(/could not be sent/g)).toHaveLength(1);
  }
  await lab.screenshot("magics-flush");
  const runs = await runsOf(experiment);
  expect(runs.map((r) => [r.info.run_name, r.info.status])).toEqual([
    ["fine", "FINISHED"],
    ["raised", "FAILED"],
  ]);
  // Every point of the loop was on the server when the run ended.
  for (const run of runs) {
    const history = await client().getMetricHistory(run.info.run_id, "loss");
    expect(history).toHaveLength(300);
    expect(Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]))).toEqual({ lr: "0.1" });
  }
});

test("TypeScript: code in a tracked cell logs per-epoch metrics into the cell's run", async ({ lab }) => {
  const experiment = `ui-magics-ts-${Date.now()}`;
  await createNotebook(lab.page, "magics-typescript.ipynb", TYPESCRIPT, [
    `%track experiment ${experiment}`,
    '%%track ts-cell --metrics acc --params epochs\nimport { logMetric } from "labtrack";\nconst epochs = 5;\nfor (let i = 0; i < epochs; i++) logMetric("loss", 1 / (i + 1), i);\nconst acc = 0.9;',
  ]);
  const notebook = await openNotebook(lab, "magics-typescript.ipynb");
  await lab.command("notebook:run-all-cells");
  const cells = notebook.locator(".jp-CodeCell");
  await expect(cells.nth(1).locator(".jp-OutputArea-output").last()).toContainText(
    'Labtrack run "ts-cell" FINISHED',
    {
      timeout: 90_000,
    },
  );
  // The magic-only cell got its count from tslab too (its lines sent as // comments).
  await expect(cells.nth(0).locator(".jp-InputPrompt")).toHaveText(/^\[\d+\]:$/);
  const [run] = await runsOf(experiment);
  expect(run?.info.status).toBe("FINISHED");
  expect(Object.fromEntries((run!.data.params ?? []).map((p) => [p.key, p.value]))).toEqual({ epochs: "5" });
  expect(run!.data.metrics?.find((m) => m.key === "acc")?.value).toBe(0.9);
  const history = await client().getMetricHistory(run!.info.run_id, "loss");
  expect(history.map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
  expect(tagsOf(run!)["labtrack.kernel.name"]).toBe("tslab");
  await lab.screenshot("magics-typescript");
});

test("%track compare draws metric curves and bars inline, saved with a static SVG", async ({ lab }) => {
  const experiment = `ui-compare-${Date.now()}`;
  const c = client();
  const experimentId = await c.createExperiment(experiment);
  for (const [i, lr] of [0.1, 0.03, 0.01].entries()) {
    const run = await c.createRun({ experimentId, runName: `lr=${lr}` });
    await c.logBatch(run.info.run_id, {
      params: [{ key: "lr", value: String(lr) }],
      metrics: Array.from({ length: 30 }, (_, step) => [
        { key: "loss", value: 1 / (1 + step * (i + 1) * 0.2), timestamp: Date.now() + step, step },
        {
          key: "acc",
          value: 0.5 + 0.4 * (1 - 1 / (1 + step * (i + 1) * 0.1)),
          timestamp: Date.now() + step,
          step,
        },
      ]).flat(),
    });
    await c.updateRun(run.info.run_id, { status: "FINISHED", endTime: Date.now() });
  }
  await createNotebook(lab.page, "compare.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    "%track compare --metrics loss,acc",
    "%track compare --metrics acc --kind bar",
  ]);
  const notebook = await openNotebook(lab, "compare.ipynb");
  await lab.command("notebook:run-all-cells");
  const cells = notebook.locator(".jp-CodeCell");
  await expect(
    cells.nth(1).locator(".jp-OutputArea-output svg, .jp-OutputArea-output canvas").first(),
  ).toBeVisible({
    timeout: 60_000,
  });
  await expect(
    cells.nth(2).locator(".jp-OutputArea-output svg, .jp-OutputArea-output canvas").first(),
  ).toBeVisible({
    timeout: 60_000,
  });
  await lab.screenshot("compare");
  // Charts follow the theme, saved ones included.
  await lab.command("apputils:change-theme", { theme: "JupyterLab Dark" });
  await expect(lab.page.locator("#jupyterlab-splash")).toHaveCount(0);
  await expect(cells.nth(1).locator(".lt-LiveChart canvas")).toBeVisible();
  await lab.page.waitForTimeout(500);
  await lab.screenshot("compare-dark");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Light" });
  await lab.command("docmanager:save");
  await expect
    .poll(async () => {
      const r = await lab.page.request.get(`${LAB()}/api/contents/compare.ipynb?content=1`, {
        headers: { authorization: `token ${TOKEN()}` },
      });
      const nb = (await r.json()) as {
        content: { cells: { outputs: { data?: Record<string, unknown> }[] }[] };
      };
      return Object.keys(nb.content.cells[1]?.outputs[0]?.data ?? {}).sort();
    })
    // JupyterLab's Vega renderer adds an image/png of what it drew.
    .toEqual(expect.arrayContaining(["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]));

  // Reopened with the tracking server gone, the notebook still shows the chart from its saved data.
  lab.allowConsole(/Failed to load resource: the server responded with a status of 50[24]/);
  await putSettings(lab.page, { trackingUri: await closedUrl() });
  try {
    await lab.open("compare.ipynb");
    await expect(lab.page.locator(".lt-StatusItem")).toHaveAttribute("data-state", "error");
    const reopened = lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell");
    await expect(reopened.nth(1).locator(".lt-LiveChart canvas")).toBeVisible({ timeout: 30_000 });
    await expect(reopened.nth(2).locator(".lt-LiveChart canvas")).toBeVisible();
    await lab.screenshot("compare-reopened-offline");
  } finally {
    await putSettings(lab.page, {});
  }
});

test("an interrupted tracked cell ends KILLED, and so does one whose kernel restarts", async ({ lab }) => {
  const experiment = `ui-killed-${Date.now()}`;
  await createNotebook(lab.page, "killed.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    "%%track interrupted --params lr --metrics best\nimport time\nlr = 0.1\nbest = 0.5\nfor _ in range(600): time.sleep(0.1)",
    "%%track restarted\nimport time\nfor _ in range(600): time.sleep(0.1)",
  ]);
  const notebook = await openNotebook(lab, "killed.ipynb");
  const cells = notebook.locator(".jp-CodeCell");
  await cells.nth(0).click();
  await lab.command("notebook:run-cell");
  await expect(cells.nth(0).locator(".jp-OutputArea-output")).toContainText("tracks into experiment");

  await cells.nth(1).click();
  await lab.page.keyboard.press("Escape");
  await lab.fire("notebook:run-cell");
  await expect
    .poll(async () => (await runsOf(experiment)).map((r) => r.info.status), { timeout: 30_000 })
    .toEqual(["RUNNING"]);
  // Interrupt once the kernel is running the code (an interrupt before it starts is a no-op).
  await expect(
    lab.page.locator(".jp-Notebook-ExecutionIndicator[data-status='busy']").first(),
  ).toBeAttached();
  await lab.page.waitForTimeout(500);
  await lab.command("kernelmenu:interrupt");
  await expect(cells.nth(1).locator(".jp-OutputArea-output").last()).toContainText(
    'Labtrack run "interrupted" KILLED',
    {
      timeout: 30_000,
    },
  );
  // The interrupted run keeps what the code had assigned.
  const [interrupted] = await runsOf(experiment);
  expect(Object.fromEntries((interrupted!.data.params ?? []).map((p) => [p.key, p.value]))).toEqual({
    lr: "0.1",
  });
  expect(interrupted!.data.metrics?.map((m) => [m.key, m.value])).toEqual([["best", 0.5]]);
  expect(tagsOf(interrupted!)["labtrack.error.name"]).toBe("KeyboardInterrupt");

  await cells.nth(2).click();
  await lab.page.keyboard.press("Escape");
  await lab.fire("notebook:run-cell");
  await expect
    .poll(async () => (await runsOf(experiment)).map((r) => r.info.status), { timeout: 30_000 })
    .toEqual(["KILLED", "RUNNING"]);
  await expect(
    lab.page.locator(".jp-Notebook-ExecutionIndicator[data-status='busy']").first(),
  ).toBeAttached();
  await lab.page.waitForTimeout(500);
  await lab.page.evaluate(() =>
    (window as any).jupyterapp.shell.currentWidget.sessionContext.restartKernel(),
  );
  await expect
    .poll(async () => (await runsOf(experiment)).map((r) => r.info.status), { timeout: 30_000 })
    .toEqual(["KILLED", "KILLED"]);
  const restarted = (await runsOf(experiment))[1]!;
  expect(tagsOf(restarted)["labtrack.killed_reason"]).toMatch(/restarted|died/);
});

test("a compare chart follows a running run live, then keeps its final data", async ({ lab }) => {
  const experiment = `ui-live-chart-${Date.now()}`;
  const c = client();
  const experimentId = await c.createExperiment(experiment);
  const run = await c.createRun({ experimentId, runName: "training" });
  const log = (from: number, to: number) =>
    c.logBatch(run.info.run_id, {
      metrics: Array.from({ length: to - from }, (_, i) => ({
        key: "loss",
        value: 1 / (from + i + 1),
        timestamp: Date.now(),
        step: from + i,
      })),
    });
  await log(0, 5);
  await putSettings(lab.page, { refreshInterval: 1 });
  try {
    await createNotebook(lab.page, "live.ipynb", PYTHON, [
      `%track experiment ${experiment}`,
      "%track compare --metrics loss",
    ]);
    await lab.open("live.ipynb");
    const notebook = lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)");
    await expect(
      lab.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first(),
    ).toBeAttached({
      timeout: 60_000,
    });
    await lab.command("notebook:run-all-cells");
    const chart = notebook.locator(".lt-LiveChart");
    await expect(chart).toHaveAttribute("data-live", "true", { timeout: 30_000 });
    await expect(chart.locator("canvas")).toBeVisible();
    const stepsShown = async () => {
      const r = await lab.page.evaluate(() => {
        const cells = (window as any).jupyterapp.shell.currentWidget.content.model.cells;
        const outputs = cells.get(1).outputs;
        const bundle = outputs.get(0).data;
        return JSON.stringify(bundle["application/vnd.vegalite.v5+json"]);
      });
      return r;
    };
    await log(5, 40);
    await c.updateRun(run.info.run_id, { status: "FINISHED", endTime: Date.now() });
    // Once the run has ended the chart stops following it and its output holds the final data.
    await expect(chart).toHaveAttribute("data-live", "false", { timeout: 30_000 });
    await expect.poll(stepsShown, { timeout: 30_000 }).toContain("39");
    await lab.screenshot("live-chart");
  } finally {
    await putSettings(lab.page, {});
  }
});

test("runs selected in the runs table become a %track compare cell in the notebook; scatter and parallel charts render", async ({
  lab,
}) => {
  const experiment = `ui-table-compare-${Date.now()}`;
  const c = client();
  const experimentId = await c.createExperiment(experiment);
  for (const [i, lr] of [0.1, 0.03, 0.01].entries()) {
    const run = await c.createRun({ experimentId, runName: `lr=${lr}` });
    await c.logBatch(run.info.run_id, {
      params: [{ key: "lr", value: String(lr) }],
      metrics: Array.from({ length: 10 }, (_, step) => ({
        key: "loss",
        value: 1 / (1 + step * (i + 1)),
        timestamp: Date.now() + step,
        step,
      })),
    });
    await c.updateRun(run.info.run_id, { status: "FINISHED", endTime: Date.now() });
  }
  await createNotebook(lab.page, "table-compare.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    "%track compare --params lr --metrics loss --kind scatter",
    "%track compare --params lr --metrics loss --kind parallel",
  ]);
  const notebook = await openNotebook(lab, "table-compare.ipynb");
  await lab.command("notebook:run-all-cells");
  const cells = notebook.locator(".jp-CodeCell");
  await expect(cells.nth(1).locator(".lt-LiveChart canvas")).toBeVisible({ timeout: 60_000 });
  await expect(cells.nth(2).locator(".lt-LiveChart canvas")).toBeVisible({ timeout: 60_000 });
  await lab.screenshot("compare-scatter-parallel");

  await lab.fire("labtrack:open-runs-table", { experimentId, experimentName: experiment });
  const table = lab.page.locator(".lt-RunsTable");
  const rows = table.locator(".lt-RunsTable-row:not(.lt-RunsTable-loadingRow)");
  await expect(rows).toHaveCount(3);
  await rows.nth(0).getByRole("checkbox").check();
  await rows.nth(1).getByRole("checkbox").check();
  await lab.page.locator(".lt-RunsTable-compare").click();
  // The notebook gets the cell, runs it, and shows the chart of exactly those two runs.
  const inserted = notebook.locator(".jp-CodeCell").filter({ hasText: /%track compare 'lr=/ });
  await expect(inserted.locator(".jp-InputArea")).toContainText("%track compare");
  await expect(inserted.locator(".jp-InputArea")).toContainText("--metrics loss");
  await expect(inserted.locator(".lt-LiveChart canvas")).toBeVisible({ timeout: 60_000 });
  // …of exactly the two selected runs.
  await expect
    .poll(() =>
      lab.page.evaluate(() => {
        const cells = (window as any).jupyterapp.shell.currentWidget.content.model.cells;
        for (let i = 0; i < cells.length; i++) {
          const cell = cells.get(i);
          if (!/^%track compare 'lr=/.test(cell.sharedModel.getSource())) continue;
          const data = cell.outputs.length ? cell.outputs.get(0).data : {};
          return data["application/vnd.labtrack.chart+json"]?.query.runIds.length ?? null;
        }
        return null;
      }),
    )
    .toBe(2);
});

test("Track This Cell: the cell toolbar's button makes a code cell a %%track cell, whose run gets a badge", async ({
  lab,
}) => {
  const experiment = `ui-track-button-${Date.now()}`;
  await createNotebook(lab.page, "track-button.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    'acc = 0.5\nprint("plain so far")',
  ]);
  const notebook = await openNotebook(lab, "track-button.ipynb");
  const cells = notebook.locator(".jp-CodeCell");
  await cells.nth(0).locator(".jp-InputArea-prompt").click();
  await lab.command("notebook:run-cell");
  await cells.nth(1).locator(".jp-InputArea-prompt").click();
  const button = cells.nth(1).locator('.jp-cell-toolbar [data-command="labtrack:track-cell"]');
  await expect(button).toBeVisible();
  await button.click();
  const source = () =>
    lab.page.evaluate(() =>
      (window as any).jupyterapp.shell.currentWidget.content.model.cells.get(1).sharedModel.getSource(),
    );
  await expect.poll(source).toBe('%%track\nacc = 0.5\nprint("plain so far")');
  // A second click leaves a tracked cell as it is.
  await button.click();
  await expect.poll(source).toBe('%%track\nacc = 0.5\nprint("plain so far")');
  await lab.command("notebook:run-cell");
  await expect(cells.nth(1).locator(".lt-CellBadge")).toHaveText("FINISHED");
  await expect.poll(async () => (await runsOf(experiment)).map((r) => r.info.status)).toEqual(["FINISHED"]);
  await lab.screenshot("magics-track-button");
});
