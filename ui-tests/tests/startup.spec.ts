// A Lab that comes up without Labtrack says so: the page names the extension it could not load, in the
// console and in a notification the user sees, instead of a Lab that silently lacks the panel.
import { expect, LAB, TOKEN, test } from "../fixtures.js";

test("an extension that cannot be loaded is reported on the page", async ({ lab }) => {
  const { page } = lab;
  // Without Labtrack the page logs a cascade (JupyterLab's notebook plugins need Labtrack's cell
  // executor); what matters here is that the cause is named, checked below.
  lab.allowConsole(/[\s\S]*/);
  // The browser cannot fetch Labtrack's federated code, as when a proxy or a busy server drops it.
  await page.route(/\/lab\/extensions\/labtrack\/static\//, (route) => route.abort("failed"));
  await page.goto(`${LAB()}/lab/workspaces/ui-startup-failure?reset&token=${TOKEN()}`);
  await page.waitForSelector("body[data-labtrack-restored]", { state: "attached", timeout: 60_000 });
  const notice = page.locator(".Toastify__toast", { hasText: "Some extensions could not be loaded" });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("labtrack");
  expect(lab.errors.some((e) => /could not load the extension labtrack/.test(e))).toBe(true);
  await expect(page.locator('.jp-SideBar [data-id="labtrack-panel"]')).toHaveCount(0);
  await page.waitForTimeout(1000); // the toast slides in from the right
  await lab.screenshot("startup-extension-not-loaded");
});

test("settings are validated by the validators compiled at build: the page compiles only the schemas it builds itself", async ({
  lab,
}) => {
  const { page } = lab;
  await lab.open();
  const [precompiled, compiledInPage] = await page.evaluate(() =>
    [document.body.dataset.labtrackSettingsPrecompiled, document.body.dataset.labtrackSettingsCompiled].map(
      (ids) => (ids ?? "").split(" ").filter(Boolean),
    ),
  );
  const listing = await page.evaluate(async (token) => {
    const answer = await fetch(`/lab/api/settings?token=${token}`);
    const { settings } = (await answer.json()) as {
      settings: { id: string; schema: Record<string, unknown> }[];
    };
    return settings.map((s) => ({ id: s.id, transformed: s.schema["jupyter.lab.transform"] === true }));
  }, TOKEN());
  // JupyterLab assembles a few schemas in the page from the other plugins' (menus, shortcuts, toolbars:
  // `jupyter.lab.transform`); every other schema is validated by code compiled at build.
  const transformed = listing.filter((s) => s.transformed).map((s) => s.id);
  expect(listing.length).toBeGreaterThan(30);
  expect(transformed.length).toBeLessThan(15);
  for (const id of compiledInPage) expect(transformed, id).toContain(id);
  expect(precompiled).toContain("labtrack:plugin");
  expect(precompiled).toContain("@jupyterlab/notebook-extension:tracker");
  expect(precompiled.length).toBeGreaterThan(20);
});
