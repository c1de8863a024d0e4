// The `lab` fixture: a page on a fresh JupyterLab workspace, with the console watched. A test fails if
// the page logs an error it did not expect (`allowConsole`).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test as base, expect, type Page } from "@playwright/test";

export const LAB = () => process.env.LABTRACK_UI_LAB as string;
export const TOKEN = () => process.env.LABTRACK_UI_TOKEN as string;
export const TRACKING = () => process.env.LABTRACK_UI_TRACKING as string;

export const SCREENSHOTS = join(import.meta.dirname, "results");
mkdirSync(SCREENSHOTS, { recursive: true });

export interface Lab {
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
  /** Patterns of console errors this test expects (e.g. the browser's log of a failed request). */
  allowConsole(pattern: RegExp): void;
  open(path?: string): Promise<void>;
  command(id: string, args?: Record<string, unknown>): Promise<unknown>;
  openPanel(): Promise<void>;
  screenshot(name: string): Promise<void>;
}

export const test = base.extend<{ lab: Lab }>({
  lab: async ({ page }, use, testInfo) => {
    const errors: string[] = [];
    const allowed: RegExp[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    const workspace = `ui-${testInfo.testId}`;
    const lab: Lab = {
      page,
      errors,
      allowConsole: (p) => allowed.push(p),
      async open(path = "") {
        await page.goto(
          `${LAB()}/lab/workspaces/${workspace}${path ? `/tree/${path}` : ""}?reset&token=${TOKEN()}`,
        );
        await page.waitForSelector("body[data-labtrack-restored]", { state: "attached", timeout: 60_000 });
      },
      command: (id, args = {}) =>
        page.evaluate(([i, a]) => (window as any).jupyterapp.commands.execute(i, a), [id, args] as const),
      async openPanel() {
        await page.locator('.jp-SideBar [data-id="labtrack-panel"]').click();
        await expect(page.locator("#labtrack-panel")).toBeVisible();
      },
      async screenshot(name) {
        await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
      },
    };
    await use(lab);
    const unexpected = errors.filter((e) => !allowed.some((p) => p.test(e)));
    expect(unexpected, "console errors").toEqual([]);
  },
});

export { expect };
