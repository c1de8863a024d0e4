// Inline charts (issue 9) as a user handles them: the legend, a click on a run's line, a live update
// while a run trains. The clicks are real mouse clicks on vega's canvas, at the places vega drew.
import type { Page } from "@playwright/test";
import { RestClient } from "../../lib/client/index.js";
import { createNotebook, expect, openNotebook, PYTHON, putSettings, TRACKING, test } from "../fixtures.js";

const client = () => new RestClient({ trackingUri: TRACKING() });

/** Seeds `names` as runs of a new experiment, each with `steps` points of loss. */
async function seed(experiment: string, names: string[], steps: number, running = false) {
  const c = client();
  const experimentId = await c.createExperiment(experiment);
  const runs = [];
  for (const [i, name] of names.entries()) {
    const run = await c.createRun({ experimentId, runName: name });
    await c.logBatch(run.info.run_id, {
      params: [{ key: "lr", value: String(0.1 / (i + 1)) }],
      metrics: Array.from({ length: steps }, (_, step) => ({
        key: "loss",
        value: 1 / (1 + step * (i + 1) * 0.2),
        timestamp: Date.now() + step,
        step,
      })),
    });
    if (!running) await c.updateRun(run.info.run_id, { status: "FINISHED", endTime: Date.now() });
    runs.push(run.info.run_id);
  }
  return { experimentId, runs };
}

interface Spot {
  x: number;
  y: number;
}

/**
 * Where on the page vega drew something of the chart in `cell`: the centre of the first scenegraph item
 * `which` picks ("legend" + label text, or "point" + run name), in page coordinates.
 */
async function spotOf(page: Page, cell: number, which: "legend" | "point", name: string): Promise<Spot> {
  const spot = await page.evaluate(
    ([cellIndex, kind, label]) => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      const holder = panel.content.widgets[cellIndex].node.querySelector(".lt-LiveChart-view");
      const view = holder.vegaView;
      const canvas = holder.querySelector("canvas") as HTMLCanvasElement;
      const found: { x: number; y: number }[] = [];
      // Absolute position of an item: its own x/y plus those of the groups it sits in.
      const absolute = (item: any) => {
        let x = 0;
        let y = 0;
        for (let g = item.mark?.group; g; g = g.mark?.group) {
          x += g.x ?? 0;
          y += g.y ?? 0;
        }
        return { x, y };
      };
      const visit = (item: any) => {
        if (!item) return;
        const mark = item.marktype ? item : null;
        if (mark) {
          for (const it of mark.items ?? []) {
            if (kind === "legend" && mark.role === "legend-label" && it.text === label) {
              const o = absolute(it);
              found.push({
                x: o.x + (it.bounds.x1 + it.bounds.x2) / 2,
                y: o.y + (it.bounds.y1 + it.bounds.y2) / 2,
              });
            }
            if (
              kind === "point" &&
              mark.marktype === "symbol" &&
              it.datum?.runName === label &&
              it.datum?.m
            ) {
              const o = absolute(it);
              found.push({ x: o.x + it.x, y: o.y + it.y });
            }
            visit(it);
          }
        } else for (const m of item.items ?? []) visit(m);
      };
      visit(view.scenegraph().root);
      // A point early in the run (step 3), where the seeded curves are well apart.
      const target = kind === "point" ? found[3] : found[0];
      if (!target) return null;
      const rect = canvas.getBoundingClientRect();
      const [ox, oy] = view.origin();
      return { x: rect.left + ox + target.x, y: rect.top + oy + target.y };
    },
    [cell, which, name] as const,
  );
  if (!spot) throw new Error(`no ${which} "${name}" in the chart of cell ${cell}`);
  return spot;
}

/** Opacity of each run's line as drawn: runName → opacity. */
function lineOpacities(page: Page, cell: number): Promise<Record<string, number>> {
  return page.evaluate((cellIndex) => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const view = panel.content.widgets[cellIndex].node.querySelector(".lt-LiveChart-view").vegaView;
    const out: Record<string, number> = {};
    const visit = (item: any) => {
      for (const child of item.items ?? []) {
        if (child.marktype === "line")
          for (const line of child.items ?? [])
            if (line.datum?.runName) out[line.datum.runName] = line.opacity;
        visit(child);
      }
    };
    visit(view.scenegraph().root);
    return out;
  }, cell);
}

test("a legend click highlights its run; a click on a run's line shows it in the panel", async ({ lab }) => {
  const experiment = `ui-chart-clicks-${Date.now()}`;
  const { runs } = await seed(experiment, ["alpha", "beta", "gamma"], 30);
  await createNotebook(lab.page, "chart-clicks.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    "%track compare --metrics loss",
  ]);
  const notebook = await openNotebook(lab, "chart-clicks.ipynb");
  await lab.command("notebook:run-all-cells");
  const chart = notebook.locator(".jp-CodeCell").nth(1).locator(".lt-LiveChart canvas");
  await expect(chart).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => lineOpacities(lab.page, 1)).toEqual({ alpha: 1, beta: 1, gamma: 1 });

  const legend = await spotOf(lab.page, 1, "legend", "beta");
  await lab.page.mouse.click(legend.x, legend.y);
  await expect.poll(() => lineOpacities(lab.page, 1)).toEqual({ alpha: 0.12, beta: 1, gamma: 0.12 });
  await lab.screenshot("chart-legend-highlight");
  // Shift+click adds a run to the highlight; a click where no run is drawn clears it (Vega-Lite's
  // legend conventions).
  const alpha = await spotOf(lab.page, 1, "legend", "alpha");
  await lab.page.keyboard.down("Shift");
  await lab.page.mouse.click(alpha.x, alpha.y);
  await lab.page.keyboard.up("Shift");
  await expect.poll(() => lineOpacities(lab.page, 1)).toEqual({ alpha: 1, beta: 1, gamma: 0.12 });
  const box = (await chart.boundingBox()) as { x: number; y: number; width: number };
  await lab.page.mouse.click(box.x + box.width - 4, box.y + 4);
  await expect.poll(() => lineOpacities(lab.page, 1)).toEqual({ alpha: 1, beta: 1, gamma: 1 });

  const point = await spotOf(lab.page, 1, "point", "gamma");
  await lab.page.mouse.move(point.x - 20, point.y - 20);
  await lab.page.mouse.move(point.x, point.y, { steps: 5 });
  // The tooltip (vega's own: the title of the chart's element) names the run and its params.
  const view = notebook.locator(".jp-CodeCell").nth(1).locator(".lt-LiveChart-view");
  await expect(view).toHaveAttribute("title", /run: gamma/);
  await expect(view).toHaveAttribute("title", /params: .*lr=/);
  await lab.page.mouse.click(point.x, point.y);
  const panel = lab.page.locator("#labtrack-panel");
  await expect(panel).toBeVisible();
  await expect(panel.locator(".lt-RunItem.lt-mod-highlighted")).toContainText("gamma");
  expect(runs).toHaveLength(3);
  await lab.screenshot("chart-click-run");
});

test("a live chart takes new points in place: same canvas, the legend selection kept", async ({ lab }) => {
  const experiment = `ui-chart-live-${Date.now()}`;
  const { runs } = await seed(experiment, ["finished", "training"], 5, true);
  const c = client();
  await c.updateRun(runs[0] as string, { status: "FINISHED", endTime: Date.now() });
  await putSettings(lab.page, { refreshInterval: 1 });
  try {
    await createNotebook(lab.page, "chart-live.ipynb", PYTHON, [
      `%track experiment ${experiment}`,
      "%track compare --metrics loss",
    ]);
    const notebook = await openNotebook(lab, "chart-live.ipynb");
    await lab.command("notebook:run-all-cells");
    const live = notebook.locator(".jp-CodeCell").nth(1).locator(".lt-LiveChart");
    await expect(live).toHaveAttribute("data-live", "true", { timeout: 60_000 });
    await expect(live.locator("canvas")).toBeVisible();
    const canvas = await live.locator("canvas").elementHandle();
    const legend = await spotOf(lab.page, 1, "legend", "training");
    await lab.page.mouse.click(legend.x, legend.y);
    await expect.poll(() => lineOpacities(lab.page, 1)).toEqual({ finished: 0.12, training: 1 });

    const lastStep = () =>
      lab.page.evaluate(() => {
        const panel = (window as any).jupyterapp.shell.currentWidget;
        const view = panel.content.widgets[1].node.querySelector(".lt-LiveChart-view").vegaView;
        const rows = view.data("lt_data_0") as { x: number[] }[];
        return Math.max(...rows.flatMap((r) => r.x));
      });
    expect(await lastStep()).toBe(4);
    await c.logBatch(runs[1] as string, {
      metrics: Array.from({ length: 15 }, (_, i) => ({
        key: "loss",
        value: 0.2 / (i + 1),
        timestamp: Date.now(),
        step: 5 + i,
      })),
    });
    await expect.poll(lastStep, { timeout: 20_000 }).toBe(19);
    await expect(live).toHaveAttribute("data-update", "in-place");
    // No new canvas (no flicker), and the run picked in the legend is still the one highlighted.
    expect(await canvas?.evaluate((node) => node.isConnected)).toBe(true);
    expect(await lineOpacities(lab.page, 1)).toEqual({ finished: 0.12, training: 1 });
    await lab.screenshot("chart-live-in-place");
  } finally {
    await putSettings(lab.page, {});
  }
});
