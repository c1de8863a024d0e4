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
