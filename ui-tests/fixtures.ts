// The `lab` fixture: a page on a fresh JupyterLab workspace, with the console watched. A test fails if
// the page logs an error it did not expect (`allowConsole`).
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
  /** Starts a command without waiting for it (running a cell that runs for a while). */
  fire(id: string, args?: Record<string, unknown>): Promise<void>;
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
        // A Lab that came up without Labtrack fails here, with the page's own account of why, rather
        // than as a missing sidebar tab 120 s later.
        const missing = await page.evaluate(() => {
          const app = (window as any).jupyterapp;
          const body = document.body.dataset;
          if (body.labtrackLoadFailed) return `not loaded: ${body.labtrackLoadFailed}`;
          if (!app.isPluginActivated("labtrack:plugin")) return "labtrack:plugin is not active";
          return "";
        });
        if (missing) throw new Error(`Labtrack did not start (${missing}); console:\n${errors.join("\n")}`);
      },
      command: (id, args = {}) =>
        page.evaluate(([i, a]) => (window as any).jupyterapp.commands.execute(i, a), [id, args] as const),
      fire: (id, args = {}) =>
        page.evaluate(
          ([i, a]) => {
            void (window as any).jupyterapp.commands.execute(i, a);
          },
          [id, args] as const,
        ),
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
    // The page leaves first, so the Lab does not react to its kernels going away.
    await page.goto("about:blank").catch(() => undefined);
    await shutdownKernels(page);
    expect(unexpected, "console errors").toEqual([]);
  },
});

export { expect };

/**
 * Shuts down every kernel after a test: tests run one after another on one Lab, and kernels left
 * running (tslab's are whole Node processes) piled up to a dozen by the end of the suite, slowing
 * every later test on a busy machine.
 */
async function shutdownKernels(page: Page): Promise<void> {
  const headers = { authorization: `token ${TOKEN()}` };
  // Sessions first (deleting one shuts its kernel down and leaves no session on a dead kernel), then
  // any kernel without a session.
  for (const kind of ["sessions", "kernels"]) {
    const r = await page.request.get(`${LAB()}/api/${kind}`, { headers }).catch(() => null);
    if (!r?.ok()) continue;
    const items = (await r.json()) as { id: string }[];
    await Promise.all(
      items.map((k) => page.request.delete(`${LAB()}/api/${kind}/${k.id}`, { headers }).catch(() => null)),
    );
  }
}

/** Writes a notebook into the Lab's root through the contents API; cells are code sources. */
export async function createNotebook(
  page: Page,
  name: string,
  kernel: { name: string; display_name: string; language: string },
  cells: readonly string[],
): Promise<void> {
  const content = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: kernel, language_info: { name: kernel.language } },
    cells: cells.map((source, i) => ({
      id: `cell-${i}`,
      cell_type: "code",
      metadata: {},
      outputs: [],
      execution_count: null,
      source,
    })),
  };
  const r = await page.request.put(`${LAB()}/api/contents/${name}`, {
    headers: { authorization: `token ${TOKEN()}`, "content-type": "application/json" },
    data: { type: "notebook", format: "json", content },
  });
  expect(r.status(), await r.text()).toBeLessThan(300);
}

export const PYTHON = { name: "python3", display_name: "Python 3 (ipykernel)", language: "python" };
export const TYPESCRIPT = { name: "tslab", display_name: "TypeScript", language: "typescript" };

/** Opens a notebook in a fresh workspace and waits for its kernel to be idle; the notebook's locator. */
export async function openNotebook(lab: Lab, file: string): Promise<ReturnType<Page["locator"]>> {
  await lab.open(file);
  await expect(lab.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first()).toBeAttached({
    timeout: 60_000,
  });
  return lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)");
}

/** Writes Labtrack's settings through JupyterLab's settings API, as the settings editor does. */
export async function putSettings(page: Page, values: Record<string, unknown>): Promise<void> {
  const r = await page.request.put(`${LAB()}/lab/api/settings/labtrack:plugin`, {
    headers: { authorization: `token ${TOKEN()}`, "content-type": "application/json" },
    data: { raw: JSON.stringify(values) },
  });
  expect(r.status(), await r.text()).toBe(204);
}

/** A loopback URL where nothing listens. */
export async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((done) => server.close(() => done()));
  return url;
}

/**
 * Records, in window.__opened, the run ids the open-run command is asked for, as the views' links
 * and marks execute it.
 */
export async function watchOpenRun(lab: Lab): Promise<void> {
  await lab.page.evaluate(() => {
    const w = window as any;
    w.__opened = [];
    w.jupyterapp.commands.commandExecuted.connect(
      (_: unknown, e: { id: string; args: { runId: string } }) => {
        if (e.id === "labtrack:open-run") w.__opened.push(e.args.runId);
      },
    );
  });
}

export interface DrawnMarks {
  /** runId → colour of its dots (final values). */
  dots: Record<string, string[]>;
  /** runId → colour of its line. */
  lines: Record<string, string>;
  /** Every text vega drew: axis labels, legend labels, value labels, messages. */
  texts: string[];
}

/** What vega drew in the chart of cell `cell`, read off its scenegraph. */
export function drawnMarks(page: Page, cell: number): Promise<DrawnMarks> {
  return page.evaluate((cellIndex) => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const view = panel.content.widgets[cellIndex].node.querySelector(".lt-LiveChart-view").vegaView;
    const out = {
      dots: {} as Record<string, string[]>,
      lines: {} as Record<string, string>,
      texts: [] as string[],
    };
    const visit = (item: any) => {
      for (const child of item.items ?? []) {
        for (const it of child.items ?? []) {
          if (child.marktype === "symbol" && it.datum?.runId && it.datum?.metric) {
            out.dots[it.datum.runId] = [...(out.dots[it.datum.runId] ?? []), it.fill];
          }
          if (child.marktype === "line" && it.datum?.runId) out.lines[it.datum.runId] = it.stroke;
          if (child.marktype === "text" && typeof it.text === "string") out.texts.push(it.text);
        }
        visit(child);
      }
    };
    visit(view.scenegraph().root);
    return out;
  }, cell);
}
