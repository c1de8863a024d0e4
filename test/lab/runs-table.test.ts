// The runs table's model against a real tracking server holding 2,500 runs: pages on demand, sort and
// filter on the server, filter errors with their position, selection across refreshes, stale answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import { keyColumn, orderByClause, quoteKey } from "../../src/lab/runs-table/columns.js";
import {
  FIRST_PAGE_SIZE,
  PAGE_SIZE,
  parseFilterError,
  type RunsSource,
  RunsTableModel,
} from "../../src/lab/runs-table/model.js";
import { cellText } from "../../src/lab/runs-table/rows.js";
import { type RunningServer, startServer } from "../helpers/server.js";

const RUNS = 2500;
let server: RunningServer;
let experimentId: string;
/** loss of run i: a permutation of k / RUNS, so "loss < 0.1" matches exactly 250 runs. */
const lossOf = (i: number) => ((i * 37) % RUNS) / RUNS;
const failed = (i: number) => i % 5 === 0;

async function pool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

beforeAll(async () => {
  server = await startServer();
  const client = new RestClient({ trackingUri: server.url });
  experimentId = await client.createExperiment("runs-table");
  const start = Date.parse("2024-01-01T00:00:00Z");
  await pool(
    Array.from({ length: RUNS }, (_, i) => i),
    16,
    async (i) => {
      const run = await client.createRun({ experimentId, runName: `run-${i}`, startTime: start + i * 1000 });
      const id = run.info.run_id;
      await client.logBatch(id, {
        params: [
          { key: "seed", value: String(i).padStart(4, "0") },
          { key: "opt", value: ["adam", "sgd", "rmsprop"][i % 3] as string },
        ],
        metrics: [
          { key: "loss", value: lossOf(i), timestamp: start, step: 0 },
          { key: "train/acc", value: 1 - lossOf(i), timestamp: start, step: 0 },
        ],
        tags: [{ key: "team", value: i % 2 ? "a" : "b" }],
      });
      if (failed(i)) await client.updateRun(id, { status: "FAILED", endTime: start + i * 1000 + 5000 });
    },
  );
}, 120_000);

afterAll(async () => {
  await server?.dispose();
});

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A source over a plain RestClient that counts requests and can hold the n-th one back. */
function source(delays: Record<number, number> = {}) {
  const client = new RestClient({ trackingUri: server.url });
  const reports: unknown[] = [];
  const s = {
    calls: 0,
    reports,
    uri: server.url,
    report: (e: unknown) => reports.push(e),
    client: {
      searchRuns: async (...args: Parameters<RestClient["searchRuns"]>) => {
        const delay = delays[s.calls++] ?? 0;
        if (delay) await sleep(delay);
        return client.searchRuns(...args);
      },
      deleteRun: (runId: string) => client.deleteRun(runId),
      restoreRun: (runId: string) => client.restoreRun(runId),
    },
  } satisfies RunsSource & Record<string, unknown>;
  return s;
}

describe("RunsTableModel against a tracking server with 2,500 runs", () => {
  it("loads a first page of 100, then pages of 250 only when asked, newest first, and discovers the key columns", async () => {
    const src = source();
    const model = new RunsTableModel(src, experimentId);
    let changes = 0;
    model.changed.connect(() => changes++);
    await model.reload();
    expect(model.state).toBe("ready");
    expect(model.rows).toHaveLength(FIRST_PAGE_SIZE);
    expect(model.hasMore).toBe(true);
    expect(model.rows[0]?.name).toBe(`run-${RUNS - 1}`);
    expect(model.orderBy).toEqual(["attributes.start_time DESC"]);
    expect(changes).toBeGreaterThan(0);
    const ids = model.columns.map((c) => c.id);
    expect(ids).toEqual([
      "attributes.run_name",
      "attributes.status",
      "attributes.start_time",
      "attributes.duration",
      "attributes.user_id",
      "metrics.loss",
      "metrics.train/acc",
      "params.opt",
      "params.seed",
      "tags.mlflow.runName",
      "tags.team",
    ]);
    // Tags wait in the chooser; the rest shows, the run name pinned first.
    expect(model.visibleColumns.map((c) => c.id)).not.toContain("tags.team");
    expect(model.visibleColumns[0]?.id).toBe("attributes.run_name");

    // Two scroll events asking at once make one request.
    await Promise.all([model.loadMore(), model.loadMore()]);
    expect(src.calls).toBe(2);
    expect(model.rows).toHaveLength(FIRST_PAGE_SIZE + PAGE_SIZE);
    while (model.hasMore) await model.loadMore();
    expect(model.rows).toHaveLength(RUNS);
    const calls = 2 + Math.ceil((RUNS - FIRST_PAGE_SIZE - PAGE_SIZE) / PAGE_SIZE);
    expect(src.calls).toBe(calls);
    await model.loadMore();
    expect(src.calls).toBe(calls);
    expect(new Set(model.rows.map((r) => r.runId)).size).toBe(RUNS);
    expect(model.rows.at(-1)?.name).toBe("run-0");
    expect(src.reports.every((r) => r === null)).toBe(true);
    model.dispose();
  });

  it("sorts on the server by a metric and by a param, both directions", async () => {
    const model = new RunsTableModel(source(), experimentId);
    await model.toggleSort("metrics.loss");
    expect(model.orderBy).toEqual(["metrics.loss ASC"]);
    expect(model.rows[0]?.metrics.loss).toBe(0);
    expect(model.rows[1]?.metrics.loss).toBe(1 / RUNS);
    await model.toggleSort("metrics.loss");
    expect(model.orderBy).toEqual(["metrics.loss DESC"]);
    expect(model.rows[0]?.metrics.loss).toBe((RUNS - 1) / RUNS);

    await model.setSort("params.seed", "DESC");
    expect(model.rows[0]?.params.seed).toBe("2499");
    await model.toggleSort("params.seed");
    expect(model.rows.slice(0, 3).map((r) => r.params.seed)).toEqual(["0000", "0001", "0002"]);
    // The next page continues the same order.
    await model.loadMore();
    expect(model.rows[FIRST_PAGE_SIZE]?.params.seed).toBe(String(FIRST_PAGE_SIZE).padStart(4, "0"));

    // A key that needs quoting sorts too.
    await model.toggleSort("metrics.train/acc");
    expect(model.orderBy).toEqual(["metrics.`train/acc` ASC"]);
    expect(model.state).toBe("ready");
    expect(model.rows[0]?.metrics["train/acc"]).toBeCloseTo(1 / RUNS);

    // Duration cannot be sorted by the server: nothing happens.
    await model.toggleSort("attributes.duration");
    expect(model.sort.columnId).toBe("metrics.train/acc");
    model.dispose();
  });

  it("filters on the server with MLflow's grammar and the status quick filter", async () => {
    const model = new RunsTableModel(source(), experimentId);
    await model.setFilter("metrics.loss < 0.1");
    while (model.hasMore) await model.loadMore();
    expect(model.rows).toHaveLength(250);
    expect(model.hasMore).toBe(false);
    expect(model.rows.every((r) => (r.metrics.loss as number) < 0.1)).toBe(true);

    await model.setStatusFilter("FAILED");
    expect(model.effectiveFilter).toBe("metrics.loss < 0.1 AND attributes.status = 'FAILED'");
    const expected = Array.from({ length: RUNS }, (_, i) => i).filter((i) => failed(i) && lossOf(i) < 0.1);
    expect(model.rows.map((r) => r.name).sort()).toEqual(expected.map((i) => `run-${i}`).sort());
    expect(model.rows.every((r) => r.status === "FAILED")).toBe(true);

    await model.setFilter("");
    expect(model.effectiveFilter).toBe("attributes.status = 'FAILED'");
    while (model.hasMore) await model.loadMore();
    expect(model.rows).toHaveLength(RUNS / 5);
    model.dispose();
  });

  it("turns a bad filter into an error with the server's message and position, then recovers", async () => {
    const src = source();
    const model = new RunsTableModel(src, experimentId);
    await model.reload();
    await model.setFilter("metrics.loss < 0.1 AND bogus.x = 1");
    expect(model.state).toBe("error");
    expect(model.rows).toEqual([]);
    expect(model.error).toBeNull();
    expect(model.filterError?.position).toBe(23);
    expect(model.filterError?.message).toMatch(/bogus/);
    expect(model.filterError?.message).not.toMatch(/at position/);
    // A bad filter is the user's, not the server's problem: the status bar is not told.
    expect(src.reports.every((r) => r === null)).toBe(true);

    await model.setFilter("params.opt = 'sgd'");
    expect(model.state).toBe("ready");
    expect(model.filterError).toBeNull();
    expect(model.rows.every((r) => r.params.opt === "sgd")).toBe(true);
    model.dispose();
  });

  it("keeps the selection, sort, filter and loaded pages across a refresh", async () => {
    const model = new RunsTableModel(source(), experimentId);
    await model.setSort("metrics.loss", "ASC");
    await model.setFilter("params.opt != 'sgd'");
    while (model.rows.length <= 1500 && model.hasMore) await model.loadMore();
    expect(model.rows.length).toBeGreaterThan(1500);
    const loaded = model.rows.length;
    const picked = [model.rows[0]?.runId, model.rows[1500]?.runId] as string[];
    for (const id of picked) model.setSelected(id, true);
    const before = model.rows;
    await model.refresh();
    expect(model.rows).not.toBe(before);
    expect(model.rows).toHaveLength(loaded);
    expect([...model.selection]).toEqual(picked);
    expect(model.orderBy).toEqual(["metrics.loss ASC"]);
    expect(model.filter).toBe("params.opt != 'sgd'");
    expect(model.rows.map((r) => r.runId)).toEqual(before.map((r) => r.runId));
    model.setSelected(picked[0] as string, false);
    expect([...model.selection]).toEqual([picked[1]]);
    model.toggleSelectAll();
    expect(model.selection.size).toBe(loaded);
    model.toggleSelectAll();
    expect(model.selection.size).toBe(0);
    model.dispose();
  });

  it("drops the answer of a request that a newer one superseded", async () => {
    // The first search is held back 400 ms; the second, sent later, answers first.
    const model = new RunsTableModel(source({ 0: 400 }), experimentId);
    const slow = model.setFilter("metrics.loss < 0.1");
    const fast = model.setFilter("metrics.loss < 0.2");
    await Promise.all([slow, fast]);
    expect(model.filter).toBe("metrics.loss < 0.2");
    expect(model.rows).toHaveLength(FIRST_PAGE_SIZE);
    expect(model.rows.every((r) => (r.metrics.loss as number) < 0.2)).toBe(true);

    // A page that arrives after the sort changed is dropped too.
    const paging = new RunsTableModel(source({ 1: 400 }), experimentId);
    await paging.reload();
    const more = paging.loadMore();
    const sorted = paging.setSort("params.seed", "ASC");
    await Promise.all([more, sorted]);
    expect(paging.rows).toHaveLength(FIRST_PAGE_SIZE);
    expect(paging.rows[0]?.params.seed).toBe("0000");
    expect(paging.loadingMore).toBe(false);
    model.dispose();
    paging.dispose();
  });

  it("makes an unreachable server an error state, never a rejection, and retries", async () => {
    const reports: unknown[] = [];
    const dead: RunsSource = {
      uri: "http://127.0.0.1:9",
      client: new RestClient({ trackingUri: "http://127.0.0.1:9", retries: 0 }),
      report: (e) => reports.push(e),
    };
    const model = new RunsTableModel(dead, experimentId);
    await model.reload();
    expect(model.state).toBe("error");
    expect(model.error?.summary).toBe("unreachable");
    expect(model.filterError).toBeNull();
    expect(reports.at(-1)).toBeInstanceOf(Error);
    await model.retry();
    expect(model.state).toBe("error");
    model.dispose();
  });

  it("shows cells as text: names, statuses, durations, metrics", async () => {
    const model = new RunsTableModel(source(), experimentId);
    await model.setFilter("attributes.run_name = 'run-5'");
    const row = model.rows[0];
    expect(row).toBeDefined();
    const text = (id: string) => cellText(row!, model.column(id)!);
    expect(text("attributes.run_name")).toBe("run-5");
    expect(text("attributes.status")).toBe("FAILED");
    expect(text("attributes.duration")).toBe("5.0 s");
    expect(text("metrics.loss")).toBe(String(lossOf(5)));
    expect(text("params.opt")).toBe("rmsprop");
    model.setVisible("tags.team", true);
    expect(model.visibleColumns.map((c) => c.id)).toContain("tags.team");
    model.setVisible("attributes.run_name", false);
    expect(model.isVisible("attributes.run_name")).toBe(true);
    model.setWidth("metrics.loss", 5);
    expect(model.width("metrics.loss")).toBe(40);
    model.dispose();
  });
});

describe("runs table pure parts", () => {
  it("quotes keys MLflow's grammar cannot take bare", () => {
    expect(quoteKey("loss")).toBe("loss");
    expect(quoteKey("mlflow.runName")).toBe("mlflow.runName");
    expect(quoteKey("train/loss")).toBe("`train/loss`");
    expect(orderByClause(keyColumn("param", "batch size"), "DESC")).toBe("params.`batch size` DESC");
  });

  it("splits our server's position off a filter error; MLflow's messages pass as they are", () => {
    expect(parseFilterError("Invalid filter: 'x' is odd (at position 7)")).toEqual({
      message: "Invalid filter: 'x' is odd",
      position: 7,
    });
    expect(parseFilterError("Invalid clause(s) in filter string")).toEqual({
      message: "Invalid clause(s) in filter string",
    });
  });
});
