// What users see when the tracking server cannot be used: unreachable, not a tracking server, a
// settings value that is not a URI. Settings are written through JupyterLab's settings REST API, as the
// settings editor writes them.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createNotebook,
  expect,
  LAB,
  type Lab,
  openNotebook,
  PYTHON,
  putSettings,
  TOKEN,
  test,
} from "../fixtures.js";

const setSettings = (lab: Lab, values: Record<string, unknown>) => putSettings(lab.page, values);

let html: Server;
let htmlUrl: string;
let closedUrl: string;

test.beforeAll(async () => {
  html = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>Intranet</title><h1>Welcome</h1>");
  });
  await new Promise<void>((done) => html.listen(0, "127.0.0.1", done));
  htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
  closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  closed.close();
});

test.afterAll(() => html?.close());

test.afterEach(async ({ lab }) => {
  await setSettings(lab, {});
});

test("an unreachable tracking server: the status bar and the panel say so, and Retry recovers", async ({
  lab,
}) => {
  lab.allowConsole(/Failed to load resource: the server responded with a status of 50[24]/);
  await lab.open();
  await setSettings(lab, { trackingUri: closedUrl });
  await lab.open();
  const status = lab.page.locator(".lt-StatusItem");
  await expect(status).toHaveAttribute("data-state", "error");
  await expect(status).toHaveText(`Labtrack: ${new URL(closedUrl).host} — unreachable`);
  await expect(status).toHaveAttribute("title", /could not reach the tracking server.*refused/i);
  await lab.openPanel();
  const alert = lab.page.locator("#labtrack-panel [role=alert]");
  await expect(alert).toContainText("Cannot load experiments: unreachable");
  await expect(alert).toContainText(new URL(closedUrl).host);
  await lab.screenshot("error-unreachable");

  // Back to the Jupyter server's own tracking server, from the command palette's command.
  await lab.command("labtrack:set-tracking-uri", { uri: "" });
  await expect(status).toHaveAttribute("data-state", "connected");
  // The panel reloads by itself once the connection is back.
  await expect(alert).toHaveCount(0);
  await expect(lab.page.locator("#labtrack-panel .lt-ExperimentList")).toContainText("Default");
});

test("a tracked cell with the tracking server unreachable shows the error and does not run", async ({
  lab,
}) => {
  lab.allowConsole(/Failed to load resource: the server responded with a status of 50[24]/);
  await createNotebook(lab.page, "unreachable.ipynb", PYTHON, [
    '%%track\nprint("ran")',
    'print("plain cells still run")',
  ]);
  await lab.open();
  await setSettings(lab, { trackingUri: closedUrl });
  const notebook = await openNotebook(lab, "unreachable.ipynb");
  const cells = notebook.locator(".jp-CodeCell");
  await cells.nth(0).click();
  await lab.command("notebook:run-cell");
  const output = cells.nth(0).locator(".jp-OutputArea-output");
  await expect(output).toContainText(
    "This cell did not run because Labtrack cannot reach the tracking server",
  );
  await expect(output).toContainText("remove the %%track line to run the cell untracked.");
  await expect(output).not.toContainText("ran");
  // One sentence, said once, broken into lines between words only (outputs break anywhere when a
  // line is wider than the cell): as many lines on screen as in the text.
  const text = (await output.textContent()) ?? "";
  expect(text.match(/cannot reach/g)).toHaveLength(1);
  expect(text.trim().match(/[.!?](\s|$)/g)).toHaveLength(1);
  const lines = await output.locator("pre").evaluate((pre) => {
    const range = document.createRange();
    range.selectNodeContents(pre);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return { shown: tops.size, written: (pre.textContent ?? "").trimEnd().split("\n").length };
  });
  expect(lines.shown).toBe(lines.written);
  await cells.nth(1).click();
  await lab.command("notebook:run-cell");
  await expect(cells.nth(1).locator(".jp-OutputArea-output")).toHaveText("plain cells still run");
  await lab.screenshot("error-tracked-cell-unreachable");
});

test("a web page instead of a tracking server", async ({ lab }) => {
  await lab.open();
  await setSettings(lab, { trackingUri: htmlUrl });
  await lab.open();
  await lab.openPanel();
  const alert = lab.page.locator("#labtrack-panel [role=alert]");
  await expect(alert).toContainText("Cannot load experiments: not a tracking server (HTTP 200)");
  await expect(alert).toContainText("not JSON (an HTML page?)");
  await expect(lab.page.locator(".lt-StatusItem")).toHaveText(/not a tracking server/);
  await lab.screenshot("error-html");
  // Retry asks again (and fails again, with the same clear message).
  await alert.getByRole("button", { name: "Retry" }).click();
  await expect(alert).toContainText("not JSON (an HTML page?)");
});

test("the set-URI command refuses a malformed URI with a message", async ({ lab }) => {
  await lab.open();
  await lab.fire("labtrack:set-tracking-uri", { uri: "localhost:5000" });
  const dialog = lab.page.locator(".jp-Dialog");
  await expect(dialog).toContainText("Labtrack: not a tracking server URI");
  await expect(dialog).toContainText("write it as http://localhost:5000");
  await lab.screenshot("error-bad-uri");
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(lab.page.locator(".lt-StatusItem")).toHaveAttribute("data-state", "connected");
});

test("a malformed URI in the settings is refused by the schema", async ({ lab }) => {
  await lab.open();
  const r = await lab.page.request.put(`${LAB()}/lab/api/settings/labtrack:plugin`, {
    headers: { authorization: `token ${TOKEN()}`, "content-type": "application/json" },
    data: { raw: JSON.stringify({ trackingUri: "localhost:5000" }) },
  });
  expect(r.status()).toBe(400);
  expect(await r.text()).toMatch(/trackingUri|pattern/);
  await lab.openPanel();
  await expect(lab.page.locator(".lt-StatusItem")).toHaveAttribute("data-state", "connected");
});
