// The run details view: every section with data logged through the REST API (params, metrics with
// long histories, tags, a markdown note, artifacts of each preview kind uploaded through the
// mlflow-artifacts API), edits reaching the server, "Go to cell", restore after reload, user data that
// tries to run script, a run that does not exist, and both themes.
import { crc32, deflateSync } from "node:zlib";
import { RestClient } from "../../lib/client/index.js";
import { createNotebook, expect, type Lab, PYTHON, TRACKING, test } from "../fixtures.js";

const XSS_IMG = `<img src=x onerror="window.__xss=1">`;
const XSS_SCRIPT = `<script>window.__xss=1</script>`;

/** A small RGB PNG (a gradient), built by hand so the test needs no image files. */
function png(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      raw.set([(x * 255) / width, (y * 255) / height, 160], y * (width * 3 + 1) + 1 + x * 3);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return new Uint8Array(
    Buffer.concat([
      signature,
      chunk("IHDR", header),
      chunk("IDAT", deflateSync(raw)),
      chunk("IEND", Buffer.alloc(0)),
    ]),
  );
}

const VEGA_LITE = {
  $schema: "https://vega.github.io/schema/vega-lite/v5.json",
  data: {
    values: [
      { c: "a", n: 3 },
      { c: "b", n: 7 },
      { c: "c", n: 5 },
    ],
  },
  mark: "bar",
  encoding: { x: { field: "c", type: "nominal" }, y: { field: "n", type: "quantitative" } },
};

interface Seeded {
  client: RestClient;
  runId: string;
  parentId: string;
}

async function upload(client: RestClient, runId: string, files: Record<string, string | Uint8Array>) {
  const uri = (await client.getRun(runId)).info.artifact_uri ?? "";
  for (const [path, body] of Object.entries(files))
    await client.uploadArtifact(RestClient.proxyPath(uri, path) as string, body);
}

async function seed(notebook: string): Promise<Seeded> {
  const client = new RestClient({ trackingUri: TRACKING() });
  const experimentId = await client.createExperiment(`ui-details-${Date.now()}`);
  const parent = await client.createRun({ experimentId, runName: "sweep" });
  const run = await client.createRun({
    experimentId,
    runName: "resnet-small",
    startTime: Date.now() - 3_723_000,
    tags: {
      "mlflow.user": "ada",
      "mlflow.source.name": notebook,
      "mlflow.source.git.commit": "3f2a9c1d5e7b8a0f4c6d2e1b9a8f7c6d5e4b3a21",
      "mlflow.parentRunId": parent.info.run_id,
      "labtrack.notebook.path": notebook,
      "labtrack.cell.id": "cell-1",
      "mlflow.note.content":
        "# Findings\nThe **small** model converges by step 1,500.\n\n- lr 0.01 is best\n- batch 64",
      team: "vision",
      dataset: "cifar10",
    },
  });
  const runId = run.info.run_id;
  const params = Array.from({ length: 14 }, (_, i) => ({
    key: `layer_${i}_width`,
    value: String(64 * (i + 1)),
  }));
  params.push({ key: "lr", value: "0.01" }, { key: "optimizer", value: "adam" });
  await client.logBatch(runId, { params });
  const t0 = Date.now() - 3_000_000;
  for (let start = 0; start < 3000; start += 500)
    await client.logBatch(runId, {
      metrics: Array.from({ length: 500 }, (_, k) => {
        const i = start + k;
        return [
          {
            key: "loss",
            value: 2 * Math.exp(-i / 600) + 0.05 * Math.sin(i / 20),
            timestamp: t0 + i * 1000,
            step: i,
          },
          { key: "accuracy", value: 1 - Math.exp(-i / 500), timestamp: t0 + i * 1000, step: i },
        ];
      }).flat(),
    });
  await client.logMetric(runId, "test_accuracy", 0.913, { step: 0 });
  await client.updateRun(runId, { status: "FINISHED", endTime: Date.now() });
  await upload(client, runId, {
    "plots/loss.png": png(160, 90),
    "plots/chart.vl.json": JSON.stringify(VEGA_LITE),
    "report.html": "<h1>Report</h1><p>All <b>good</b>.</p>",
    "config.json": '{"lr":0.01,"layers":[64,128],"nested":{"ok":true}}',
    "config.yaml": "model:   resnet\nlayers:\n    - 64\n    - 128\n",
    "metrics.csv": 'epoch,loss,comment\n1,0.9,"warm, up"\n2,0.5,"said ""ok"""\n',
    "logs/train.log": "epoch 1 done\nepoch 2 done\n",
    "model/MLmodel": "flavors:\n  python_function: {}\n",
  });
  return { client, runId, parentId: parent.info.run_id };
}

const view = (lab: Lab) => lab.page.locator(".lt-RunDetails:visible");
const section = (lab: Lab, name: string) => view(lab).locator(`[data-section="${name}"]`);
const treeItem = (lab: Lab, path: string) =>
  section(lab, "artifacts").locator(`[role="treeitem"][data-path="${path}"] > .lt-RunDetails-treeLabel`);
const preview = (lab: Lab) => section(lab, "artifacts").locator(".lt-RunDetails-previewBody");

const toBottom = (lab: Lab) =>
  view(lab).evaluate((n) => {
    n.scrollTop = n.scrollHeight;
  });

const tagsOf = async (client: RestClient, runId: string) =>
  Object.fromEntries(((await client.getRun(runId)).data.tags ?? []).map((t) => [t.key, t.value]));

test("run details: every section, previews, edits that reach the server, go to cell, restore, themes", async ({
  lab,
}) => {
  test.setTimeout(180_000);
  const notebook = "details.ipynb";
  const { client, runId, parentId } = await seed(notebook);
  await lab.open();
  await createNotebook(lab.page, notebook, PYTHON, [
    "print('first')",
    "x = 2  # the run's cell",
    "print('last')",
  ]);
  await lab.command("docmanager:open", { path: notebook });
  await expect(lab.page.locator(".jp-NotebookPanel .jp-Cell")).toHaveCount(3);
  await lab.command("labtrack:open-run", { runId });

  // Header.
  await expect(view(lab).locator(".lt-RunDetails-name")).toHaveText("resnet-small");
  await expect(view(lab).locator(".lt-RunDetails-status")).toHaveText("FINISHED");
  await expect(lab.page.locator(`.lm-TabBar-tab[data-id="labtrack-run-details-${runId}"]`)).toContainText(
    "Run: resnet-small",
  );
  const facts = view(lab).locator(".lt-RunDetails-facts");
  await expect(facts).toContainText("1 h 2 min");
  await expect(facts).toContainText(notebook);
  await expect(facts).toContainText("3f2a9c1d5e7b");
  await expect(facts).toContainText(runId);

  // Params: filterable when many.
  const params = section(lab, "params");
  await expect(params.locator("tbody tr")).toHaveCount(16);
  await params.locator("input[type=search]").fill("optim");
  await expect(params.locator("tbody tr")).toHaveCount(1);
  await expect(params.locator("tbody tr")).toContainText("adam");
  await params.locator("input[type=search]").fill("");

  // Metrics: latest values and sparklines; a name opens the full history.
  const metrics = section(lab, "metrics");
  await expect(metrics.locator("tbody tr")).toHaveCount(3);
  await expect(metrics.locator('tr[data-metric="accuracy"] .lt-RunDetails-number').first()).toHaveText(
    "0.9975",
  );
  await expect(metrics.locator('tr[data-metric="loss"] svg path')).toHaveAttribute("d", /^M1,/);
  await metrics.getByRole("button", { name: "loss", exact: true }).click();
  await expect(metrics.locator(".lt-RunDetails-metricChart canvas")).toBeVisible();
  await lab.screenshot("run-details-top");

  // Tags: the user's editable, the system's behind a toggle.
  const tags = section(lab, "tags");
  await expect(tags.locator("tbody tr[data-tag]")).toHaveCount(2);
  await expect(tags.locator(".lt-RunDetails-systemTags")).not.toHaveAttribute("open");
  await tags.locator(".lt-RunDetails-systemTags summary").click();
  await expect(tags.locator(".lt-RunDetails-systemTags")).toContainText("labtrack.cell.id");

  // Note: markdown, rendered.
  const note = section(lab, "note");
  await expect(note.locator(".lt-RunDetails-markdown h1")).toHaveText("Findings");
  await expect(note.locator(".lt-RunDetails-markdown strong")).toHaveText("small");

  // Artifacts: the tree, then each preview kind.
  await expect(treeItem(lab, "plots")).toBeVisible();
  await treeItem(lab, "plots").click();
  await treeItem(lab, "plots/loss.png").click();
  await expect(preview(lab).locator("img")).toHaveJSProperty("naturalWidth", 160);
  await toBottom(lab);
  await lab.screenshot("run-details");

  await treeItem(lab, "plots/chart.vl.json").click();
  await expect(preview(lab).locator("canvas")).toBeVisible();
  await toBottom(lab);
  await lab.screenshot("run-details-vega");
  await treeItem(lab, "config.json").click();
  await expect(preview(lab).locator("pre")).toContainText('"nested": {\n    "ok": true');
  await treeItem(lab, "config.yaml").click();
  await expect(preview(lab).locator("pre")).toContainText("model: resnet\nlayers:\n  - 64");
  await treeItem(lab, "metrics.csv").click();
  await expect(preview(lab).locator("tbody tr")).toHaveCount(2);
  await expect(preview(lab).locator("tbody tr").nth(1).locator("td").nth(2)).toHaveText('said "ok"');
  await toBottom(lab);
  await lab.screenshot("run-details-csv");
  await treeItem(lab, "report.html").click();
  const frame = preview(lab).locator("iframe");
  await expect(frame).toHaveAttribute("sandbox", "");
  await expect(lab.page.frameLocator(".lt-RunDetails-preview iframe").locator("h1")).toHaveText("Report");

  // Keyboard: the tree takes arrows and Enter.
  await treeItem(lab, "report.html").click();
  await lab.page.keyboard.press("ArrowUp");
  await lab.page.keyboard.press("Enter");
  await expect(section(lab, "artifacts").locator(".lt-RunDetails-previewName")).toHaveText("metrics.csv");
  // Downloads: every file has the button, and the bytes come through.
  const download = lab.page.waitForEvent("download");
  await preview(lab).locator("..").getByRole("button", { name: "Download" }).click();
  expect((await download).suggestedFilename()).toBe("metrics.csv");

  // Edits reach the server.
  await tags.getByRole("button", { name: "Edit tag team" }).click();
  await tags.getByLabel("Value of tag team").fill("vision-2");
  await tags.getByRole("button", { name: "Save" }).click();
  await expect(tags.locator('tr[data-tag="team"]')).toContainText("vision-2");
  await tags.getByLabel("New tag name").fill("stage");
  await tags.getByLabel("New tag value").fill("candidate");
  await tags.getByRole("button", { name: "Add tag" }).click();
  await expect(tags.locator('tr[data-tag="stage"]')).toContainText("candidate");
  await tags.getByRole("button", { name: "Delete tag dataset" }).click();
  await expect(tags.locator('tr[data-tag="dataset"]')).toHaveCount(0);
  await note.getByRole("button", { name: "Edit note" }).click();
  await note.getByLabel("Note (markdown)").fill("## Revised\nNow *with* emphasis.");
  await note.getByRole("button", { name: "Save note" }).click();
  await expect(note.locator(".lt-RunDetails-markdown h2")).toHaveText("Revised");
  const saved = await tagsOf(client, runId);
  expect(saved.team).toBe("vision-2");
  expect(saved.stage).toBe("candidate");
  expect(saved.dataset).toBeUndefined();
  expect(saved["mlflow.note.content"]).toBe("## Revised\nNow *with* emphasis.");

  // Dark theme.
  await lab.command("apputils:change-theme", { theme: "JupyterLab Dark" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
  await expect(metrics.locator(".lt-RunDetails-metricChart canvas")).toBeVisible();
  await lab.page.waitForTimeout(500);
  await lab.screenshot("run-details-dark");
  await treeItem(lab, "plots/loss.png").click();
  await toBottom(lab);
  await lab.screenshot("run-details-dark-artifacts");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Light" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "true");

  // Go to cell: the notebook is open, so the button is there and lands on cell-1.
  await view(lab).getByRole("button", { name: "Go to cell" }).click();
  const panel = lab.page.locator(".jp-NotebookPanel:visible");
  await expect(panel).toBeVisible();
  await expect(panel.locator(".jp-Cell.jp-mod-active")).toContainText("x = 2");

  // The parent link opens the parent's details; opening a run again activates its view.
  await lab.command("labtrack:open-run", { runId });
  await view(lab).getByRole("button", { name: parentId }).click();
  await expect(view(lab).locator(".lt-RunDetails-name")).toHaveText("sweep");
  await lab.command("labtrack:open-run", { runId });
  await expect(view(lab).locator(".lt-RunDetails-name")).toHaveText("resnet-small");
  await expect(lab.page.locator(`.lm-TabBar-tab[data-id="labtrack-run-details-${runId}"]`)).toHaveCount(1);

  // Restored after a reload.
  await lab.page.goto(lab.page.url().replace(/([?&])reset&?/, "$1"));
  await lab.page.waitForSelector("body[data-labtrack-restored]", { state: "attached", timeout: 60_000 });
  await expect(lab.page.locator(`.lm-TabBar-tab[data-id="labtrack-run-details-${runId}"]`)).toHaveCount(1);
  await lab.command("labtrack:open-run", { runId });
  await expect(view(lab).locator(".lt-RunDetails-name")).toHaveText("resnet-small");
});

test("run details: user data never runs as HTML", async ({ lab }) => {
  // The sanitized note keeps <img src=x> without its handler: the browser logs the 404 of "x".
  lab.allowConsole(/status of 404/);
  // Chromium's own report that the sandbox did its job.
  lab.allowConsole(/Blocked script execution in 'about:srcdoc'/);
  const client = new RestClient({ trackingUri: TRACKING() });
  const experimentId = await client.createExperiment(`ui-details-xss-${Date.now()}`);
  const run = await client.createRun({
    experimentId,
    runName: XSS_IMG,
    tags: {
      "mlflow.note.content": `# Note ${XSS_IMG}\n${XSS_SCRIPT}\n[link](javascript:window.__xss=1)`,
      "xss.tag": XSS_SCRIPT,
      "xss.img": XSS_IMG,
    },
  });
  const runId = run.info.run_id;
  // A real image on a real server, outside the Lab: what a tracking pixel would be.
  await upload(client, runId, { "pixel.png": png(4, 4) });
  const pixelUrl = `${TRACKING()}/api/2.0/mlflow-artifacts/artifacts/${RestClient.proxyPath(run.info.artifact_uri ?? "", "pixel.png")}`;
  expect((await fetch(pixelUrl)).status).toBe(200);
  await client.logParam(runId, "xss", XSS_SCRIPT);
  await client.logMetric(runId, "xss", 1);
  await upload(client, runId, {
    "evil.html": `<h1>Evil</h1>${XSS_IMG}${XSS_SCRIPT}<script>parent.__xss=1</script><img class="pixel" src="${pixelUrl}">`,
    [`${"x".repeat(3)}<img src=x onerror=window.__xss=1>.txt`]: XSS_SCRIPT,
    "notes.txt": XSS_SCRIPT,
    "evil.svg": `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1"><script>window.__xss=1</script><rect width="10" height="10"/></svg>`,
  });
  // A remote image in an HTML artifact (a tracking pixel) is never fetched. (Chromium may still report
  // the request it blocked, as failed: only finished ones count.)
  const pixels: string[] = [];
  lab.page.on("requestfinished", (r) => {
    if (r.url().includes("/pixel.png")) pixels.push(r.url());
  });
  lab.allowConsole(/Content Security Policy/);
  await lab.open();
  await lab.command("labtrack:open-run", { runId });
  await expect(view(lab).locator(".lt-RunDetails-name")).toHaveText(XSS_IMG);
  await expect(section(lab, "params").locator("tbody tr td")).toHaveText(XSS_SCRIPT);
  await expect(section(lab, "tags").locator('tr[data-tag="xss.tag"] td').first()).toHaveText(XSS_SCRIPT);
  await expect(section(lab, "tags").locator('tr[data-tag="xss.img"] td').first()).toHaveText(XSS_IMG);
  const markdown = section(lab, "note").locator(".lt-RunDetails-markdown");
  await expect(markdown.locator("h1")).toContainText("Note");
  await expect(markdown.locator("script")).toHaveCount(0);
  await expect(markdown.locator("[onerror]")).toHaveCount(0);
  await treeItem(lab, "evil.html").click();
  await expect(preview(lab).locator("iframe")).toHaveAttribute("sandbox", "");
  await expect(lab.page.frameLocator(".lt-RunDetails-preview iframe").locator("h1")).toHaveText("Evil");
  const pixel = lab.page.frameLocator(".lt-RunDetails-preview iframe").locator("img.pixel");
  await lab.page.waitForTimeout(500);
  expect(await pixel.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth])).toEqual([
    true,
    0,
  ]);
  await treeItem(lab, "evil.svg").click();
  await expect(preview(lab).locator("img")).toBeVisible();
  const weird = section(lab, "artifacts")
    .locator('[role="treeitem"][data-kind="file"]')
    .filter({ hasText: "<img" });
  await expect(weird).toContainText("xxx<img src=x onerror=window.__xss=1>.txt");
  // Its name goes through the Jupyter proxy as it is, and its content shows as text.
  await weird.click();
  await expect(preview(lab).locator("pre")).toHaveText(XSS_SCRIPT);
  await treeItem(lab, "notes.txt").click();
  await expect(preview(lab).locator("pre")).toHaveText(XSS_SCRIPT);
  await lab.page.waitForTimeout(500);
  expect(await lab.page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(await lab.page.locator(".lt-RunDetails [onerror], .lt-RunDetails script").count()).toBe(0);
  expect(pixels).toEqual([]);
  await lab.screenshot("run-details-xss");

  // The run is RUNNING: the view follows it at the refresh interval, and sees it end.
  await client.logMetric(runId, "late", 0.5, { step: 7 });
  await expect(section(lab, "metrics").locator('tr[data-metric="late"]')).toContainText("0.5");
  await client.updateRun(runId, { status: "KILLED", endTime: Date.now() });
  await expect(view(lab).locator(".lt-RunDetails-status")).toHaveText("KILLED");
});

test("run details: a run that does not exist is a message in the view", async ({ lab }) => {
  // The browser logs the 404 of runs/get; the view says what happened.
  lab.allowConsole(/status of 404/);
  await lab.open();
  await lab.command("labtrack:open-run", { runId: "f".repeat(32) });
  await expect(view(lab).locator(".lt-RunDetails-problem")).toContainText("has no run");
  await expect(view(lab).getByRole("button", { name: "Retry" })).toBeVisible();
  await lab.screenshot("run-details-missing");

  // From the palette, without a run id: the command asks for one.
  await lab.fire("labtrack:open-run");
  const dialog = lab.page.locator(".jp-Dialog");
  await dialog.locator("input").fill("e".repeat(32));
  await dialog.locator("input").press("Enter");
  await expect(
    lab.page.locator(`.lm-TabBar-tab[data-id="labtrack-run-details-${"e".repeat(32)}"]`),
  ).toBeVisible();
  await expect(view(lab).locator(".lt-RunDetails-problem")).toContainText("has no run");
});

const tabsTitled = (lab: Lab, title: string) =>
  lab.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab").filter({
    has: lab.page.locator(".lm-TabBar-tabLabel", { hasText: new RegExp(`^${title}$`) }),
  });

test("run details: a failed tracked cell's error in the header, its traceback, its highlighted source; one tab per run", async ({
  lab,
}) => {
  test.setTimeout(180_000);
  const experiment = `ui-details-failed-${Date.now()}`;
  const notebook = "details-failed.ipynb";
  // A long message: the header clamps it and offers to show all of it.
  const cell = `%%track broken --params lr\nlr = 0.5\nraise ValueError("bad input: " + "<img src=x onerror=window.__xss=1> " * 30 + "END")`;
  await createNotebook(lab.page, notebook, PYTHON, [`%track experiment ${experiment}`, cell]);
  await lab.open(notebook);
  await expect(lab.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first()).toBeAttached({
    timeout: 60_000,
  });
  await lab.command("notebook:run-all-cells");
  const badge = lab.page.locator(".jp-NotebookPanel:visible .jp-CodeCell").nth(1).locator(".lt-CellBadge");
  await expect(badge).toHaveText("FAILED", { timeout: 60_000 });

  // From the panel's run row, a real click.
  await badge.click();
  const panel = lab.page.locator("#labtrack-panel");
  const row = panel.locator(".lt-RunItem", { hasText: "broken" });
  await expect(row).toHaveCount(1);
  await row.click();
  const header = view(lab).locator(".lt-RunDetails-header");
  await expect(header.locator(".lt-RunDetails-status")).toHaveText("FAILED");
  const error = header.locator(".lt-RunDetails-error");
  await expect(error.locator(".lt-RunDetails-errorName")).toHaveText("ValueError");
  const message = error.locator(".lt-RunDetails-errorMessage");
  await expect(message).toContainText("bad input: <img src=x onerror=window.__xss=1>");
  await expect(message.locator("img")).toHaveCount(0);
  // Clamped: the end is cut until "Show all".
  // Polled: on a busy machine the header may be measured before the message is laid out.
  await expect.poll(() => message.evaluate((n) => n.scrollHeight > n.clientHeight + 1)).toBe(true);
  const showAll = error.getByRole("button", { name: "Show all" });
  await expect(showAll).toBeVisible();
  // In the theme's error colour.
  const [nameColor, errorColor] = await error.locator(".lt-RunDetails-errorName").evaluate((n) => {
    const probe = document.createElement("span");
    probe.style.color = "var(--jp-error-color1)";
    document.body.append(probe);
    const want = getComputedStyle(probe).color;
    probe.remove();
    return [getComputedStyle(n).color, want];
  });
  expect(nameColor).toBe(errorColor);
  await lab.screenshot("run-details-failed");
  await showAll.click();
  await expect(error.getByRole("button", { name: "Show less" })).toBeVisible();
  await expect.poll(() => message.evaluate((n) => n.scrollHeight <= n.clientHeight + 1)).toBe(true);
  await lab.screenshot("run-details-failed-expanded");

  // The traceback: opened in the artifacts' preview.
  await error.getByRole("button", { name: "Show traceback" }).click();
  await expect(section(lab, "artifacts").locator(".lt-RunDetails-previewName")).toHaveText(
    "error/traceback.txt",
  );
  await expect(preview(lab).locator("pre")).toContainText("ValueError");

  // The cell's source, highlighted by JupyterLab's CodeMirror: token spans inside its lines.
  const source = section(lab, "source");
  await expect(source.locator(".cm-content")).toContainText("raise ValueError");
  await expect(source.locator(".cm-line")).toHaveCount(3);
  await expect(source.locator(".cm-content")).toHaveAttribute("aria-label", "Source of the run's cell");
  expect(await source.locator(".cm-line span[class]").count()).toBeGreaterThan(3);
  const keyword = source.locator(".cm-line span", { hasText: /^raise$/ });
  const keywordColor = await keyword.evaluate((n) => getComputedStyle(n).color);
  const plainColor = await source.locator(".cm-content").evaluate((n) => getComputedStyle(n).color);
  expect(keywordColor).not.toBe(plainColor);
  await source.scrollIntoViewIfNeeded();
  await lab.screenshot("run-details-source");

  // One tab per run: the panel row again, the runs table's row, the command.
  const title = "Run: broken";
  await expect(tabsTitled(lab, title)).toHaveCount(1);
  await lab.page.locator(".jp-NotebookPanel-tab, .lm-TabBar-tab", { hasText: notebook }).first().click();
  await row.click();
  await expect(view(lab).locator(".lt-RunDetails-name")).toHaveText("broken");
  await expect(tabsTitled(lab, title)).toHaveCount(1);
  const experimentId = (await new RestClient({ trackingUri: TRACKING() }).getExperimentByName(experiment))
    ?.experiment_id as string;
  await lab.fire("labtrack:open-runs-table", { experimentId, experimentName: experiment });
  const tableRow = lab.page.locator(".lt-RunsTable:visible .lt-RunsTable-row[data-run-id]").first();
  await expect(tableRow).toBeVisible();
  const runId = (await tableRow.getAttribute("data-run-id")) as string;
  await tableRow.locator(".lt-RunsTable-cell").nth(1).dblclick();
  await expect(view(lab).locator(".lt-RunDetails-name")).toHaveText("broken");
  await expect(tabsTitled(lab, title)).toHaveCount(1);
  await lab.command("labtrack:open-run", { runId });
  await lab.command("labtrack:open-run", { runId: ` ${runId} ` });
  await expect(tabsTitled(lab, title)).toHaveCount(1);

  // Dark theme.
  await lab.command("apputils:change-theme", { theme: "JupyterLab Dark" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
  await view(lab).evaluate((n) => {
    n.scrollTop = 0;
  });
  await lab.page.waitForTimeout(500);
  await lab.screenshot("run-details-failed-dark");
  await source.scrollIntoViewIfNeeded();
  await lab.screenshot("run-details-source-dark");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Light" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "true");
});
