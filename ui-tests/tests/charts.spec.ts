// Inline charts (issue 9) as a user handles them: the legend, a click on a run's line, a live update
// while a run trains. The clicks are real mouse clicks on vega's canvas, at the places vega drew.
import type { Page } from "@playwright/test";
import { RestClient } from "../../lib/client/index.js";
import {
  createNotebook,
  drawnMarks,
  expect,
  openNotebook,
  PYTHON,
  putSettings,
  TRACKING,
  test,
} from "../fixtures.js";

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

  // Legend entries name a run and the param that differs among the shown runs.
  const legend = await spotOf(lab.page, 1, "legend", "beta lr=0.05");
  await lab.page.mouse.click(legend.x, legend.y);
  await expect.poll(() => lineOpacities(lab.page, 1)).toEqual({ alpha: 0.12, beta: 1, gamma: 0.12 });
  await lab.screenshot("chart-legend-highlight");
  // Shift+click adds a run to the highlight; a click where no run is drawn clears it (Vega-Lite's
  // legend conventions).
  const alpha = await spotOf(lab.page, 1, "legend", "alpha lr=0.1");
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
    const legend = await spotOf(lab.page, 1, "legend", "training lr=0.05");
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

/**
 * The README's `%%track` recipe run three times with other params — one value of accuracy and
 * final_loss per run — and, beside them, a per-epoch `loss`.
 */
async function seedRecipe(experiment: string) {
  const c = client();
  const experimentId = await c.createExperiment(experiment);
  const runs: Record<string, string> = {};
  const rows: [string, string, number, number][] = [
    ["logreg #1", "0.1", 0.97, 0.21],
    ["logreg #2", "0.03", 0.99, 0.12],
    ["logreg #3", "0.01", 0.975, 0.18],
  ];
  for (const [i, [name, lr, accuracy, finalLoss]] of rows.entries()) {
    const run = await c.createRun({ experimentId, runName: name, startTime: Date.now() + i });
    const now = Date.now();
    await c.logBatch(run.info.run_id, {
      params: [
        { key: "lr", value: lr },
        { key: "epochs", value: "10" },
      ],
      metrics: [
        { key: "accuracy", value: accuracy, timestamp: now, step: 0 },
        { key: "final_loss", value: finalLoss, timestamp: now, step: 0 },
        ...Array.from({ length: 10 }, (_, step) => ({
          key: "loss",
          value: 1 / (1 + step * (i + 1) * 0.3),
          timestamp: now + step,
          step,
        })),
      ],
    });
    await c.updateRun(run.info.run_id, { status: "FINISHED", endTime: Date.now() });
    runs[name] = run.info.run_id;
  }
  return { experimentId, runs };
}

test("without --kind: one-value metrics as dots with their values, curves beside them, one colour per run", async ({
  lab,
}) => {
  const experiment = `ui-chart-auto-${Date.now()}`;
  const { runs } = await seedRecipe(experiment);
  await createNotebook(lab.page, "chart-auto.ipynb", PYTHON, [
    `%track experiment ${experiment}`,
    "%track compare --metrics accuracy,final_loss",
    "%track compare --metrics loss,accuracy",
    "%track compare --metrics val_loss",
  ]);
  const notebook = await openNotebook(lab, "chart-auto.ipynb");
  await lab.command("notebook:run-all-cells");
  const cells = notebook.locator(".jp-CodeCell");
  for (const i of [1, 2, 3])
    await expect(cells.nth(i).locator(".lt-LiveChart canvas")).toBeVisible({ timeout: 60_000 });

  // One-value metrics: a dot per run per metric (not empty axes), each value written beside its dot,
  // rows named by run name and the param that differs.
  const finals = await drawnMarks(lab.page, 1);
  expect(Object.keys(finals.dots).sort()).toEqual(Object.values(runs).sort());
  for (const fills of Object.values(finals.dots)) expect(fills).toHaveLength(2);
  expect(Object.keys(finals.lines)).toHaveLength(0);
  expect(finals.texts).toEqual(
    expect.arrayContaining([
      "logreg #1 lr=0.1",
      "logreg #2 lr=0.03",
      "logreg #3 lr=0.01",
      "0.97",
      "0.99",
      "0.975",
    ]),
  );
  expect(finals.texts.join(" ")).not.toMatch(/[0-9a-f]{6}\)/);

  // loss has per-epoch values, accuracy one: curves AND dots in one chart, one legend naming the runs.
  const both = await drawnMarks(lab.page, 2);
  expect(Object.keys(both.lines).sort()).toEqual(Object.values(runs).sort());
  expect(Object.keys(both.dots).sort()).toEqual(Object.values(runs).sort());
  // A run has the same colour in its line, its dots and both charts.
  for (const id of Object.values(runs)) {
    expect(both.dots[id]?.[0]).toBe(both.lines[id]);
    expect(finals.dots[id]?.[0]).toBe(both.lines[id]);
  }
  // The runs of one re-run cell (NAME #N) never share a colour.
  expect(new Set(Object.values(both.lines)).size).toBe(3);

  // Nothing to draw: one line saying what the runs lack.
  const none = await drawnMarks(lab.page, 3);
  expect(none.texts).toEqual([
    "No data: none of the 3 runs has val_loss (they have accuracy, final_loss, loss)",
  ]);

  // The static SVG saved for other viewers uses the same colours.
  const svg = await lab.page.evaluate(() => {
    const cell = (window as any).jupyterapp.shell.currentWidget.content.model.cells.get(1);
    return cell.outputs.get(0).data["image/svg+xml"] as string;
  });
  for (const id of Object.values(runs)) expect(svg).toContain(finals.dots[id]?.[0] as string);
  await cells.nth(1).scrollIntoViewIfNeeded();
  await lab.screenshot("chart-auto-finals");
  await cells.nth(2).scrollIntoViewIfNeeded();
  await lab.screenshot("chart-auto-curves-and-finals");
});

test("Compare in notebook: disabled without a selection; inserts the selected runs by name, charted", async ({
  lab,
}) => {
  const experiment = `ui-chart-insert-${Date.now()}`;
  const { experimentId, runs } = await seedRecipe(experiment);
  await createNotebook(lab.page, "chart-insert.ipynb", PYTHON, [`%track experiment ${experiment}`]);
  const notebook = await openNotebook(lab, "chart-insert.ipynb");
  await lab.command("notebook:run-all-cells");
  await lab.fire("labtrack:open-runs-table", { experimentId, experimentName: experiment });
  const table = lab.page.locator(".lt-RunsTable");
  const rows = table.locator(".lt-RunsTable-row:not(.lt-RunsTable-loadingRow)");
  await expect(rows).toHaveCount(3);
  const button = lab.page.locator(".lt-RunsTable-compare button, button.lt-RunsTable-compare").first();
  const enabled = () =>
    lab.page.evaluate(
      (id) =>
        (window as any).jupyterapp.commands.isEnabled("labtrack:compare-in-notebook", { experimentId: id }),
      experimentId,
    );
  expect(await enabled()).toBe(false);
  await expect(button).toBeDisabled();
  await rows.filter({ hasText: "logreg #1" }).getByRole("checkbox").check();
  await rows.filter({ hasText: "logreg #3" }).getByRole("checkbox").check();
  await expect.poll(enabled).toBe(true);
  await expect(button).toBeEnabled();
  await lab.screenshot("chart-insert-table");
  await button.click();

  // The cell names the runs (no 32-character ids) and the metrics they have.
  const inserted = notebook.locator(".jp-CodeCell").filter({ hasText: "%track compare" });
  // (The table lists the newest run first; the metrics are the shown columns these runs have.)
  await expect(inserted.locator(".jp-InputArea")).toContainText(
    new RegExp(
      `%track compare 'logreg #3' 'logreg #1' --metrics [a-z_,]*loss[a-z_,]* --experiment ${experiment}`,
    ),
  );
  await expect(inserted.locator(".jp-InputArea")).not.toContainText(/[0-9a-f]{32}/);
  await expect(inserted.locator(".lt-LiveChart canvas")).toBeVisible({ timeout: 60_000 });
  const index = await lab.page.evaluate(() => {
    const cells = (window as any).jupyterapp.shell.currentWidget.content.model.cells;
    for (let i = 0; i < cells.length; i++)
      if (cells.get(i).sharedModel.getSource().startsWith("%track compare")) return i;
    return -1;
  });
  const drawn = await drawnMarks(lab.page, index);
  expect(Object.keys(drawn.lines).sort()).toEqual([runs["logreg #1"], runs["logreg #3"]].sort());
  expect(Object.keys(drawn.dots).sort()).toEqual([runs["logreg #1"], runs["logreg #3"]].sort());
  expect(drawn.texts).toEqual(expect.arrayContaining(["logreg #1 lr=0.1", "logreg #3 lr=0.01"]));
  await inserted.scrollIntoViewIfNeeded();
  await lab.screenshot("chart-insert-notebook");
});
