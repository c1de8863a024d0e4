// The model registry view against the real tracking server: search and paging, a model's details,
// every action reaching the server (stage transition, aliases, model and version tags), an invalid
// alias shown as a message, the source run link, user data shown as text, restore, light and dark.
import { RestClient } from "../../lib/client/index.js";
import { expect, type Lab, TRACKING, test, watchOpenRun } from "../fixtures.js";

const XSS = `<img src=x onerror="window.__xss=1">`;

const view = (lab: Lab) => lab.page.locator(".lt-Models");
const detail = (lab: Lab) => view(lab).locator(".lt-Models-detail");
const versionRow = (lab: Lab, v: string) =>
  detail(lab).locator(`.lt-Models-versions tr[data-version="${v}"]`);

test("models: search, details, stage transition, aliases, tags, errors, run link, themes", async ({
  lab,
}) => {
  test.setTimeout(180_000);
  const client = new RestClient({ trackingUri: TRACKING() });
  const stamp = Date.now();
  const experimentId = await client.createExperiment(`ui-models-${stamp}`);
  const runId = (await client.createRun({ experimentId, runName: "trainer" })).info.run_id;
  const name = `${XSS} classifier ${stamp}`;
  await client.createRegisteredModel(name, { description: `Described by ${XSS}`, tags: { owner: XSS } });
  for (let i = 0; i < 3; i++)
    await client.createModelVersion(name, `runs:/${runId}/model`, {
      runId,
      tags: { note: i === 0 ? XSS : "ok" },
    });
  for (let i = 0; i < 52; i++)
    await client.createRegisteredModel(`page-${stamp}-${String(i).padStart(2, "0")}`);

  lab.allowConsole(/status of 400/);
  await lab.open();
  await watchOpenRun(lab);
  // From the palette, as a user would.
  // Typed once the palette has the focus, and the listed command clicked. Retried as a whole: on a busy
  // machine JupyterLab's modal palette may close before the click (it hides when it loses the focus,
  // e.g. to a widget that finishes restoring late), as it would for a user, who would open it again.
  await expect(async () => {
    await lab.command("apputils:activate-command-palette");
    const input = lab.page.locator(".lm-CommandPalette-input");
    await expect(input).toBeFocused({ timeout: 5_000 });
    await input.fill("");
    await input.pressSequentially("Labtrack: Model Registry");
    const item = lab.page.locator(".lm-CommandPalette-item:visible", {
      has: lab.page.locator(".lm-CommandPalette-itemLabel", { hasText: /^Labtrack: Model Registry$/ }),
    });
    await item.click({ timeout: 5_000 });
    await expect(view(lab)).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 90_000 });
  await expect(view(lab)).toBeVisible();

  // Search and paging.
  const search = view(lab).locator(".lt-Models-search");
  await search.fill(`page-${stamp}`);
  await search.press("Enter");
  await expect(view(lab).locator(".lt-Models-itemName").first()).toHaveText(`page-${stamp}-00`);
  await expect(view(lab).locator(".lt-Models-item")).toHaveCount(50);
  await expect(view(lab).locator(".lt-Models-page")).toHaveText("Page 1");
  await view(lab).getByRole("button", { name: "Next ›" }).click();
  await expect(view(lab).locator(".lt-Models-itemName")).toHaveText([`page-${stamp}-50`, `page-${stamp}-51`]);
  await expect(view(lab).locator(".lt-Models-page")).toHaveText("Page 2");
  await view(lab).getByRole("button", { name: "‹ Previous" }).click();
  await expect(view(lab).locator(".lt-Models-item")).toHaveCount(50);

  await search.fill(`classifier ${stamp}`);
  await expect(view(lab).locator(".lt-Models-item")).toHaveCount(1);
  await expect(view(lab).locator(".lt-Models-itemName")).toHaveText(name);
  await view(lab).locator(".lt-Models-item").press("Enter");

  // Details: all user text shown literally.
  await expect(detail(lab).locator(".lt-Models-title")).toHaveText(name);
  await expect(detail(lab).locator(".lt-Models-description")).toHaveText(`Described by ${XSS}`);
  await expect(detail(lab).locator(".lt-Models-modelTags .lt-Models-chip > span").first()).toHaveText(
    `owner = ${XSS}`,
  );
  await expect(detail(lab).locator(".lt-Models-versions tbody tr")).toHaveCount(3);
  await expect(versionRow(lab, "1").locator(".lt-Models-tag")).toContainText(`note = ${XSS}`);
  await expect(versionRow(lab, "3").locator(".lt-Models-stage")).toHaveText("None");
  await lab.screenshot("models");

  // Stage transitions reach the server; "archive others" archives the previous Production version.
  await versionRow(lab, "1").locator("select").selectOption("Production");
  await versionRow(lab, "1").getByRole("button", { name: "Move version 1 to the chosen stage" }).click();
  await expect(versionRow(lab, "1").locator(".lt-Models-stage")).toHaveText("Production");
  await versionRow(lab, "2").locator("select").selectOption("Production");
  await versionRow(lab, "2").getByLabel("archive others").check();
  await versionRow(lab, "2").getByRole("button", { name: "Move version 2 to the chosen stage" }).click();
  await expect(versionRow(lab, "2").locator(".lt-Models-stage")).toHaveText("Production");
  await expect(versionRow(lab, "1").locator(".lt-Models-stage")).toHaveText("Archived");
  expect((await client.getModelVersion(name, "2")).current_stage).toBe("Production");
  expect((await client.getModelVersion(name, "1")).current_stage).toBe("Archived");
  await expect(detail(lab).locator(".lt-Models-message")).toHaveText(/Version 2 is now in Production/);

  // Aliases: set (reaches the server), an invalid one is a message, delete.
  const aliasForm = detail(lab).getByRole("form", { name: "Set an alias" });
  await aliasForm.getByLabel("Alias", { exact: true }).fill("champion");
  await aliasForm.getByLabel("Version for the alias").selectOption("2");
  await aliasForm.getByRole("button", { name: "Set alias" }).click();
  await expect(detail(lab).locator(".lt-Models-aliases")).toContainText("@champion → v2");
  await expect(versionRow(lab, "2").locator(".lt-Models-alias")).toContainText("@champion");
  expect((await client.getModelVersionByAlias(name, "champion")).version).toBe("2");

  await aliasForm.getByLabel("Alias", { exact: true }).fill("bad alias!");
  await aliasForm.getByRole("button", { name: "Set alias" }).click();
  const error = detail(lab).locator(".lt-Models-message.lt-mod-error");
  await expect(error).toContainText("Invalid alias name");
  await expect(error).toHaveAttribute("role", "alert");
  // The mistyped alias is still there to fix.
  await expect(aliasForm.getByLabel("Alias", { exact: true })).toHaveValue("bad alias!");
  await lab.screenshot("models-error");

  await detail(lab)
    .locator(".lt-Models-aliases")
    .getByRole("button", { name: "Delete alias champion" })
    .click();
  await expect(detail(lab).locator(".lt-Models-aliases")).toHaveCount(0);
  await expect.poll(async () => (await client.getRegisteredModel(name)).aliases ?? []).toEqual([]);

  // Model tags.
  const tagForm = detail(lab).getByRole("form", { name: "Set a model tag" });
  await tagForm.getByLabel("Tag key").fill("stage-owner");
  await tagForm.getByLabel("Tag value").fill(XSS);
  await tagForm.getByRole("button", { name: "Set tag" }).click();
  await expect(detail(lab).locator(".lt-Models-modelTags")).toContainText(`stage-owner = ${XSS}`);
  expect((await client.getRegisteredModel(name)).tags).toContainEqual({ key: "stage-owner", value: XSS });
  await detail(lab).getByRole("button", { name: "Delete tag stage-owner" }).click();
  await expect(detail(lab).locator(".lt-Models-modelTags")).not.toContainText("stage-owner");
  await expect
    .poll(async () => (await client.getRegisteredModel(name)).tags?.some((t) => t.key === "stage-owner"))
    .toBe(false);

  // Version tags.
  const vtagForm = detail(lab).getByRole("form", { name: "Set a version tag" });
  await vtagForm.getByLabel("Version to tag").selectOption("3");
  await vtagForm.getByLabel("Version tag key").fill("validated");
  await vtagForm.getByLabel("Version tag value").fill("yes");
  await vtagForm.getByRole("button", { name: "Set version tag" }).click();
  await expect(versionRow(lab, "3").locator(".lt-Models-tag")).toContainText(["validated = yes"]);
  expect((await client.getModelVersion(name, "3")).tags).toContainEqual({ key: "validated", value: "yes" });
  await versionRow(lab, "3").getByRole("button", { name: "Delete tag validated of version 3" }).click();
  await expect(versionRow(lab, "3")).not.toContainText("validated");
  await expect
    .poll(async () => (await client.getModelVersion(name, "3")).tags?.some((t) => t.key === "validated"))
    .toBe(false);

  // The source run link opens the run.
  await versionRow(lab, "3").locator(".lt-Models-runLink").click();
  await expect.poll(() => lab.page.evaluate(() => (window as any).__opened)).toEqual([runId]);
  // The run's details opened for real; back to the registry.
  await expect(lab.page.locator(`#labtrack-run-${runId}:visible`)).toHaveCount(1);
  await lab.command("labtrack:open-models");
  await expect(view(lab)).toBeVisible();

  await expect(view(lab).locator("img")).toHaveCount(0);
  expect(await lab.page.evaluate(() => (window as any).__xss)).toBeUndefined();

  await lab.command("apputils:change-theme", { theme: "JupyterLab Dark" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
  await lab.page.waitForTimeout(300);
  await lab.screenshot("models-dark");
  await lab.command("apputils:change-theme", { theme: "JupyterLab Light" });
  await expect(lab.page.locator("body")).toHaveAttribute("data-jp-theme-light", "true");

  // The command with a name shows that model; the view comes back with it after a reload.
  await lab.command("labtrack:open-models", { name: `page-${stamp}-07` });
  await expect(detail(lab).locator(".lt-Models-title")).toHaveText(`page-${stamp}-07`);
  await expect(lab.page.locator(".lt-Models")).toHaveCount(1);
  await lab.page.waitForTimeout(1500);
  await lab.page.reload();
  await lab.page.waitForSelector("body[data-labtrack-restored]", { state: "attached", timeout: 60_000 });
  await expect(detail(lab).locator(".lt-Models-title")).toHaveText(`page-${stamp}-07`);
});

test("models: a missing model is a message in the view", async ({ lab }) => {
  lab.allowConsole(/status of 404/);
  await lab.open();
  await lab.command("labtrack:open-models", { name: "no-such-model-anywhere" });
  await expect(detail(lab).locator(".lt-Models-note.lt-mod-error")).toContainText("no-such-model-anywhere");
});
