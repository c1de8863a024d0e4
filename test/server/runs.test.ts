import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, checkers, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;
let server: RunningServer;
let call: ReturnType<typeof api>;
let experimentId: string;

beforeAll(async () => {
  server = await startServer();
  call = api(server.url);
  experimentId = (await call<Body>("POST", "/experiments/create", { name: "runs" })).body.experiment_id;
});
afterAll(async () => server?.dispose());

const { ok, fails } = checkers(() => call, expect);

const newRun = async (extra: Body = {}) =>
  (await ok("POST", "/runs/create", { experiment_id: experimentId, start_time: 1000, ...extra })).run;
const getRun = async (runId: string) => (await ok("GET", "/runs/get", { run_id: runId })).run;

describe("runs: create, get, update, delete, restore", () => {
  it("creates a run with a random readable name kept in the mlflow.runName tag", async () => {
    const run = await newRun({ user_id: "alice", tags: [{ key: "k", value: "v" }] });
    expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.run_uuid).toBe(run.info.run_id);
    expect(run.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d{1,4}$/);
    expect(run.info.run_name.length).toBeLessThanOrEqual(20);
    expect(run.info).toMatchObject({
      experiment_id: experimentId,
      user_id: "alice",
      status: "RUNNING",
      start_time: 1000,
      lifecycle_stage: "active",
      artifact_uri: `mlflow-artifacts:/${experimentId}/${run.info.run_id}/artifacts`,
    });
    expect(run.info.end_time).toBeUndefined();
    expect(run.data.tags).toContainEqual({ key: "mlflow.runName", value: run.info.run_name });
    expect(run.data.tags).toContainEqual({ key: "k", value: "v" });
    expect(run.data.metrics).toBeUndefined();
    expect(run.inputs).toEqual({});
  });

  it("takes the name from run_name or the tag, refuses both differing", async () => {
    expect((await newRun({ run_name: "named" })).info.run_name).toBe("named");
    expect((await newRun({ tags: [{ key: "mlflow.runName", value: "from-tag" }] })).info.run_name).toBe(
      "from-tag",
    );
    await fails(
      "POST",
      "/runs/create",
      { experiment_id: experimentId, run_name: "a", tags: [{ key: "mlflow.runName", value: "b" }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("defaults to experiment 0 and start_time 0, refuses unknown experiments", async () => {
    const run = (await ok("POST", "/runs/create", {})).run;
    expect(run.info.experiment_id).toBe("0");
    expect(run.info.start_time).toBe(0);
    await fails("POST", "/runs/create", { experiment_id: "424242" }, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails(
      "POST",
      "/runs/create",
      { experiment_id: experimentId, start_time: "soon" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("updates status, end time and name (and the tag) on both prefixes", async () => {
    const run = await newRun();
    const id = run.info.run_id;
    const updated = await ok(
      "POST",
      "/runs/update",
      { run_id: id, status: "FINISHED", end_time: 2000, run_name: "renamed" },
      "/ajax-api/2.0/mlflow",
    );
    expect(updated.run_info).toMatchObject({ status: "FINISHED", end_time: 2000, run_name: "renamed" });
    expect((await getRun(id)).data.tags).toContainEqual({ key: "mlflow.runName", value: "renamed" });
    await ok("POST", "/runs/update", { run_uuid: id, status: 4 });
    expect((await getRun(id)).info.status).toBe("FAILED");
    await fails("POST", "/runs/update", { run_id: id, status: "DONE" }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/runs/update", { run_id: "0".repeat(32) }, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails("POST", "/runs/update", {}, 400, "INVALID_PARAMETER_VALUE");
  });

  it("soft-deletes and restores; deleted runs refuse writes", async () => {
    const id = (await newRun()).info.run_id;
    await ok("POST", "/runs/delete", { run_id: id });
    expect((await getRun(id)).info.lifecycle_stage).toBe("deleted");
    await ok("POST", "/runs/delete", { run_id: id });
    for (const [path, body] of [
      ["/runs/log-metric", { run_id: id, key: "m", value: 1, timestamp: 1 }],
      ["/runs/log-parameter", { run_id: id, key: "p", value: "1" }],
      ["/runs/set-tag", { run_id: id, key: "t", value: "1" }],
      ["/runs/log-batch", { run_id: id, metrics: [{ key: "m", value: 1, timestamp: 1 }] }],
      ["/runs/update", { run_id: id, status: "FINISHED" }],
    ] as const) {
      expect(await fails("POST", path, body, 400, "INVALID_PARAMETER_VALUE")).toContain("active");
    }
    await ok("POST", "/runs/restore", { run_id: id });
    await ok("POST", "/runs/log-parameter", { run_id: id, key: "p", value: "1" });
    await fails("POST", "/runs/delete", { run_id: "f".repeat(32) }, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails("GET", "/runs/get", { run_id: "f".repeat(32) }, 404, "RESOURCE_DOES_NOT_EXIST");
  });
});

describe("params, tags and metrics", () => {
  it("keeps params write-once", async () => {
    const id = (await newRun()).info.run_id;
    await ok("POST", "/runs/log-parameter", { run_id: id, run_uuid: id, key: "lr", value: "0.1" });
    await ok("POST", "/runs/log-parameter", { run_id: id, key: "lr", value: "0.1" });
    const msg = await fails(
      "POST",
      "/runs/log-parameter",
      { run_id: id, key: "lr", value: "0.2" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect(msg).toContain("lr");
    expect(msg).toContain("0.1");
    expect(msg).toContain("0.2");
    await ok("POST", "/runs/log-parameter", { run_id: id, key: "empty", value: "" });
    expect((await getRun(id)).data.params).toEqual(
      expect.arrayContaining([
        { key: "lr", value: "0.1" },
        { key: "empty", value: "" },
      ]),
    );
  });

  it.each([
    ["bad characters", "a$b"],
    ["double slash", "a//b"],
    ["dot segment", "a/./b"],
    ["parent", "../x"],
    ["absolute", "/abs"],
    ["trailing slash", "a/"],
    ["too long", "k".repeat(251)],
  ])("refuses keys with %s", async (_label, key) => {
    const id = (await newRun()).info.run_id;
    await fails(
      "POST",
      "/runs/log-parameter",
      { run_id: id, key, value: "1" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/runs/log-metric",
      { run_id: id, key, value: 1, timestamp: 1 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails("POST", "/runs/set-tag", { run_id: id, key, value: "1" }, 400, "INVALID_PARAMETER_VALUE");
  });

  it("accepts keys with unicode, spaces, colons, dots and slashes", async () => {
    const id = (await newRun()).info.run_id;
    for (const key of ["val loss", "train/acc", "a.b:c", "学习率", "x-y_z"]) {
      await ok("POST", "/runs/log-metric", { run_id: id, key, value: 1, timestamp: 1 });
      await ok("POST", "/runs/log-parameter", { run_id: id, key, value: "v" });
    }
    expect((await getRun(id)).data.params).toHaveLength(5);
  });

  it("refuses bad keys every time, also after good keys were checked and remembered", async () => {
    const id = (await newRun()).info.run_id;
    const bad = ["a/../b", "/lead", "trail/", "..x", "semi;colon", "", "k".repeat(251)];
    for (let round = 0; round < 2; round++) {
      // The good keys' second round is answered from the remembered keys.
      await ok("POST", "/runs/log-batch", {
        run_id: id,
        metrics: ["loss", "train/acc"].map((key) => ({ key, value: round, timestamp: 1, step: round })),
      });
      for (const key of bad) {
        await fails(
          "POST",
          "/runs/log-metric",
          { run_id: id, key, value: 1, timestamp: 1 },
          400,
          "INVALID_PARAMETER_VALUE",
        );
        await fails(
          "POST",
          "/runs/log-batch",
          {
            run_id: id,
            metrics: [
              { key: "loss", value: 1, timestamp: 1 },
              { key, value: 1, timestamp: 1 },
            ],
          },
          400,
          "INVALID_PARAMETER_VALUE",
        );
      }
    }
    // Nothing of a refused batch was written: two rounds of the good batch, no more.
    const history = await ok("GET", "/metrics/get-history", { run_id: id, metric_key: "loss" });
    expect(history.metrics).toHaveLength(2);
  });

  it("truncates over-long param and tag values as MLflow does", async () => {
    const id = (await newRun()).info.run_id;
    await ok("POST", "/runs/log-parameter", { run_id: id, key: "long", value: "p".repeat(7000) });
    await ok("POST", "/runs/set-tag", { run_id: id, key: "long", value: "t".repeat(9000) });
    const run = await getRun(id);
    expect(run.data.params.find((p: Body) => p.key === "long").value).toHaveLength(6000);
    expect(run.data.tags.find((t: Body) => t.key === "long").value).toHaveLength(8000);
  });

  it("upserts tags, syncs mlflow.runName, deletes tags", async () => {
    const id = (await newRun()).info.run_id;
    await ok("POST", "/runs/set-tag", { run_id: id, key: "t", value: "1" });
    await ok("POST", "/runs/set-tag", { run_id: id, key: "t", value: "2" });
    await ok("POST", "/runs/set-tag", { run_id: id, key: "mlflow.runName", value: "via-tag" });
    const run = await getRun(id);
    expect(run.data.tags).toContainEqual({ key: "t", value: "2" });
    expect(run.info.run_name).toBe("via-tag");
    await ok("POST", "/runs/delete-tag", { run_id: id, key: "t" });
    await fails("POST", "/runs/delete-tag", { run_id: id, key: "t" }, 404, "RESOURCE_DOES_NOT_EXIST");
    expect((await getRun(id)).data.tags).not.toContainEqual({ key: "t", value: "2" });
  });

  it("keeps full metric history and reports the latest by (step, timestamp, value)", async () => {
    const id = (await newRun()).info.run_id;
    const log = (value: unknown, timestamp: number, step?: number) =>
      ok("POST", "/runs/log-metric", {
        run_id: id,
        key: "loss",
        value,
        timestamp,
        ...(step === undefined ? {} : { step }),
      });
    await log(0.9, 100, 0);
    await log(0.5, 50, 2);
    await log(0.7, 200, 1);
    await log(0.4, 50, 2);
    await log(0.6, 60, 2);
    await log(0.6, 60, 2); // exact duplicate: dropped
    await log("0.3", 10); // numeric string, default step 0
    expect((await getRun(id)).data.metrics).toEqual([{ key: "loss", value: 0.6, timestamp: 60, step: 2 }]);
    const history = await ok("GET", "/metrics/get-history", { run_id: id, metric_key: "loss" });
    expect(history.metrics).toHaveLength(6);
    expect(history.metrics[0]).toEqual({ key: "loss", value: 0.3, timestamp: 10, step: 0 });
    await fails(
      "POST",
      "/runs/log-metric",
      { run_id: id, key: "loss", value: "abc", timestamp: 1 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/runs/log-metric",
      { run_id: id, key: "loss", value: 1, timestamp: -1 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/runs/log-metric",
      { run_id: id, key: "loss", value: 1 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/runs/log-metric",
      { run_id: id, key: "loss", timestamp: 1 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("stores NaN and infinities the way MLflow returns them", async () => {
    const id = (await newRun()).info.run_id;
    await ok("POST", "/runs/log-metric", { run_id: id, key: "nan", value: "NaN", timestamp: 1 });
    await ok("POST", "/runs/log-metric", { run_id: id, key: "inf", value: "Infinity", timestamp: 1 });
    await ok("POST", "/runs/log-metric", { run_id: id, key: "ninf", value: "-Infinity", timestamp: 1 });
    const metrics = Object.fromEntries((await getRun(id)).data.metrics.map((m: Body) => [m.key, m.value]));
    expect(metrics).toEqual({ nan: "NaN", inf: 1.7976931348623157e308, ninf: -1.7976931348623157e308 });
    const history = await ok("GET", "/metrics/get-history", { run_id: id, metric_key: "nan" });
    expect(history.metrics[0].value).toBe("NaN");
  });

  it("pages metric history with tokens", async () => {
    const id = (await newRun()).info.run_id;
    const metrics = Array.from({ length: 25 }, (_, i) => ({
      key: "h",
      value: i,
      timestamp: 1000 + i,
      step: i,
    }));
    await ok("POST", "/runs/log-batch", { run_id: id, metrics });
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ok("GET", "/metrics/get-history", {
        run_id: id,
        metric_key: "h",
        max_results: 10,
        ...(token ? { page_token: token } : {}),
      });
      seen.push(...page.metrics.map((m: Body) => m.step));
      token = page.next_page_token;
      pages++;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(await ok("GET", "/metrics/get-history", { run_id: "0".repeat(32), metric_key: "h" })).toEqual({});
    await fails("GET", "/metrics/get-history", { run_id: id }, 400, "INVALID_PARAMETER_VALUE");
  });

  it("samples many runs' histories with get-history-bulk-interval", async () => {
    const a = (await newRun()).info.run_id;
    const b = (await newRun()).info.run_id;
    const points = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: "curve", value: i / n, timestamp: i, step: i }));
    await ok("POST", "/runs/log-batch", { run_id: a, metrics: points(1000) });
    await ok("POST", "/runs/log-batch", { run_id: b, metrics: points(300) });
    const all = await ok(
      "GET",
      "/metrics/get-history-bulk-interval",
      { run_ids: [a, b], metric_key: "curve" },
      "/ajax-api/2.0/mlflow",
    );
    expect(all.metrics).toHaveLength(1300);
    const sampled = await ok("GET", "/metrics/get-history-bulk-interval", {
      run_ids: [a, b],
      metric_key: "curve",
      max_results: 50,
    });
    const forA = sampled.metrics.filter((m: Body) => m.run_id === a);
    expect(forA.length).toBeGreaterThanOrEqual(50);
    expect(forA.length).toBeLessThanOrEqual(53);
    expect(forA[0].step).toBe(0);
    expect(forA.at(-1).step).toBe(999);
    // b's own last step is kept even though it is not on a's grid.
    expect(sampled.metrics.filter((m: Body) => m.run_id === b).at(-1).step).toBe(299);
    // A run logging every 10th step (not dense): sampled among the steps it has.
    const c = (await newRun()).info.run_id;
    await ok("POST", "/runs/log-batch", {
      run_id: c,
      metrics: Array.from({ length: 100 }, (_, i) => ({
        key: "curve",
        value: i,
        timestamp: i,
        step: i * 10,
      })),
    });
    const sparse = await ok("GET", "/metrics/get-history-bulk-interval", {
      run_ids: [c],
      metric_key: "curve",
      max_results: 10,
    });
    const sparseSteps = sparse.metrics.map((m: Body) => m.step);
    expect(sparseSteps.every((st: number) => st % 10 === 0)).toBe(true);
    expect(sparseSteps[0]).toBe(0);
    expect(sparseSteps.at(-1)).toBe(990);
    expect(sparseSteps.length).toBeGreaterThanOrEqual(10);
    expect(sparseSteps.length).toBeLessThanOrEqual(12);
    const ranged = await ok("GET", "/metrics/get-history-bulk-interval", {
      run_ids: [a],
      metric_key: "curve",
      start_step: 10,
      end_step: 19,
    });
    expect(ranged.metrics.map((m: Body) => m.step)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
    await fails(
      "GET",
      "/metrics/get-history-bulk-interval",
      { run_ids: [a], metric_key: "curve", start_step: 5 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "GET",
      "/metrics/get-history-bulk-interval",
      { run_ids: [a], metric_key: "curve", start_step: 5, end_step: 1 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "GET",
      "/metrics/get-history-bulk-interval",
      { run_ids: [a], metric_key: "curve", max_results: 2501 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "GET",
      "/metrics/get-history-bulk-interval",
      { metric_key: "curve" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    const many = Array.from({ length: 101 }, (_, i) => String(i).padStart(32, "0"));
    await fails(
      "GET",
      "/metrics/get-history-bulk-interval",
      { run_ids: many, metric_key: "curve" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });
});

describe("log-batch", () => {
  it("writes params, metrics and tags, last tag wins", async () => {
    const id = (await newRun()).info.run_id;
    await ok("POST", "/runs/log-batch", {
      run_id: id,
      metrics: [
        { key: "m", value: 1, timestamp: 1, step: 0 },
        { key: "m", value: "NaN", timestamp: 2, step: 1 },
      ],
      params: [{ key: "p", value: "x" }],
      tags: [
        { key: "t", value: "1" },
        { key: "t", value: "2" },
      ],
    });
    const run = await getRun(id);
    expect(run.data.params).toEqual([{ key: "p", value: "x" }]);
    expect(run.data.tags).toContainEqual({ key: "t", value: "2" });
    expect(run.data.metrics).toEqual([{ key: "m", value: "NaN", timestamp: 2, step: 1 }]);
    await ok("POST", "/runs/log-batch", { run_id: id });
  });

  it("is all or nothing: a conflicting param writes none of the batch", async () => {
    const id = (await newRun()).info.run_id;
    await ok("POST", "/runs/log-parameter", { run_id: id, key: "p", value: "1" });
    await fails(
      "POST",
      "/runs/log-batch",
      {
        run_id: id,
        metrics: [{ key: "m", value: 1, timestamp: 1 }],
        params: [
          { key: "q", value: "new" },
          { key: "p", value: "2" },
        ],
        tags: [{ key: "t", value: "1" }],
      },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    const run = await getRun(id);
    expect(run.data.metrics).toBeUndefined();
    expect(run.data.params).toEqual([{ key: "p", value: "1" }]);
    expect(run.data.tags.map((t: Body) => t.key)).toEqual(["mlflow.runName"]);
  });

  it("keeps a param write-once when batches race for it: one wins, the others write nothing", async () => {
    const id = (await newRun()).info.run_id;
    // Each batch carries its own tag and metric: a loser must leave neither behind.
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call<Body>("POST", "/runs/log-batch", {
          run_id: id,
          params: [
            { key: "shared", value: `v${i}` },
            { key: `own${i}`, value: "x" },
          ],
          tags: [{ key: `t${i}`, value: "x" }],
          metrics: [{ key: `m${i}`, value: i, timestamp: 1 }],
        }),
      ),
    );
    const winners = answers.flatMap((a, i) => (a.status === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(400);
      expect(a.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    }
    const w = winners[0] as number;
    const run = await getRun(id);
    expect(run.data.params).toEqual(
      expect.arrayContaining([
        { key: "shared", value: `v${w}` },
        { key: `own${w}`, value: "x" },
      ]),
    );
    expect(run.data.params).toHaveLength(2);
    expect(run.data.tags.map((t: Body) => t.key).sort()).toEqual(["mlflow.runName", `t${w}`]);
    expect(run.data.metrics).toEqual([{ key: `m${w}`, value: w, timestamp: 1, step: 0 }]);
  });

  it("enforces MLflow's limits and per-item required fields", async () => {
    const id = (await newRun()).info.run_id;
    const metrics = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: "m", value: i, timestamp: 1, step: i }));
    const kv = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: "v" }));
    await ok("POST", "/runs/log-batch", { run_id: id, metrics: metrics(1000) });
    await fails(
      "POST",
      "/runs/log-batch",
      { run_id: id, metrics: metrics(1001) },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails("POST", "/runs/log-batch", { run_id: id, params: kv(101) }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/runs/log-batch", { run_id: id, tags: kv(101) }, 400, "INVALID_PARAMETER_VALUE");
    await fails(
      "POST",
      "/runs/log-batch",
      { run_id: id, metrics: metrics(950), params: kv(30), tags: kv(30) },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/runs/log-batch",
      {
        run_id: id,
        params: [
          { key: "d", value: "1" },
          { key: "d", value: "1" },
        ],
      },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect(
      await fails(
        "POST",
        "/runs/log-batch",
        { run_id: id, metrics: [{ key: "m", timestamp: 1 }] },
        400,
        "INVALID_PARAMETER_VALUE",
      ),
    ).toContain("metrics[0].value");
    expect(
      await fails(
        "POST",
        "/runs/log-batch",
        { run_id: id, params: [{ value: "1" }] },
        400,
        "INVALID_PARAMETER_VALUE",
      ),
    ).toContain("params[0].key");
    await fails("POST", "/runs/log-batch", { run_id: id, metrics: "nope" }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/runs/log-batch", { run_id: id, metrics: [5] }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/runs/log-batch", { run_id: "../etc", metrics: [] }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/runs/log-batch", { run_id: "0".repeat(32) }, 404, "RESOURCE_DOES_NOT_EXIST");
  });
});

describe("inputs, models and nested runs", () => {
  it("logs dataset inputs once per dataset, with tags", async () => {
    const id = (await newRun()).info.run_id;
    const dataset = {
      name: "iris",
      digest: "abc123",
      source_type: "local",
      source: "/data/iris.csv",
      schema: "{}",
    };
    await ok("POST", "/runs/log-inputs", {
      run_id: id,
      datasets: [{ dataset, tags: [{ key: "mlflow.data.context", value: "training" }] }],
    });
    await ok("POST", "/runs/log-inputs", {
      run_id: id,
      datasets: [{ dataset, tags: [{ key: "mlflow.data.context", value: "eval" }] }],
    });
    const run = await getRun(id);
    expect(run.inputs.dataset_inputs).toEqual([
      { tags: [{ key: "mlflow.data.context", value: "training" }], dataset },
    ]);
    await ok("POST", "/runs/log-inputs", { run_id: id, datasets: [] });
    await fails(
      "POST",
      "/runs/log-inputs",
      { run_id: id, datasets: [{ dataset: { name: "x" } }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/runs/log-inputs",
      { run_id: id, datasets: [{ tags: [] }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    const search = await ok("POST", "/runs/search", {
      experiment_ids: [experimentId],
      filter: "dataset.context = 'training'",
    });
    expect(search.runs.map((r: Body) => r.info.run_id)).toEqual([id]);
  });

  it("appends logged models to mlflow.log-model.history", async () => {
    const id = (await newRun()).info.run_id;
    const model = {
      artifact_path: "model",
      flavors: { sklearn: {} },
      utc_time_created: "2026-01-01",
      run_id: id,
    };
    await ok("POST", "/runs/log-model", { run_id: id, model_json: JSON.stringify(model) });
    await ok("POST", "/runs/log-model", {
      run_id: id,
      model_json: JSON.stringify({ ...model, artifact_path: "m2" }),
    });
    const tag = (await getRun(id)).data.tags.find((t: Body) => t.key === "mlflow.log-model.history");
    expect(JSON.parse(tag.value).map((m: Body) => m.artifact_path)).toEqual(["model", "m2"]);
    await fails("POST", "/runs/log-model", { run_id: id, model_json: "{" }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/runs/log-model", { run_id: id, model_json: "{}" }, 400, "INVALID_PARAMETER_VALUE");
  });

  it("finds nested runs by mlflow.parentRunId", async () => {
    const parent = (await newRun({ run_name: "parent" })).info.run_id;
    await newRun({ run_name: "child", tags: [{ key: "mlflow.parentRunId", value: parent }] });
    const children = await ok("POST", "/runs/search", {
      experiment_ids: [experimentId],
      filter: `tags.mlflow.parentRunId = '${parent}'`,
    });
    expect(children.runs.map((r: Body) => r.info.run_name)).toEqual(["child"]);
  });
});

describe("runs/search", () => {
  it("filters, orders, pages and honours view types", async () => {
    const { experiment_id } = await ok("POST", "/experiments/create", { name: "search-runs" });
    for (let i = 0; i < 7; i++) {
      const run = (
        await ok("POST", "/runs/create", { experiment_id, run_name: `s${i}`, start_time: 100 + i })
      ).run;
      await ok("POST", "/runs/log-batch", {
        run_id: run.info.run_id,
        metrics: [{ key: "acc", value: i / 10, timestamp: 1 }],
        params: [{ key: "even", value: String(i % 2 === 0) }],
      });
      if (i === 6) await ok("POST", "/runs/delete", { run_id: run.info.run_id });
    }
    const names = (r: Body) => (r.runs ?? []).map((x: Body) => x.info.run_name);
    expect(names(await ok("POST", "/runs/search", { experiment_ids: [experiment_id] }))).toEqual([
      "s5",
      "s4",
      "s3",
      "s2",
      "s1",
      "s0",
    ]);
    expect(
      names(
        await ok("POST", "/runs/search", { experiment_ids: [experiment_id], run_view_type: "DELETED_ONLY" }),
      ),
    ).toEqual(["s6"]);
    expect(
      names(
        await ok("POST", "/runs/search", {
          experiment_ids: [experiment_id],
          filter: "params.even = 'true' and metrics.acc > 0.1",
          order_by: ["metrics.acc DESC"],
        }),
      ),
    ).toEqual(["s4", "s2"]);
    expect(
      names(
        await ok("POST", "/runs/search", {
          experiment_ids: [experiment_id],
          filter: "metrics.acc < 0.1 or metrics.acc >= 0.5",
        }),
      ),
    ).toEqual(["s5", "s0"]);
    const first = await ok("POST", "/runs/search", { experiment_ids: [experiment_id], max_results: 4 });
    expect(names(first)).toEqual(["s5", "s4", "s3", "s2"]);
    const second = await ok("POST", "/runs/search", {
      experiment_ids: [experiment_id],
      max_results: 4,
      page_token: first.next_page_token,
    });
    expect(names(second)).toEqual(["s1", "s0"]);
    expect(second.next_page_token).toBeUndefined();
    expect(await ok("POST", "/runs/search", { experiment_ids: [] })).toEqual({});
    // Fractional and huge numbers against integer columns, on every database.
    expect(
      names(
        await ok("POST", "/runs/search", {
          experiment_ids: [experiment_id],
          filter: "attributes.start_time > 104.5",
        }),
      ),
    ).toEqual(["s5"]);
    expect(
      await ok("POST", "/runs/search", {
        experiment_ids: [experiment_id],
        filter: "attributes.start_time > 1e309",
      }),
    ).toEqual({});
    await fails(
      "POST",
      "/runs/search",
      { experiment_ids: [experiment_id], filter: "params.even = 'a\u0000b'" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/runs/set-tag",
      { run_id: (await newRun()).info.run_id, key: "nul", value: "a\u0000b" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect(await ok("POST", "/runs/search", { experiment_ids: ["999999"] })).toEqual({});
    const search = await fails(
      "POST",
      "/runs/search",
      { experiment_ids: [experiment_id], filter: "metrics.acc > 'x'" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect(search).toContain("position");
    await fails(
      "POST",
      "/runs/search",
      { experiment_ids: [experiment_id], order_by: ["metrics.acc", "metrics.acc"] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/runs/search",
      { experiment_ids: [experiment_id], max_results: 50001 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });
});

describe("proto3 JSON field names", () => {
  it("reads camelCase fields as MLflow's parser does; snake_case wins when both are sent", async () => {
    const exp = (await ok("POST", "/experiments/create", { name: "camel" })).experiment_id;
    for (let i = 0; i < 3; i++) await ok("POST", "/runs/create", { experimentId: exp, runName: `r${i}` });
    const all = await ok("POST", "/runs/search", { experimentIds: [exp] });
    expect(all.runs.map((r: Body) => r.info.run_name).sort()).toEqual(["r0", "r1", "r2"]);
    const page = await ok("POST", "/runs/search", { experimentIds: [exp], maxResults: 2 });
    expect(page.runs).toHaveLength(2);
    expect(typeof page.next_page_token).toBe("string");
    const rest = await ok("POST", "/runs/search", {
      experimentIds: [exp],
      maxResults: 2,
      pageToken: page.next_page_token,
    });
    expect(rest.runs).toHaveLength(1);
    const both = await ok("POST", "/runs/search", {
      experiment_ids: [exp],
      experimentIds: ["999999"],
      max_results: 1,
      maxResults: 3,
    });
    expect(both.runs).toHaveLength(1);
  });
});
