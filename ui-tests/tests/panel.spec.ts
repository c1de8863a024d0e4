// The sidebar panel and status bar against runs logged through the REST API.
import { RestClient } from "../../lib/client/index.js";
import { createNotebook, expect, type Lab, openNotebook, PYTHON, TRACKING, test } from "../fixtures.js";

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

// ------------------------------------------------------------------ experiments: edits and navigation

const panelOf = (lab: Lab) => lab.page.locator("#labtrack-panel");
const option = (lab: Lab, name: string) =>
  panelOf(lab).locator(".lt-ExperimentList-item", {
    has: lab.page.locator(".lt-ExperimentList-name", { hasText: new RegExp(`^${escapeRe(name)}$`) }),
  });
const dialog = (lab: Lab) => lab.page.locator(".jp-Dialog");
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Records the commands the page executes (stubbing those other views register, when absent). */
async function recordCommands(lab: Lab, stubs: readonly string[]): Promise<void> {
  await lab.page.evaluate((ids) => {
    const w = window as any;
    const commands = w.jupyterapp.commands;
    w.__executed = [];
    commands.commandExecuted.connect((_: unknown, e: { id: string; args: unknown }) =>
      w.__executed.push({ id: e.id, args: e.args }),
    );
    for (const id of ids) if (!commands.hasCommand(id)) commands.addCommand(id, { execute: () => undefined });
  }, stubs);
}

const executed = (lab: Lab, id: string) =>
  lab.page.evaluate(
    (i) => ((window as any).__executed as { id: string; args: unknown }[]).filter((e) => e.id === i),
    id,
  );

test("experiments: create (a duplicate name is refused in the dialog), rename, delete and restore", async ({
  lab,
}) => {
  const name = `ui-exp-${Date.now()}`;
  // The browser logs the server's refusal of the duplicate name as a failed request.
  lab.allowConsole(/status of 400/);
  await lab.open();
  await lab.openPanel();
  const panel = panelOf(lab);

  await panel.getByRole("button", { name: "New experiment" }).click();
  await dialog(lab).getByRole("textbox", { name: "Name" }).fill(name);
  await dialog(lab).getByRole("button", { name: "Create" }).click();
  await expect(dialog(lab)).toHaveCount(0);
  await expect(option(lab, name)).toHaveAttribute("aria-selected", "true");
  await expect(panel.locator(".lt-RunList-title")).toHaveText(`Runs of ${name}`);

  // The same name again: the dialog comes back with the server's answer and the name kept.
  await lab.fire("labtrack:new-experiment");
  await dialog(lab).getByRole("textbox", { name: "Name" }).fill(name);
  await dialog(lab).getByRole("textbox", { name: "Name" }).press("Enter");
  await expect(dialog(lab).getByRole("alert")).toContainText("already exists");
  await expect(panel.locator(".lt-Panel-actionError")).toHaveCount(0);
  await expect(dialog(lab).getByRole("textbox", { name: "Name" })).toHaveValue(name);
  await lab.screenshot("experiments-duplicate-name");
  await dialog(lab).getByRole("button", { name: "Cancel" }).click();
  await expect(panel.locator(".lt-Panel-actionError")).toHaveCount(0);

  // Rename from the context menu.
  await option(lab, name).click({ button: "right" });
  const menu = lab.page.locator(".lm-Menu");
  await expect(menu.getByRole("menuitem")).toHaveText([
    "Open Runs Table",
    "Rename…",
    "Delete",
    "Copy Experiment ID",
    "Shift+Right Click for Browser Menu",
  ]);
  await lab.screenshot("experiments-context-menu");
  await menu.getByRole("menuitem", { name: "Rename…" }).click();
  const field = dialog(lab).getByRole("textbox", { name: "New name" });
  await expect(field).toHaveValue(name);
  await field.fill(`${name}-renamed`);
  await dialog(lab).getByRole("button", { name: "Rename" }).click();
  await expect(option(lab, `${name}-renamed`)).toHaveAttribute("aria-selected", "true");
  await expect(option(lab, name)).toHaveCount(0);

  // Copy Experiment ID puts the id on the clipboard (read back from the copy event).
  await lab.page.evaluate(() =>
    window.addEventListener("copy", (e) => {
      (window as any).__copied = e.clipboardData?.getData("text/plain");
    }),
  );
  await option(lab, `${name}-renamed`).click({ button: "right" });
  await menu.getByRole("menuitem", { name: "Copy Experiment ID" }).click();
  const created = await new RestClient({ trackingUri: TRACKING() }).getExperimentByName(`${name}-renamed`);
  await expect.poll(() => lab.page.evaluate(() => (window as any).__copied)).toBe(created?.experiment_id);

  // Delete from the context menu, confirmed; then "Show deleted" lists it with Restore.
  await option(lab, `${name}-renamed`).click({ button: "right" });
  await menu.getByRole("menuitem", { name: "Delete" }).click();
  await expect(dialog(lab)).toContainText(`Delete the experiment "${name}-renamed"`);
  await lab.screenshot("experiments-delete-confirm");
  await dialog(lab).getByRole("button", { name: "Delete" }).click();
  await expect(option(lab, `${name}-renamed`)).toHaveCount(0);
  await panel.getByRole("checkbox", { name: "Show deleted" }).check();
  const deleted = panel.locator(".lt-DeletedList-item", { hasText: `${name}-renamed` });
  await expect(deleted).toBeVisible();
  await deleted.click({ button: "right" });
  await expect(menu.getByRole("menuitem")).toHaveText([
    "Restore",
    "Copy Experiment ID",
    "Shift+Right Click for Browser Menu",
  ]);
  await lab.page.keyboard.press("Escape");
  await lab.screenshot("experiments-deleted");
  await deleted.getByRole("button", { name: `Restore ${name}-renamed` }).click();
  await expect(deleted).toHaveCount(0);
  await expect(option(lab, `${name}-renamed`)).toBeVisible();
  const restored = await new RestClient({ trackingUri: TRACKING() }).getExperimentByName(`${name}-renamed`);
  expect(restored?.lifecycle_stage).toBe("active");
});

test("experiment tags: add, edit, delete; the filter finds experiments by tag", async ({ lab }) => {
  const client = new RestClient({ trackingUri: TRACKING() });
  const name = `ui-tags-${Date.now()}`;
  const id = await client.createExperiment(name, { tags: { owner: "ada" } });
  await lab.open();
  await lab.openPanel();
  const panel = panelOf(lab);
  await option(lab, name).click();
  const tags = panel.locator(".lt-TagList-item");
  await expect(tags).toHaveText([/owner\s*ada/]);

  await panel.getByRole("button", { name: "Add tag" }).click();
  await dialog(lab).getByRole("textbox", { name: "Key" }).fill("team");
  await dialog(lab).getByRole("textbox", { name: "Value" }).fill("vision-unique-42");
  await dialog(lab).getByRole("button", { name: "Save" }).click();
  await expect(tags).toHaveCount(2);
  await expect(panel.locator(".lt-TagList-item[data-key='team'] .lt-TagList-value")).toHaveText(
    "vision-unique-42",
  );

  await panel.getByRole("button", { name: "Edit tag owner" }).click();
  await expect(dialog(lab).getByRole("textbox", { name: "Value" })).toHaveValue("ada");
  await dialog(lab).getByRole("textbox", { name: "Value" }).fill("grace");
  await dialog(lab).getByRole("button", { name: "Save" }).click();
  await expect(panel.locator(".lt-TagList-item[data-key='owner'] .lt-TagList-value")).toHaveText("grace");
  await lab.screenshot("experiments-tags");

  await panel.getByRole("searchbox", { name: "Filter experiments" }).fill("vision-unique-42");
  await expect(panel.getByRole("option")).toHaveCount(1);
  await expect(option(lab, name)).toBeVisible();
  await panel.getByRole("searchbox", { name: "Filter experiments" }).fill("");

  await panel.getByRole("button", { name: "Delete tag owner" }).click();
  await expect(tags).toHaveCount(1);
  const onServer = await client.getExperiment(id);
  expect(Object.fromEntries((onServer.tags ?? []).map((t) => [t.key, t.value]))).toEqual({
    team: "vision-unique-42",
  });
});

test("experiments: keyboard navigation, runs open their view, the model registry button", async ({ lab }) => {
  const client = new RestClient({ trackingUri: TRACKING() });
  const stem = `ui-keys-${Date.now()}`;
  const ids: string[] = [];
  for (const n of ["a", "b", "c"]) ids.push(await client.createExperiment(`${stem}-${n}`));
  const run = await client.createRun({ experimentId: ids[1] as string, runName: "keyboard-run" });
  await lab.open();
  // The launcher opens a moment after the page and takes the keyboard focus: let it come first.
  await expect(lab.page.locator(".jp-Launcher")).toBeVisible();
  await recordCommands(lab, ["labtrack:open-run", "labtrack:open-models"]);
  await lab.openPanel();
  const panel = panelOf(lab);
  await panel.getByRole("searchbox", { name: "Filter experiments" }).fill(stem);
  await expect(panel.getByRole("option")).toHaveCount(3);
  await option(lab, `${stem}-a`).click();
  await expect(option(lab, `${stem}-a`)).toBeFocused();
  await expect(option(lab, `${stem}-a`)).toHaveAttribute("tabindex", "0");
  await expect(option(lab, `${stem}-b`)).toHaveAttribute("tabindex", "-1");

  await lab.page.keyboard.press("ArrowDown");
  await expect(option(lab, `${stem}-b`)).toHaveAttribute("aria-selected", "true");
  await expect(option(lab, `${stem}-b`)).toBeFocused();
  await expect(panel.locator(".lt-RunItem-name")).toHaveText(["keyboard-run"]);
  await lab.page.keyboard.press("End");
  await expect(option(lab, `${stem}-c`)).toBeFocused();
  await lab.page.keyboard.press("ArrowDown");
  await expect(option(lab, `${stem}-c`)).toHaveAttribute("aria-selected", "true");
  await lab.page.keyboard.press("ArrowUp");
  await expect(option(lab, `${stem}-b`)).toBeFocused();
  await expect(panel.locator(".lt-RunItem-name")).toHaveText(["keyboard-run"]);
  await lab.screenshot("experiments-keyboard");

  // F2 renames, Delete asks first (cancelled here), Enter opens the runs table.
  await lab.page.keyboard.press("F2");
  await expect(dialog(lab).getByRole("textbox", { name: "New name" })).toHaveValue(`${stem}-b`);
  await dialog(lab).getByRole("button", { name: "Cancel" }).click();
  await expect(option(lab, `${stem}-b`)).toBeFocused();
  await lab.page.keyboard.press("Delete");
  await expect(dialog(lab)).toContainText(`Delete the experiment "${stem}-b"`);
  await dialog(lab).getByRole("button", { name: "Cancel" }).click();
  await expect(option(lab, `${stem}-b`)).toBeFocused();
  await lab.page.keyboard.press("Enter");
  await expect(lab.page.locator(".lt-RunsTable")).toBeVisible();
  expect(await executed(lab, "labtrack:open-runs-table")).toEqual([
    { id: "labtrack:open-runs-table", args: { experimentId: ids[1], experimentName: `${stem}-b` } },
  ]);

  await panel.locator(".lt-RunItem", { hasText: "keyboard-run" }).click();
  expect(await executed(lab, "labtrack:open-run")).toEqual([
    { id: "labtrack:open-run", args: { runId: run.info.run_id } },
  ]);
  await panel.getByRole("button", { name: "Model registry" }).click();
  expect(await executed(lab, "labtrack:open-models")).toHaveLength(1);

  // The palette has the experiment commands; Restore from there lists the deleted experiments.
  await lab.command("apputils:activate-command-palette");
  await lab.page.locator(".lm-CommandPalette-input").fill("experiment");
  const items = lab.page.locator(".lm-CommandPalette-item:visible .lm-CommandPalette-itemLabel");
  await expect(items.filter({ hasText: /^New Experiment…$/ })).toHaveCount(1);
  await expect(items.filter({ hasText: /^Rename Experiment…$/ })).toHaveCount(1);
  await expect(items.filter({ hasText: /^Delete Experiment$/ })).toHaveCount(1);
  await expect(items.filter({ hasText: /^Copy Experiment ID$/ })).toHaveCount(1);
  await lab.screenshot("experiments-palette");
  await lab.page.keyboard.press("Escape");
  await lab.command("labtrack:restore-experiment");
  await expect(panel.getByRole("checkbox", { name: "Show deleted" })).toBeChecked();
});

test("the current notebook's experiment is marked, following %track experiment and notebook switches", async ({
  lab,
}) => {
  const stem = `ui-current-${Date.now()}`;
  await createNotebook(lab.page, "current-a.ipynb", PYTHON, [`%track experiment ${stem}-a`]);
  await createNotebook(lab.page, "current-b.ipynb", PYTHON, [`%track experiment ${stem}-b`]);
  const notebook = await openNotebook(lab, "current-a.ipynb");
  await lab.command("notebook:run-all-cells");
  await expect(notebook.locator(".jp-OutputArea-output")).toContainText(`tracks into experiment "${stem}-a"`);
  await lab.openPanel();
  const panel = panelOf(lab);
  const current = panel.locator(".lt-ExperimentList-item.lt-mod-current");
  await expect(current.locator(".lt-ExperimentList-name")).toHaveText(`${stem}-a`);
  await expect(current.locator(".lt-ExperimentList-current")).toHaveText("current");

  await lab.command("docmanager:open", { path: "current-b.ipynb" });
  await expect(current).toHaveCount(0);
  await expect(lab.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").last()).toBeAttached({
    timeout: 60_000,
  });
  await lab.command("notebook:run-all-cells");
  await expect(current.locator(".lt-ExperimentList-name")).toHaveText(`${stem}-b`);
  await lab.screenshot("experiments-current");

  await lab.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", { hasText: "current-a.ipynb" }).click();
  await expect(current.locator(".lt-ExperimentList-name")).toHaveText(`${stem}-a`);
  await lab.command("apputils:change-theme", { theme: "JupyterLab Dark" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
  await expect(lab.page.locator("#jupyterlab-splash")).toHaveCount(0);
  await lab.screenshot("experiments-current-dark");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Light" });
  // Shut both kernels down: the machine running the tests is small.
  for (const left of [1, 0]) {
    await lab.fire("notebook:close-and-shutdown");
    await dialog(lab).getByRole("button", { name: "Ok" }).click();
    await expect(lab.page.locator(".jp-NotebookPanel")).toHaveCount(left);
  }
});

test("experiment names and tags are shown as text in the list, tags, dialogs and deleted list", async ({
  lab,
}) => {
  const client = new RestClient({ trackingUri: TRACKING() });
  const evil = `<img src=x onerror="window.__xss=1">`;
  const name = `${evil}${Date.now()}`;
  const id = await client.createExperiment(name, { tags: { "html/img": evil } });
  const gone = await client.createExperiment(`${name}-deleted`);
  await client.deleteExperiment(gone);
  await lab.open();
  await lab.openPanel();
  const panel = panelOf(lab);
  await option(lab, name).click();
  await expect(panel.locator(".lt-TagList-key")).toHaveText("html/img");
  await expect(panel.locator(".lt-TagList-value")).toHaveText(evil);
  await panel.getByRole("checkbox", { name: "Show deleted" }).check();
  await expect(panel.locator(".lt-DeletedList-name", { hasText: `${name}-deleted` })).toBeVisible();
  await lab.fire("labtrack:rename-experiment", { experimentId: id });
  await expect(dialog(lab).getByRole("textbox", { name: "New name" })).toHaveValue(name);
  await dialog(lab).getByRole("button", { name: "Cancel" }).click();
  await lab.fire("labtrack:delete-experiment", { experimentId: id });
  await expect(dialog(lab)).toContainText(name);
  await lab.screenshot("experiments-xss");
  await dialog(lab).getByRole("button", { name: "Cancel" }).click();
  await expect(lab.page.locator("#labtrack-panel img, .jp-Dialog img")).toHaveCount(0);
  expect(await lab.page.evaluate(() => (window as any).__xss)).toBeUndefined();
});

test("experiments panel in the dark theme: current mark, tags, deleted list", async ({ lab }) => {
  const client = new RestClient({ trackingUri: TRACKING() });
  const name = `ui-dark-${Date.now()}`;
  const id = await client.createExperiment(name, { tags: { team: "vision", owner: "ada" } });
  await client.createRun({ experimentId: id, runName: "dark-run" });
  const gone = await client.createExperiment(`${name}-old`);
  await client.deleteExperiment(gone);
  await lab.open();
  await lab.openPanel();
  const panel = panelOf(lab);
  await option(lab, name).click();
  await panel.getByRole("checkbox", { name: "Show deleted" }).check();
  await expect(panel.locator(".lt-DeletedList-item", { hasText: `${name}-old` })).toBeVisible();
  await lab.screenshot("experiments-light");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Dark" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
  await expect(lab.page.locator("#jupyterlab-splash")).toHaveCount(0);
  await lab.screenshot("experiments-dark");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Light" });
});
