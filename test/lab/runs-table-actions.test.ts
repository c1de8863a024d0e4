// The runs table's model against a real tracking server: live updates of running runs (one search,
// rows patched in place, new runs on top), delete and restore with active/deleted/all, CSV export of
// every matching run, the kept view, quick filters, grouping over loaded runs and nested runs.

import type { ReadonlyPartialJSONValue } from "@lumino/coreutils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import { ERROR_COLUMN } from "../../src/lab/runs-table/columns.js";
import type { RunsSource } from "../../src/lab/runs-table/model.js";
import { FIRST_PAGE_SIZE, PAGE_SIZE, RunsTableModel } from "../../src/lab/runs-table/model.js";
import { cellText } from "../../src/lab/runs-table/rows.js";
import { PARENT_TAG } from "../../src/lab/runs-table/tree.js";
import { type ViewStateStore, viewStateKey } from "../../src/lab/runs-table/view-state.js";
import { TAGS } from "../../src/tracking/cell-run.js";
import { type RunningServer, startServer } from "../helpers/server.js";

const RUNS = 1200;
let server: RunningServer;
let client: RestClient;

async function pool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** An experiment of `n` finished runs named r-0…, started a second apart (newest last). */
async function seed(name: string, n: number, start = Date.now() - n * 1000 - 60_000): Promise<string[]> {
  const experimentId = await client.createExperiment(name);
  const ids: string[] = new Array(n);
  await pool(
    Array.from({ length: n }, (_, i) => i),
    16,
    async (i) => {
      const run = await client.createRun({ experimentId, runName: `r-${i}`, startTime: start + i * 1000 });
      ids[i] = run.info.run_id;
      await client.logBatch(run.info.run_id, {
        params: [{ key: "opt", value: ["adam", "sgd", "rms"][i % 3] as string }],
        metrics: [{ key: "loss", value: i, timestamp: start, step: 0 }],
        tags: [{ key: "mlflow.user", value: i % 4 === 0 ? "ana" : "bo" }],
      });
      await client.updateRun(run.info.run_id, { status: "FINISHED", endTime: start + i * 1000 + 500 });
    },
  );
  return [experimentId, ...ids];
}

beforeAll(async () => {
  server = await startServer();
  client = new RestClient({ trackingUri: server.url });
}, 60_000);

afterAll(async () => {
  await server?.dispose();
});

function source() {
  const searches: { filter?: string | undefined; viewType?: string | undefined }[] = [];
  const s = {
    uri: server.url,
    searches,
    client: {
      searchRuns: (...args: Parameters<RestClient["searchRuns"]>) => {
        searches.push({ filter: args[1]?.filter, viewType: args[1]?.viewType });
        return client.searchRuns(...args);
      },
      deleteRun: (id: string) => client.deleteRun(id),
      restoreRun: (id: string) => client.restoreRun(id),
    },
  } satisfies RunsSource & Record<string, unknown>;
  return s;
}

function memoryStore(): ViewStateStore & { data: Map<string, ReadonlyPartialJSONValue> } {
  const data = new Map<string, ReadonlyPartialJSONValue>();
  return { data, fetch: async (id) => data.get(id), save: async (id, v) => void data.set(id, v) };
}

describe("live updates", () => {
  it("re-reads only running runs in one search, patches their rows, puts new runs on top", async () => {
    const [experimentId, ...ids] = await seed("live", 30);
    const running = await client.createRun({ experimentId: experimentId as string, runName: "live-one" });
    const runId = running.info.run_id;
    const src = source();
    const model = new RunsTableModel(src, experimentId as string);
    await model.reload();
    expect(model.rows[0]?.runId).toBe(runId);
    expect(model.rows[0]?.status).toBe("RUNNING");
    const untouched = model.rows[5];
    model.setSelected(ids[3] as string, true);

    await client.logMetric(runId, "loss", 0.25, { step: 1 });
    src.searches.length = 0;
    await model.poll();
    // One search for the running runs, one for runs newer than the newest loaded (sorted newest first).
    expect(src.searches).toHaveLength(2);
    expect(src.searches[0]?.filter).toBe(`attributes.run_id IN ('${runId}')`);
    expect(src.searches[1]?.filter).toMatch(/^attributes\.start_time > \d+$/);
    expect(model.rows[0]?.metrics.loss).toBe(0.25);
    expect(model.rows[5]).toBe(untouched);
    expect(model.rows).toHaveLength(31);
    expect([...model.selection]).toEqual([ids[3]]);

    // A run started meanwhile goes on top; the one that finished is patched.
    const later = await client.createRun({
      experimentId: experimentId as string,
      runName: "newer",
      startTime: Date.now() + 1000,
    });
    await client.updateRun(runId, { status: "FINISHED", endTime: Date.now() });
    const resets = model.resets;
    await model.poll();
    expect(model.rows[0]?.runId).toBe(later.info.run_id);
    expect(model.rows[1]?.status).toBe("FINISHED");
    expect(model.prepended).toBe(1);
    expect(model.newRuns).toBe(1);
    expect(model.resets).toBe(resets);
    expect(model.rows).toHaveLength(32);

    // Sorted by something else, with nothing running except "newer": only that one is re-read.
    await model.setSort("metrics.loss", "ASC");
    src.searches.length = 0;
    await model.poll();
    expect(src.searches).toEqual([
      { filter: `attributes.run_id IN ('${later.info.run_id}')`, viewType: "ALL" },
    ]);
    await client.updateRun(later.info.run_id, { status: "KILLED", endTime: Date.now() });
    await model.poll();
    src.searches.length = 0;
    await model.poll();
    expect(src.searches).toHaveLength(0);
    model.dispose();
  });

  it("does not repeat runs on top in the pages loaded after them", async () => {
    const [experimentId] = await seed("live-pages", PAGE_SIZE + 50);
    const model = new RunsTableModel(source(), experimentId as string);
    await model.reload();
    await client.createRun({
      experimentId: experimentId as string,
      runName: "fresh",
      startTime: Date.now() + 5000,
    });
    await model.poll();
    expect(model.rows[0]?.name).toBe("fresh");
    await model.loadMore();
    expect(model.rows).toHaveLength(PAGE_SIZE + 51);
    expect(new Set(model.rows.map((r) => r.runId)).size).toBe(PAGE_SIZE + 51);
    model.dispose();
  }, 60_000);
});

describe("delete and restore", () => {
  it("moves runs to the trash and back, following active / deleted / all", async () => {
    const [experimentId, ...ids] = await seed("trash", 10);
    const model = new RunsTableModel(source(), experimentId as string);
    await model.reload();
    const victims = [ids[2], ids[5]] as string[];
    for (const id of victims) model.setSelected(id, true);
    const outcome = await model.deleteRuns(victims);
    expect(outcome).toEqual({ done: expect.arrayContaining(victims), failed: [] });
    expect(model.rows).toHaveLength(8);
    expect(model.selection.size).toBe(0);

    await model.setViewType("DELETED_ONLY");
    expect(model.rows.map((r) => r.runId).sort()).toEqual([...victims].sort());
    expect(model.rows.every((r) => r.deleted)).toBe(true);
    await model.setViewType("ALL");
    expect(model.rows).toHaveLength(10);
    await model.restoreRuns([victims[0] as string]);
    expect(model.rows.find((r) => r.runId === victims[0])?.deleted).toBe(false);
    expect(model.rows).toHaveLength(10);
    await model.setViewType("DELETED_ONLY");
    await model.restoreRuns([victims[1] as string]);
    expect(model.rows).toHaveLength(0);
    await model.setViewType("ACTIVE_ONLY");
    expect(model.rows).toHaveLength(10);

    const bad = await model.deleteRuns(["0".repeat(32)]);
    expect(bad.done).toEqual([]);
    expect(bad.failed[0]?.runId).toBe("0".repeat(32));
    expect(model.rows).toHaveLength(10);
    model.dispose();
  });
});

describe("export, quick filters, grouping", () => {
  let experimentId: string;
  beforeAll(async () => {
    [experimentId] = (await seed("many", RUNS)) as [string];
  }, 120_000);

  it("exports every matching run page by page, in the view's order and columns", async () => {
    const model = new RunsTableModel(source(), experimentId);
    await model.setFilter("params.opt = 'adam'");
    await model.setSort("metrics.loss", "DESC");
    model.setVisible("tags.mlflow.user", true);
    model.setVisible("attributes.user_id", false);
    const progress: number[] = [];
    const { csv, count, truncated } = await model.exportCsv(undefined, (n) => progress.push(n));
    expect(count).toBe(RUNS / 3);
    expect(truncated).toBe(false);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines).toHaveLength(RUNS / 3 + 1);
    expect(lines[0]).toBe(
      "run_id,attributes.run_name,attributes.status,attributes.start_time,attributes.duration,metrics.loss,params.opt,tags.mlflow.user",
    );
    expect(lines[1]).toMatch(
      new RegExp(`^[0-9a-f]{32},r-${RUNS - 3},FINISHED,[0-9T:.Z-]+,0.5,${RUNS - 3},adam,(ana|bo)$`),
    );
    expect(progress.at(-1)).toBe(RUNS / 3);

    const capped = await model.exportCsv(100);
    expect(capped.count).toBe(100);
    expect(capped.truncated).toBe(true);
    model.dispose();
  });

  it("combines the typed filter with status, time range and mine", async () => {
    const model = new RunsTableModel(source(), experimentId, { user: async () => "ana" });
    await model.open();
    expect(model.user).toBe("ana");
    await model.setMine(true);
    expect(model.effectiveFilter).toBe("tags.mlflow.user = 'ana'");
    expect(model.rows).toHaveLength(Math.min(RUNS / 4, FIRST_PAGE_SIZE));
    await model.setFilter("params.opt = 'sgd'");
    expect(model.rows.every((r) => r.params.opt === "sgd" && r.tags["mlflow.user"] === "ana")).toBe(true);
    expect(model.rows).toHaveLength(RUNS / 12);
    await model.setTimeRange("1h");
    expect(model.effectiveFilter).toMatch(
      /^params\.opt = 'sgd' AND attributes\.start_time >= \d+ AND tags\.mlflow\.user = 'ana'$/,
    );
    // Seeded within the last hour (for RUNS ≤ 3,000).
    expect(model.rows).toHaveLength(RUNS / 12);
    await model.setStatusFilter("FAILED");
    expect(model.rows).toHaveLength(0);
    model.dispose();

    // Without a known user, "Mine" filters nothing.
    const anonymous = new RunsTableModel(source(), experimentId, { user: async () => null });
    await anonymous.open();
    await anonymous.setMine(true);
    expect(anonymous.effectiveFilter).toBe("");
    anonymous.dispose();
  });

  it("groups the loaded runs, then all of them, with aggregates; completion sees their values", async () => {
    const model = new RunsTableModel(source(), experimentId);
    await model.reload();
    model.setGroupBy("params.opt", "metrics.loss");
    const groups = model.display.filter((d) => d.kind === "group");
    // Newest first: r-1199 (rms), r-1198 (sgd), r-1197 (adam) open the groups in that order.
    expect(groups.map((g) => g.kind === "group" && g.group.value)).toEqual(["rms", "sgd", "adam"]);
    expect(groups.reduce((n, g) => n + (g.kind === "group" ? g.group.rows.length : 0), 0)).toBe(
      FIRST_PAGE_SIZE,
    );
    expect(model.display).toHaveLength(3);
    const first = groups[0];
    if (first?.kind !== "group") throw new Error("no group");
    model.toggleGroup(first.key);
    expect(model.display).toHaveLength(3 + first.group.rows.length);
    expect(model.display[1]).toMatchObject({ kind: "run", depth: 1 });
    await model.loadAll();
    expect(model.rows).toHaveLength(RUNS);
    const all = model.display.filter((d) => d.kind === "group");
    const adam = all.find((g) => g.kind === "group" && g.group.value === "adam");
    expect(adam?.kind === "group" && adam.group.rows.length).toBe(RUNS / 3);
    // loss of run i is i: adam runs are 0, 3, ..., RUNS-3.
    expect(adam?.kind === "group" && adam.group.stats).toEqual({
      count: RUNS / 3,
      min: 0,
      mean: (RUNS - 3) / 2,
      max: RUNS - 3,
    });
    expect(model.valuesOf("params.opt").sort()).toEqual(["adam", "rms", "sgd"]);
    expect(model.valuesOf("tags.mlflow.user")).toEqual(["bo", "ana"]);
    expect(model.completionSource.keys).toContain("params.opt");
    model.setGroupBy(null);
    expect(model.display).toHaveLength(RUNS);
    model.dispose();
  }, 60_000);
});

describe("kept view and nested runs", () => {
  it("keeps columns, pins, order, widths, sort and quick filters per server and experiment", async () => {
    const [experimentId] = await seed("kept", 5);
    const store = memoryStore();
    const model = new RunsTableModel(source(), experimentId as string, { store });
    await model.open();
    model.setVisible("tags.mlflow.user", true);
    model.setPinned("metrics.loss", true);
    model.setWidth("params.opt", 222);
    model.moveColumn("attributes.user_id", -1);
    await model.setSort("metrics.loss", "ASC");
    await model.setStatusFilter("FINISHED");
    await model.setViewType("ALL");
    model.setGroupBy("params.opt", "metrics.loss");
    const columns = model.visibleColumns.map((c) => c.id);
    expect(columns.slice(0, 2)).toEqual(["attributes.run_name", "metrics.loss"]);
    expect(columns.indexOf("attributes.user_id")).toBeLessThan(columns.indexOf("attributes.duration"));
    await model.saveView();
    model.dispose();
    expect([...store.data.keys()]).toEqual([viewStateKey(server.url, experimentId as string)]);

    const again = new RunsTableModel(source(), experimentId as string, { store });
    await again.open();
    expect(again.visibleColumns.map((c) => c.id)).toEqual(columns);
    expect(again.width("params.opt")).toBe(222);
    expect(again.isPinned("metrics.loss")).toBe(true);
    expect(again.orderBy).toEqual(["metrics.loss ASC"]);
    expect(again.effectiveFilter).toBe("attributes.status = 'FINISHED'");
    expect(again.viewType).toBe("ALL");
    expect(again.groupBy).toBe("params.opt");
    expect(again.rows[0]?.metrics.loss).toBe(0);
    // Another experiment starts fresh.
    const other = new RunsTableModel(source(), "0", { store });
    await other.open();
    expect(other.orderBy).toEqual(["attributes.start_time DESC"]);
    again.dispose();
    other.dispose();
  });

  it("shows children under their loaded parent, expandable, others at the top level", async () => {
    const experimentId = await client.createExperiment("nested");
    const parent = await client.createRun({ experimentId, runName: "parent", startTime: 1000 });
    const pid = parent.info.run_id;
    for (const [name, t] of [
      ["child-a", 2000],
      ["child-b", 3000],
    ] as const) {
      const c = await client.createRun({ experimentId, runName: name, startTime: t });
      await client.setTag(c.info.run_id, PARENT_TAG, pid);
    }
    const orphan = await client.createRun({ experimentId, runName: "orphan", startTime: 4000 });
    await client.setTag(orphan.info.run_id, PARENT_TAG, "f".repeat(32));
    const model = new RunsTableModel(source(), experimentId);
    await model.reload();
    const names = () => model.display.map((d) => (d.kind === "run" ? `${d.depth}:${d.row.name}` : "group"));
    expect(names()).toEqual(["0:orphan", "0:parent"]);
    expect(model.display[1]).toMatchObject({ childCount: 2, expanded: false });
    model.toggleExpanded(pid);
    expect(names()).toEqual(["0:orphan", "0:parent", "1:child-b", "1:child-a"]);
    // Selecting a range of lines selects the runs on them.
    model.selectRange(3, 1);
    expect(model.selection.size).toBe(3);
    model.toggleExpanded(pid);
    expect(names()).toEqual(["0:orphan", "0:parent"]);
    model.dispose();
  });
});

describe("the Error column", () => {
  it("comes, next to the status, with the first loaded run that failed; shows and sorts by the error", async () => {
    const [experimentId] = await seed("errors", 3);
    const model = new RunsTableModel(source(), experimentId as string);
    await model.reload();
    expect(model.column(ERROR_COLUMN)).toBeUndefined();
    expect(model.visibleColumns.map((c) => c.id)).not.toContain(ERROR_COLUMN);

    // A tracked cell's run that raised, found by a live update.
    const failed = await client.createRun({
      experimentId: experimentId as string,
      runName: "broken",
      startTime: Date.now() + 1000,
      tags: { [TAGS.errorName]: "ZeroDivisionError", [TAGS.errorMessage]: "division by zero" },
    });
    await client.updateRun(failed.info.run_id, { status: "FAILED", endTime: Date.now() + 2000 });
    await model.poll();
    const ids = model.visibleColumns.map((c) => c.id);
    expect(ids.slice(0, 3)).toEqual(["attributes.run_name", "attributes.status", ERROR_COLUMN]);
    const column = model.column(ERROR_COLUMN);
    expect(column?.label).toBe("Error");
    const row = model.rows.find((r) => r.runId === failed.info.run_id);
    expect(cellText(row!, column!)).toBe("ZeroDivisionError: division by zero");
    expect(cellText(model.rows.find((r) => r.name === "r-0")!, column!)).toBe("");

    // Sorted on the server by the error's name: the failed run first in descending order.
    await model.setSort(ERROR_COLUMN, "DESC");
    expect(model.error).toBeNull();
    expect(model.rows[0]?.runId).toBe(failed.info.run_id);
    // The user can hide it like any column.
    model.setVisible(ERROR_COLUMN, false);
    expect(model.visibleColumns.map((c) => c.id)).not.toContain(ERROR_COLUMN);
  });
});
