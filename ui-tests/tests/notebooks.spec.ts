// The demo notebooks, run cell by cell in the real kernels (ipykernel and tslab), log runs that the
// panel then shows.
import { RestClient } from "../../lib/client/index.js";
import { expect, type Lab, TRACKING, test } from "../fixtures.js";

async function runNotebook(lab: Lab, file: string, kernelLabel: RegExp) {
  await lab.open(file);
  const notebook = lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)");
  await expect(
    notebook.locator(".jp-Notebook-ExecutionIndicator, .jp-Toolbar-kernelName").first(),
  ).toBeVisible();
  await expect(lab.page.locator(".jp-Toolbar-kernelName").first()).toHaveText(kernelLabel);
  // Wait for the kernel to be idle before running everything.
  await expect(lab.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first()).toBeAttached({
    timeout: 60_000,
  });
  await lab.command("notebook:run-all-cells");
  // Every code cell has run once it shows an execution count ("[*]" while it runs or waits).
  const prompts = notebook.locator(".jp-CodeCell .jp-InputArea-prompt");
  const count = await prompts.count();
  for (let i = 0; i < count; i++) await expect(prompts.nth(i)).toHaveText(/\[\d+\]/, { timeout: 90_000 });
  await expect(
    notebook.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"),
  ).toHaveCount(0);
  return notebook;
}

async function accuracyLines(notebook: ReturnType<Lab["page"]["locator"]>): Promise<string[]> {
  const text = (await notebook.locator(".jp-OutputArea-output").allTextContents()).join("\n");
  return text.match(/^run \w{32}: test accuracy [\d.]+$/gm) ?? [];
}

test("the Python demo notebook runs in ipykernel and its runs appear in the panel", async ({ lab }) => {
  const notebook = await runNotebook(lab, "iris-python.ipynb", /Python 3/);
  expect(await accuracyLines(notebook)).toHaveLength(3);
  await lab.openPanel();
  const panel = lab.page.locator("#labtrack-panel");
  await panel.getByRole("option", { name: "iris-demo" }).click();
  await expect(panel.locator(".lt-RunItem-name")).toContainText([
    "C=1.0",
    "C=0.01",
    "Iris Logistic Regression",
  ]);
  await expect(panel.locator(".lt-RunItem").first().locator(".lt-RunItem-metrics")).toContainText("accuracy");
  await lab.screenshot("notebook-python");

  // On the server: what `import labtrack` logged per epoch from the tracked cell's loop, its artifact,
  // and what the magic logged after the cell.
  const client = new RestClient({ trackingUri: TRACKING() });
  const runId = await panel.locator(".lt-RunItem").nth(2).getAttribute("data-run-id");
  const run = await client.getRun(runId as string);
  expect(run.info.run_name).toBe("Iris Logistic Regression");
  expect(Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]))).toEqual({
    C: "0.1",
    lr: "0.05",
    epochs: "20",
  });
  const epochs = Array.from({ length: 20 }, (_, i) => i);
  for (const key of ["loss", "val_accuracy"]) {
    const history = await client.getMetricHistory(run.info.run_id, key);
    expect(history.map((p) => p.step)).toEqual(epochs);
  }
  const loss = await client.getMetricHistory(run.info.run_id, "loss");
  expect(loss.at(-1)?.value).toBeLessThan(loss[0]?.value ?? 0);
  expect((run.data.metrics ?? []).find((m) => m.key === "accuracy")?.value).toBeGreaterThan(0.5);
  const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
  expect(tags.dataset).toBe("iris");
  const artifacts = await client.listArtifacts(run.info.run_id, "model");
  expect(artifacts.files.map((f) => f.path)).toEqual(["model/weights.json"]);
});

test("the TypeScript demo notebook runs in tslab with the labtrack client", async ({ lab }) => {
  const notebook = await runNotebook(lab, "iris-typescript.ipynb", /TypeScript/);
  expect(await accuracyLines(notebook)).toHaveLength(1);
  await lab.openPanel();
  const panel = lab.page.locator("#labtrack-panel");
  await panel.getByRole("option", { name: "iris-demo" }).click();
  await expect(panel.locator(".lt-RunItem-name").first()).toHaveText("ts C=0.1");
  await expect(panel.locator(".lt-RunItem").first().locator(".lt-Status")).toHaveText("FINISHED");
  await lab.screenshot("notebook-typescript");

  // On the server: the params, the whole loss history, the tags of a notebook run, the artifact.
  const client = new RestClient({ trackingUri: TRACKING() });
  const runId = await panel.locator(".lt-RunItem").first().getAttribute("data-run-id");
  const run = await client.getRun(runId as string);
  expect(Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]))).toEqual({
    C: "0.1",
    lr: "0.05",
    epochs: "20",
  });
  const loss = await client.getMetricHistory(run.info.run_id, "loss");
  expect(loss.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
  expect(tags["mlflow.source.type"]).toBe("NOTEBOOK");
  expect(tags["mlflow.runName"]).toBe("ts C=0.1");
  const artifacts = await client.listArtifacts(run.info.run_id, "model");
  expect(artifacts.files.map((f) => f.path)).toEqual(["model/weights.json"]);
});
