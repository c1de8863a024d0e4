// MLflow 3's LoggedModel API against a real `labtrack server`: the requests an MLflow 3 client makes to
// log, finalize, register and load a model, and MLflow's errors for the bad ones (nothing half-written).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PG_MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import { pgBinDir } from "../helpers/pg-cluster.mjs";
import { api, checkers, type RunningServer, startServer, testBackend } from "../helpers/server.js";

type Body = Record<string, any>;

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");
const gcArtifacts = mkdtempSync(join(tmpdir(), "labtrack-lm-gc-"));

let server: RunningServer;
let call: ReturnType<typeof api>;
let experimentId: string;
let runId: string;

beforeAll(async () => {
  server = await startServer();
  call = api(server.url);
  experimentId = (await call<Body>("POST", "/experiments/create", { name: "lm" })).body.experiment_id;
  runId = (await call<Body>("POST", "/runs/create", { experiment_id: experimentId })).body.run.info.run_id;
});
afterAll(async () => {
  await server?.dispose();
  rmSync(gcArtifacts, { recursive: true, force: true });
});

const { ok, fails } = checkers(() => call, expect);

const create = async (payload: Body = {}): Promise<Body> =>
  (await ok("POST", "/logged-models", { experiment_id: experimentId, ...payload })).model;

/** A raw request, for bodies and paths the JSON helper cannot express. */
function raw(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.url);
    const req = http.request({ host: url.hostname, port: url.port, method, path }, (res) => {
      let text = "";
      res.on("data", (c) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("create and get", () => {
  it("creates a pending model under the experiment's artifact root, with params and tags", async () => {
    const before = Date.now();
    const model = await create({
      name: "clf",
      model_type: "Classifier",
      source_run_id: runId,
      params: [
        { key: "alpha", value: "0.5" },
        { key: "depth", value: "3" },
      ],
      tags: [{ key: "team", value: "a" }],
    });
    const id = model.info.model_id as string;
    expect(id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model.info).toMatchObject({
      experiment_id: experimentId,
      name: "clf",
      model_type: "Classifier",
      source_run_id: runId,
      status: "LOGGED_MODEL_PENDING",
      artifact_uri: `mlflow-artifacts:/${experimentId}/models/${id}/artifacts`,
      tags: [{ key: "team", value: "a" }],
    });
    expect(model.info.creation_timestamp_ms).toBeGreaterThanOrEqual(before);
    expect(model.info.last_updated_timestamp_ms).toBe(model.info.creation_timestamp_ms);
    expect(model.data.params).toEqual([
      { key: "alpha", value: "0.5" },
      { key: "depth", value: "3" },
    ]);
    // GET with the id in the path and nothing else (no query, no Content-Type), on both prefixes.
    for (const prefix of ["/api/2.0", "/ajax-api/2.0"]) {
      const r = await raw("GET", `${prefix}/mlflow/logged-models/${id}`);
      expect(r.status, r.text).toBe(200);
      expect(JSON.parse(r.text).model).toEqual(model);
    }
  });

  it("names a model when the client does not", async () => {
    const model = await create();
    expect(model.info.name).toMatch(/\S/);
    expect(model.data).toEqual({});
  });

  it("refuses bad requests with MLflow's errors and writes nothing", async () => {
    const count = async () =>
      ((await ok("POST", "/logged-models/search", { experiment_ids: [experimentId] })).models ?? []).length;
    const n = await count();
    expect(await fails("POST", "/logged-models", {}, 400, "INVALID_PARAMETER_VALUE")).toContain(
      "experiment_id",
    );
    await fails("POST", "/logged-models", { experiment_id: "987654" }, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails("POST", "/logged-models", { experiment_id: "x" }, 404, "RESOURCE_DOES_NOT_EXIST");
    for (const name of ["a/b", "a.b", "a:b", "50%", "it's"]) {
      await fails(
        "POST",
        "/logged-models",
        { experiment_id: experimentId, name },
        400,
        "INVALID_PARAMETER_VALUE",
      );
    }
    await fails(
      "POST",
      "/logged-models",
      { experiment_id: experimentId, source_run_id: "f".repeat(32) },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    // One bad param or tag fails the whole request.
    await fails(
      "POST",
      "/logged-models",
      {
        experiment_id: experimentId,
        params: [
          { key: "ok", value: "1" },
          { key: "../x", value: "2" },
        ],
      },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/logged-models",
      { experiment_id: experimentId, tags: [{ value: "no key" }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    const gone = (await ok("POST", "/experiments/create", { name: "lm-deleted" })).experiment_id;
    await ok("POST", "/experiments/delete", { experiment_id: gone });
    await fails("POST", "/logged-models", { experiment_id: gone }, 400, "INVALID_PARAMETER_VALUE");
    expect(await count()).toBe(n);
  });

  it("answers 404 RESOURCE_DOES_NOT_EXIST for unknown ids on every route", async () => {
    const id = `m-${"0".repeat(32)}`;
    const msg = await fails("GET", `/logged-models/${id}`, undefined, 404, "RESOURCE_DOES_NOT_EXIST");
    expect(msg).toContain(id);
    await fails(
      "PATCH",
      `/logged-models/${id}`,
      { status: "LOGGED_MODEL_READY" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await fails("DELETE", `/logged-models/${id}`, undefined, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails("PATCH", `/logged-models/${id}/tags`, { tags: [] }, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails("DELETE", `/logged-models/${id}/tags/k`, undefined, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails("POST", `/logged-models/${id}/params`, { params: [] }, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails(
      "GET",
      `/logged-models/${id}/artifacts/directories`,
      undefined,
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    // Other methods on these paths are MLflow's ENDPOINT_NOT_FOUND, not a 5xx.
    const r = await call<Body>("POST", `/logged-models/${id}`, {});
    expect(r.status).toBe(405);
    expect(r.body.error_code).toBe("ENDPOINT_NOT_FOUND");
  });
});

describe("finalize, tags, params, delete", () => {
  it("finalizes once, to READY or UPLOAD_FAILED", async () => {
    const model = await create();
    const id = model.info.model_id;
    await fails("PATCH", `/logged-models/${id}`, {}, 400, "INVALID_PARAMETER_VALUE");
    await fails("PATCH", `/logged-models/${id}`, { status: "DONE" }, 400, "INVALID_PARAMETER_VALUE");
    await fails(
      "PATCH",
      `/logged-models/${id}`,
      { status: "LOGGED_MODEL_PENDING" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails("PATCH", `/logged-models/${id}`, { status: 0 }, 400, "INVALID_PARAMETER_VALUE");
    const ready = (await ok("PATCH", `/logged-models/${id}`, { model_id: id, status: "LOGGED_MODEL_READY" }))
      .model;
    expect(ready.info.status).toBe("LOGGED_MODEL_READY");
    expect(ready.info.last_updated_timestamp_ms).toBeGreaterThanOrEqual(model.info.last_updated_timestamp_ms);
    expect(
      await fails("PATCH", `/logged-models/${id}`, { status: "LOGGED_MODEL_READY" }, 400, "INVALID_STATE"),
    ).toContain("already finalized");
    // The proto's enum numbers work too (3 = LOGGED_MODEL_UPLOAD_FAILED).
    const other = (await create()).info.model_id;
    const failed = (await ok("PATCH", `/logged-models/${other}`, { status: 3 })).model;
    expect(failed.info.status).toBe("LOGGED_MODEL_UPLOAD_FAILED");
  });

  it("sets and deletes tags, logs write-once params", async () => {
    const id = (await create({ params: [{ key: "p", value: "1" }] })).info.model_id;
    expect(
      await ok("PATCH", `/logged-models/${id}/tags`, {
        tags: [
          { key: "a", value: "1" },
          { key: "b", value: "2" },
          { key: "a", value: "3" },
        ],
      }),
    ).toEqual({});
    let got = (await ok("GET", `/logged-models/${id}`)).model;
    expect(got.info.tags).toEqual([
      { key: "a", value: "3" },
      { key: "b", value: "2" },
    ]);
    await ok("DELETE", `/logged-models/${id}/tags/a`);
    await fails("DELETE", `/logged-models/${id}/tags/a`, undefined, 404, "RESOURCE_DOES_NOT_EXIST");
    // A bad key fails the request and nothing of it is written.
    await fails(
      "PATCH",
      `/logged-models/${id}/tags`,
      {
        tags: [
          { key: "c", value: "1" },
          { key: "/bad", value: "2" },
        ],
      },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await ok("POST", `/logged-models/${id}/params`, {
      model_id: id,
      params: [
        { key: "q", value: "2" },
        { key: "p", value: "1" },
      ],
    });
    await fails(
      "POST",
      `/logged-models/${id}/params`,
      {
        params: [
          { key: "r", value: "3" },
          { key: "p", value: "changed" },
        ],
      },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    got = (await ok("GET", `/logged-models/${id}`)).model;
    expect(got.info.tags).toEqual([{ key: "b", value: "2" }]);
    expect(got.data.params).toEqual([
      { key: "p", value: "1" },
      { key: "q", value: "2" },
    ]);
  });

  it("deletes softly: gone for every route but a GET with allow_deleted", async () => {
    const id = (await create()).info.model_id;
    await ok("DELETE", `/logged-models/${id}`);
    await fails("GET", `/logged-models/${id}`, undefined, 404, "RESOURCE_DOES_NOT_EXIST");
    expect((await ok("GET", `/logged-models/${id}`, { allow_deleted: "true" })).model.info.model_id).toBe(id);
    await fails("DELETE", `/logged-models/${id}`, undefined, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails(
      "PATCH",
      `/logged-models/${id}/tags`,
      { tags: [{ key: "k", value: "v" }] },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await fails(
      "PATCH",
      `/logged-models/${id}`,
      { status: "LOGGED_MODEL_READY" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    const found =
      (await ok("POST", "/logged-models/search", { experiment_ids: [experimentId] })).models ?? [];
    expect(found.map((m: Body) => m.info.model_id)).not.toContain(id);
  });
});

describe("runs and metrics", () => {
  it("links outputs and inputs to runs and stores the model and dataset of metric points", async () => {
    const run = (await ok("POST", "/runs/create", { experiment_id: experimentId })).run.info.run_id;
    const id = (await create({ source_run_id: run })).info.model_id;
    expect(await ok("POST", "/runs/outputs", { run_id: run, models: [{ model_id: id, step: 3 }] })).toEqual(
      {},
    );
    await ok("POST", "/runs/log-inputs", { run_id: run, models: [{ model_id: id }] });
    await ok("POST", "/runs/log-metric", {
      run_id: run,
      key: "acc",
      value: 0.9,
      timestamp: 1000,
      step: 3,
      model_id: id,
      dataset_name: "test",
      dataset_digest: "abc",
    });
    await ok("POST", "/runs/log-batch", {
      run_id: run,
      metrics: [
        { key: "acc", value: 0.95, timestamp: 2000, step: 4, model_id: id, dataset_name: "test" },
        { key: "loss", value: "NaN", timestamp: 2000, step: 4 },
      ],
    });
    const got = (await ok("GET", "/runs/get", { run_id: run })).run;
    expect(got.outputs).toEqual({ model_outputs: [{ model_id: id, step: 3 }] });
    expect(got.inputs.model_inputs).toEqual([{ model_id: id }]);
    const history = (await ok("GET", "/metrics/get-history", { run_id: run, metric_key: "acc" })).metrics;
    expect(history).toEqual([
      {
        key: "acc",
        value: 0.9,
        timestamp: 1000,
        step: 3,
        dataset_name: "test",
        dataset_digest: "abc",
        model_id: id,
      },
      { key: "acc", value: 0.95, timestamp: 2000, step: 4, dataset_name: "test", model_id: id },
    ]);
    const model = (await ok("GET", `/logged-models/${id}`)).model;
    expect(model.data.metrics).toEqual(history.map((m: Body) => ({ ...m, run_id: run })));
    // The run's own latest values are unchanged by the links.
    expect(got.data.metrics.find((m: Body) => m.key === "acc")).toEqual({
      key: "acc",
      value: 0.95,
      timestamp: 2000,
      step: 4,
    });
  });

  it("refuses unknown model ids in metrics and outputs, writing nothing", async () => {
    const run = (await ok("POST", "/runs/create", { experiment_id: experimentId })).run.info.run_id;
    const unknown = `m-${"1".repeat(32)}`;
    await fails(
      "POST",
      "/runs/log-batch",
      {
        run_id: run,
        metrics: [
          { key: "x", value: 1, timestamp: 1 },
          { key: "y", value: 1, timestamp: 1, model_id: unknown },
        ],
      },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await fails(
      "POST",
      "/runs/outputs",
      { run_id: run, models: [{ model_id: unknown, step: 0 }] },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await fails(
      "POST",
      "/runs/outputs",
      { run_id: run, models: [{ step: 0 }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    const got = (await ok("GET", "/runs/get", { run_id: run })).run;
    expect(got.data.metrics).toBeUndefined();
    expect(got.outputs).toBeUndefined();
  });
});

describe("search", () => {
  let exp: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    exp = (await ok("POST", "/experiments/create", { name: "lm-search" })).experiment_id;
    const run = (await ok("POST", "/runs/create", { experiment_id: exp })).run.info.run_id;
    const specs = [
      { name: "alpha", acc: 0.7, ds: "val", p: "1", tag: "x", ready: true },
      { name: "beta", acc: 0.9, ds: "val", p: "2", tag: "y", ready: true },
      { name: "gamma", acc: 0.8, ds: "test", p: "3", tag: "x", ready: false },
      { name: "delta", acc: undefined, ds: undefined, p: "4", tag: "y", ready: false },
    ];
    for (const s of specs) {
      const m = (
        await ok("POST", "/logged-models", {
          experiment_id: exp,
          name: s.name,
          source_run_id: run,
          params: [{ key: "p", value: s.p }],
          tags: [{ key: "t", value: s.tag }],
        })
      ).model;
      ids[s.name] = m.info.model_id;
      if (s.ready) await ok("PATCH", `/logged-models/${m.info.model_id}`, { status: "LOGGED_MODEL_READY" });
      if (s.acc !== undefined) {
        await ok("POST", "/runs/log-metric", {
          run_id: run,
          key: "acc",
          value: s.acc,
          timestamp: 10,
          model_id: m.info.model_id,
          dataset_name: s.ds,
        });
      }
      // Creation timestamps must differ for the default order to be checked.
      await new Promise((r) => setTimeout(r, 5));
    }
  });

  const names = async (payload: Body): Promise<string[]> =>
    ((await ok("POST", "/logged-models/search", { experiment_ids: [exp], ...payload })).models ?? []).map(
      (m: Body) => m.info.name,
    );

  it("orders by creation time, newest first, by default", async () => {
    expect(await names({})).toEqual(["delta", "gamma", "beta", "alpha"]);
  });

  it("filters on attributes, params, tags and metrics with MLflow's grammar", async () => {
    expect(await names({ filter: "name = 'beta'" })).toEqual(["beta"]);
    expect(await names({ filter: "name LIKE '%a'" })).toEqual(["delta", "gamma", "beta", "alpha"]);
    expect(await names({ filter: "name IN ('alpha', 'gamma')" })).toEqual(["gamma", "alpha"]);
    expect(await names({ filter: "status = 'READY'" })).toEqual(["beta", "alpha"]);
    expect(await names({ filter: "status = 'LOGGED_MODEL_PENDING'" })).toEqual(["delta", "gamma"]);
    expect(await names({ filter: "params.p != '1' AND params.p LIKE '%'" })).toEqual([
      "delta",
      "gamma",
      "beta",
    ]);
    expect(await names({ filter: "tags.t = 'x' AND metrics.acc > 0.75" })).toEqual(["gamma"]);
    expect(await names({ filter: "metrics.acc >= 0.8" })).toEqual(["gamma", "beta"]);
    expect(await names({ filter: `model_id = '${ids.alpha}'` })).toEqual(["alpha"]);
    expect(await names({ filter: "creation_timestamp > 0 AND source_run_id != 'nope'" })).toHaveLength(4);
  });

  it("restricts metrics to the datasets named", async () => {
    expect(await names({ datasets: [{ dataset_name: "val" }] })).toEqual(["beta", "alpha"]);
    expect(await names({ filter: "metrics.acc > 0.75", datasets: [{ dataset_name: "test" }] })).toEqual([
      "gamma",
    ]);
    expect(await names({ datasets: [{ dataset_name: "val", dataset_digest: "none" }] })).toEqual([]);
  });

  it("orders by metrics (models without them last) and attributes", async () => {
    expect(await names({ order_by: [{ field_name: "metrics.acc", ascending: false }] })).toEqual([
      "beta",
      "gamma",
      "alpha",
      "delta",
    ]);
    expect(await names({ order_by: [{ field_name: "metrics.acc" }] })).toEqual([
      "alpha",
      "gamma",
      "beta",
      "delta",
    ]);
    expect(
      await names({ order_by: [{ field_name: "metrics.acc", ascending: false, dataset_name: "test" }] }),
    ).toEqual(["gamma", "delta", "beta", "alpha"]);
    expect(await names({ order_by: [{ field_name: "name", ascending: true }] })).toEqual([
      "alpha",
      "beta",
      "delta",
      "gamma",
    ]);
  });

  it("compares a model's latest metric value, whether few or many points match (index or model by model)", async () => {
    const e = (await ok("POST", "/experiments/create", { name: "lm-latest" })).experiment_id;
    const run = (await ok("POST", "/runs/create", { experiment_id: e })).run.info.run_id;
    const model = async (name: string) =>
      (await ok("POST", "/logged-models", { experiment_id: e, name })).model.info.model_id as string;
    const log = (id: string, values: number[], key = "score") =>
      ok("POST", "/runs/log-batch", {
        run_id: run,
        metrics: values.map((value, step) => ({ key, value, step, timestamp: 100 + step, model_id: id })),
      });
    // Many points above 0.9 (more than the server reads from the value index), then a latest of 0.1.
    const fallen = await model("fallen");
    for (let i = 0; i < 600; i += 200) await log(fallen, Array(200).fill(0.95));
    await ok("POST", "/runs/log-metric", {
      run_id: run,
      key: "score",
      value: 0.1,
      step: 1000,
      timestamp: 5000,
      model_id: fallen,
    });
    const risen = await model("risen");
    await log(risen, [0.2, 0.3, 0.97]);
    const nan = await model("nan");
    await log(nan, [0.99]);
    await ok("POST", "/runs/log-metric", {
      run_id: run,
      key: "score",
      value: "NaN",
      step: 5,
      timestamp: 6000,
      model_id: nan,
    });
    // Few points in range: the value index drives the search.
    const few = await model("few");
    await log(few, [0.5, 0.42]);
    const names = async (filter: string) =>
      ((await ok("POST", "/logged-models/search", { experiment_ids: [e], filter })).models ?? []).map(
        (m: Body) => m.info.name,
      );
    expect(await names("metrics.score > 0.9")).toEqual(["risen"]);
    expect(await names("metrics.score >= 0.95")).toEqual(["risen"]);
    expect(await names("metrics.score < 0.2")).toEqual(["fallen"]);
    expect(await names("metrics.score = 0.1")).toEqual(["fallen"]);
    expect(await names("metrics.score < 0.45 AND metrics.score > 0.4")).toEqual(["few"]);
    expect(await names("metrics.score = 0.5")).toEqual([]);
    expect(await names("metrics.score > 0.9 AND name = 'fallen'")).toEqual([]);
    expect(await names("metrics.score > 0.9 OR name = 'fallen'")).toEqual(["risen", "fallen"]);
  });

  it("keeps each model's latest value through writes in any order, ties, NaN, datasets and purges", async () => {
    const e = (await ok("POST", "/experiments/create", { name: "lm-kept" })).experiment_id;
    const runIn = async () =>
      (await ok("POST", "/runs/create", { experiment_id: e })).run.info.run_id as string;
    const [first, second] = [await runIn(), await runIn()];
    const model = async (name: string) =>
      (await ok("POST", "/logged-models", { experiment_id: e, name })).model.info.model_id as string;
    const point = (run: string, id: string, value: number | string, timestamp: number, dataset?: string[]) =>
      ok("POST", "/runs/log-metric", {
        run_id: run,
        key: "s",
        value,
        timestamp,
        step: 0,
        model_id: id,
        ...(dataset ? { dataset_name: dataset[0], dataset_digest: dataset[1] } : {}),
      });
    // Written newest first: the latest is the greatest timestamp, not the last write (the newest point
    // comes from the second run, purged below).
    const late = await model("late");
    await point(second, late, 0.2, 300);
    await point(first, late, 0.9, 100);
    // Equal timestamp and step: the greatest value, whatever the order of writes.
    const tie = await model("tie");
    await ok("POST", "/runs/log-batch", {
      run_id: first,
      metrics: [0.6, 0.4].map((value) => ({ key: "s", value, timestamp: 100, step: 0, model_id: tie })),
    });
    await point(first, tie, 0.5, 100);
    // … and a NaN before any number: the model has no value to compare or order by.
    const nan = await model("nan");
    await point(first, nan, 0.99, 100);
    await point(first, nan, "NaN", 100);
    // Two datasets: the latest over both, and each one's own.
    const sets = await model("sets");
    await point(first, sets, 0.5, 100, ["val", "d1"]);
    await point(first, sets, 0.3, 200, ["test", "d2"]);

    const search = async (payload: Body) => {
      const found = await ok("POST", "/logged-models/search", { experiment_ids: [e], ...payload });
      return (found.models ?? []).map((m: Body) => m.info.name);
    };
    const byScore = (ascending: boolean, dataset: Body = {}) =>
      search({ order_by: [{ field_name: "metrics.s", ascending, ...dataset }] });
    expect(await byScore(false)).toEqual(["tie", "sets", "late", "nan"]);
    expect(await byScore(true)).toEqual(["late", "sets", "tie", "nan"]);
    // One dataset with its digest reads its kept value; a name alone, its points: the same answer.
    expect(await byScore(false, { dataset_name: "val", dataset_digest: "d1" })).toEqual([
      "sets",
      "nan",
      "tie",
      "late",
    ]);
    expect(await byScore(false, { dataset_name: "val" })).toEqual(["sets", "nan", "tie", "late"]);
    expect(await search({ filter: "metrics.s > 0.25" })).toEqual(["sets", "tie"]);
    expect(await search({ filter: "metrics.s = 0.6" })).toEqual(["tie"]);
    expect(
      await search({ filter: "metrics.s > 0.4", datasets: [{ dataset_name: "val", dataset_digest: "d1" }] }),
    ).toEqual(["sets"]);
    expect(
      await search({ filter: "metrics.s > 0.4", datasets: [{ dataset_name: "test", dataset_digest: "d2" }] }),
    ).toEqual([]);
    // Pages of one: the models with a value, then the one without (a page past all of them too).
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await ok("POST", "/logged-models/search", {
        experiment_ids: [e],
        max_results: 1,
        order_by: [{ field_name: "metrics.s", ascending: false }],
        ...(token ? { page_token: token } : {}),
      });
      pages.push((page.models ?? []).map((m: Body) => m.info.name));
      token = page.next_page_token;
    } while (token && pages.length < 10);
    expect(pages).toEqual([["tie"], ["sets"], ["late"], ["nan"]]);
    expect(
      await search({
        order_by: [{ field_name: "metrics.s" }],
        max_results: 2,
        page_token: Buffer.from('{"offset": 4}').toString("base64"),
      }),
    ).toEqual([]);

    // The second run purged: its point goes, and the model's latest value is the one left.
    await ok("POST", "/runs/delete", { run_id: second });
    const gc = spawnSync(
      process.execPath,
      [
        BIN,
        "gc",
        "--backend-store-uri",
        server.backendStoreUri,
        "--run-ids",
        second,
        "--artifacts-destination",
        gcArtifacts,
      ],
      { encoding: "utf8" },
    );
    expect(gc.status, gc.stderr).toBe(0);
    expect(await byScore(false)).toEqual(["late", "tie", "sets", "nan"]);
    expect(await search({ filter: "metrics.s < 0.25" })).toEqual([]);
  });

  it("pages with tokens", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await ok("POST", "/logged-models/search", {
        experiment_ids: [exp],
        max_results: 3,
        order_by: [{ field_name: "name" }],
        ...(token ? { page_token: token } : {}),
      });
      seen.push(...(page.models ?? []).map((m: Body) => m.info.name));
      token = page.next_page_token;
    } while (token);
    expect(seen).toEqual(["alpha", "beta", "delta", "gamma"]);
  });

  it("returns whole models and refuses bad searches with 400s", async () => {
    const [beta] = (
      await ok("POST", "/logged-models/search", { experiment_ids: [exp], filter: "name = 'beta'" })
    ).models;
    expect(beta).toEqual((await ok("GET", `/logged-models/${ids.beta}`)).model);
    await fails("POST", "/logged-models/search", {}, 400, "INVALID_PARAMETER_VALUE");
    await fails(
      "POST",
      "/logged-models/search",
      { experiment_ids: [exp], filter: "foo = 'x'" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/logged-models/search",
      { experiment_ids: [exp], filter: "metrics.acc > 'x'" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/logged-models/search",
      { experiment_ids: [exp], order_by: [{ field_name: "params.p" }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/logged-models/search",
      { experiment_ids: [exp], order_by: [{ field_name: "bogus" }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/logged-models/search",
      { experiment_ids: [exp], order_by: [{}] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/logged-models/search",
      { experiment_ids: [exp], order_by: [{ field_name: "metrics.acc", dataset_digest: "d" }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/logged-models/search",
      { experiment_ids: [exp], page_token: "garbage" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/logged-models/search",
      { experiment_ids: [exp], max_results: 0 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect(
      (await ok("POST", "/logged-models/search", { experiment_ids: ["424242"] })).models,
    ).toBeUndefined();
  });
});

describe("artifacts", () => {
  it("uploads through the proxy and lists and downloads the model's files", async () => {
    const model = await create();
    const id = model.info.model_id;
    const base = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${id}/artifacts`;
    expect((await raw("PUT", `${base}/MLmodel`, "flavors: {}\n")).status).toBe(200);
    expect((await raw("PUT", `${base}/data/model.pkl`, "weights")).status).toBe(200);
    const listing = await ok("GET", `/logged-models/${id}/artifacts/directories`);
    expect(listing).toEqual({
      root_uri: model.info.artifact_uri,
      files: [
        { path: "MLmodel", is_dir: false, file_size: 12 },
        { path: "data", is_dir: true },
      ],
    });
    expect(
      await ok("GET", `/logged-models/${id}/artifacts/directories`, { artifact_directory_path: "data" }),
    ).toEqual({
      root_uri: model.info.artifact_uri,
      files: [{ path: "data/model.pkl", is_dir: false, file_size: 7 }],
    });
    // MLflow 3 clients list the model's root as `…/artifacts/.`.
    const dot = await raw(
      "GET",
      `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${experimentId}/models/${id}/artifacts/.`)}`,
    );
    expect(dot.status, dot.text).toBe(200);
    expect(
      JSON.parse(dot.text)
        .files.map((f: Body) => f.path)
        .sort(),
    ).toEqual(["MLmodel", "data"]);
    expect((await raw("GET", `${base}/.`)).status).not.toBe(500);
    for (const prefix of ["/api/2.0", "/ajax-api/2.0"]) {
      const file = await raw(
        "GET",
        `${prefix}/mlflow/logged-models/${id}/artifacts/files?artifact_file_path=data/model.pkl`,
      );
      expect(file).toEqual({ status: 200, text: "weights" });
    }
    const missing = await raw(
      "GET",
      `/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files?artifact_file_path=nope`,
    );
    expect(missing.status).toBe(404);
    const traversal = await raw(
      "GET",
      `/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files?artifact_file_path=../../x`,
    );
    expect(traversal.status).toBe(400);
  });
});

describe("registry", () => {
  it("registers a logged model: storage is its artifacts, run is its source run, its tag lists the version", async () => {
    const model = await create({ name: "reg", source_run_id: runId });
    const id = model.info.model_id;
    await ok("POST", "/registered-models/create", { name: "lm-registered" });
    const v1 = (
      await ok("POST", "/model-versions/create", {
        name: "lm-registered",
        source: `models:/${id}`,
        model_id: id,
      })
    ).model_version;
    expect(v1).toMatchObject({
      name: "lm-registered",
      version: "1",
      source: `models:/${id}`,
      run_id: runId,
      model_id: id,
    });
    expect(
      (await ok("GET", "/model-versions/get-download-uri", { name: "lm-registered", version: "1" }))
        .artifact_uri,
    ).toBe(model.info.artifact_uri);
    // MLflow 3 clients also send the source without model_id, or the artifact location with it.
    await ok("POST", "/model-versions/create", { name: "lm-registered", source: `models:/${id}` });
    await ok("POST", "/model-versions/create", {
      name: "lm-registered",
      source: `${model.info.artifact_uri}/`,
      model_id: id,
    });
    const got = (await ok("GET", `/logged-models/${id}`)).model;
    const tag = got.info.tags.find((t: Body) => t.key === "mlflow.modelVersions");
    expect(JSON.parse(tag.value)).toEqual([
      { name: "lm-registered", version: 1 },
      { name: "lm-registered", version: 2 },
      { name: "lm-registered", version: 3 },
    ]);
    expect(got.info.registrations).toEqual([
      { name: "lm-registered", version: "1" },
      { name: "lm-registered", version: "2" },
      { name: "lm-registered", version: "3" },
    ]);
    await ok("POST", "/registered-models/alias", { name: "lm-registered", alias: "champion", version: "1" });
    expect(
      (await ok("GET", "/registered-models/alias", { name: "lm-registered", alias: "champion" }))
        .model_version.model_id,
    ).toBe(id);
  });

  it("refuses versions of unknown, deleted or mismatched models, creating nothing", async () => {
    await ok("POST", "/registered-models/create", { name: "lm-bad" });
    const id = (await create()).info.model_id;
    const unknown = `m-${"2".repeat(32)}`;
    await fails(
      "POST",
      "/model-versions/create",
      { name: "lm-bad", source: `models:/${unknown}` },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await fails(
      "POST",
      "/model-versions/create",
      { name: "lm-bad", source: `models:/${id}`, model_id: unknown },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/model-versions/create",
      { name: "lm-bad", source: "s3://b/elsewhere", model_id: id },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await ok("DELETE", `/logged-models/${id}`);
    await fails(
      "POST",
      "/model-versions/create",
      { name: "lm-bad", source: `models:/${id}`, model_id: id },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    expect(
      (await ok("GET", "/registered-models/get", { name: "lm-bad" })).registered_model.latest_versions,
    ).toBeUndefined();
  });
});

describe("/version", () => {
  it("answers a version below 3.4, so MLflow ≥ 3.4 clients do not send OTLP spans to /v1/traces (not served)", async () => {
    const r = await raw("GET", "/version");
    expect(r.status).toBe(200);
    const [major, minor] = r.text.trim().split(".").map(Number);
    expect(Number.isInteger(major) && Number.isInteger(minor)).toBe(true);
    expect((major as number) * 1000 + (minor as number)).toBeLessThan(3004);
    expect((await raw("POST", "/v1/traces", "")).status).toBe(404);
  });
});

describe("schema migration", () => {
  /** A store at an older schema step, with the rows of `seed` (SQL both databases take). */
  function seedAtStep(dir: string, step: number, seed: string): void {
    if (testBackend() === "sqlite") {
      const db = new Database(join(dir, "labtrack.db"));
      for (const sql of MIGRATIONS.slice(0, step)) db.exec(sql);
      db.exec(seed);
      db.pragma(`user_version = ${step}`);
      db.close();
      return;
    }
    const database = `lt_${basename(dir)
      .replace(/[^a-zA-Z0-9]/g, "_")
      .toLowerCase()}`;
    const psql = (db: string, sql: string) => {
      const r = spawnSync(
        join(pgBinDir() as string, "psql"),
        [
          "-h",
          "127.0.0.1",
          "-p",
          String(inject("pgPort")),
          "-U",
          "postgres",
          "-d",
          db,
          "-v",
          "ON_ERROR_STOP=1",
          "-c",
          sql,
        ],
        { encoding: "utf8" },
      );
      if (r.status !== 0) throw new Error(r.stderr);
    };
    psql("postgres", `CREATE DATABASE "${database}"`);
    psql(
      database,
      `${PG_MIGRATIONS.slice(0, step).join(";\n")}; CREATE TABLE labtrack_schema (version INTEGER NOT NULL); INSERT INTO labtrack_schema VALUES (${step}); ${seed}`,
    );
  }

  const experimentsSeed = `
    INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
      VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 1, 1), (7, 'old', 'mlflow-artifacts:/7', 'active', 1, 1);`;

  /** A store at schema step 3 (before logged models) with one experiment, run and metric point. */
  function seedStepThree(dir: string): void {
    seedAtStep(
      dir,
      3,
      `${experimentsSeed}
      INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, lifecycle_stage, artifact_uri)
        VALUES ('${"a".repeat(32)}', 'old-run', 7, 'u', 'FINISHED', 1, 'active', 'mlflow-artifacts:/7/${"a".repeat(32)}/artifacts');
      INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES ('${"a".repeat(32)}', 'acc', 0.5, 10, 1, 0);
      INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES ('${"a".repeat(32)}', 'acc', 0.5, 10, 1, 0);`,
    );
  }

  it("keeps the latest metric values of the logged models of a store before step 8, and then of new points", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labtrack-step7-"));
    const id = (n: number) => `m-${String(n).repeat(32)}`;
    const modelRow = (n: number, name: string) =>
      `('${id(n)}', 7, '${name}', 'mlflow-artifacts:/7/models/${id(n)}/artifacts', ${n}, ${n}, 'LOGGED_MODEL_READY', 'active')`;
    const pointRow = (
      n: number,
      value: number,
      timestamp: number,
      isNan: number,
      dataset: string[] = ["", ""],
    ) =>
      `('${id(n)}', 'acc', ${value}, ${timestamp}, 0, ${isNan}, '${"b".repeat(32)}', '${dataset[0]}', '${dataset[1]}')`;
    seedAtStep(
      dir,
      7,
      `${experimentsSeed}
      INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms,
          last_updated_timestamp_ms, status, lifecycle_stage)
        VALUES ${[modelRow(1, "one"), modelRow(2, "two"), modelRow(3, "three")].join(", ")};
      INSERT INTO logged_model_metrics (model_id, key, value, timestamp, step, is_nan, run_uuid, dataset_name, dataset_digest)
        VALUES ${[
          pointRow(1, 0.2, 20, 0),
          pointRow(1, 0.9, 10, 0),
          pointRow(2, 0.5, 10, 0, ["val", "d"]),
          pointRow(2, 0.7, 10, 0),
          pointRow(3, 0.99, 10, 0),
          pointRow(3, 0, 10, 1),
        ].join(", ")};`,
    );
    const old = await startServer({ dir });
    try {
      const c = api(old.url);
      const search = async (payload: Body) => {
        const r = await c<Body>("POST", "/logged-models/search", { experiment_ids: ["7"], ...payload });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        return (r.body.models ?? []).map((m: Body) => m.info.name);
      };
      const desc = { field_name: "metrics.acc", ascending: false };
      expect(await search({ order_by: [desc] })).toEqual(["two", "one", "three"]);
      expect(await search({ filter: "metrics.acc < 0.5" })).toEqual(["one"]);
      expect(await search({ filter: "metrics.acc > 0.6" })).toEqual(["two"]);
      expect(await search({ order_by: [{ ...desc, dataset_name: "val", dataset_digest: "d" }] })).toEqual([
        "two",
        "three",
        "one",
      ]);
      // New points after the upgrade update the kept values.
      const run = (await c<Body>("POST", "/runs/create", { experiment_id: "7" })).body.run.info.run_id;
      const logged = await c<Body>("POST", "/runs/log-metric", {
        run_id: run,
        key: "acc",
        value: 0.95,
        timestamp: 30,
        step: 0,
        model_id: id(1),
      });
      expect(logged.status, JSON.stringify(logged.body)).toBe(200);
      expect(await search({ order_by: [desc] })).toEqual(["one", "two", "three"]);
    } finally {
      await old.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("moves a store forward from the schema before logged models, keeping its metrics", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labtrack-step3-"));
    seedStepThree(dir);
    const old = await startServer({ dir });
    try {
      const c = api(old.url);
      const history = await c<Body>("GET", "/metrics/get-history", {
        run_id: "a".repeat(32),
        metric_key: "acc",
      });
      expect(history.body).toEqual({ metrics: [{ key: "acc", value: 0.5, timestamp: 10, step: 1 }] });
      const model = (
        await c<Body>("POST", "/logged-models", { experiment_id: "7", source_run_id: "a".repeat(32) })
      ).body.model;
      expect(model.info.artifact_uri).toBe(`mlflow-artifacts:/7/models/${model.info.model_id}/artifacts`);
      // The same point again, now naming the model: a second history row, not a conflict.
      const logged = await c<Body>("POST", "/runs/log-metric", {
        run_id: "a".repeat(32),
        key: "acc",
        value: 0.5,
        timestamp: 10,
        step: 1,
        model_id: model.info.model_id,
      });
      expect(logged.status, JSON.stringify(logged.body)).toBe(200);
      const after = await c<Body>("GET", "/metrics/get-history", {
        run_id: "a".repeat(32),
        metric_key: "acc",
      });
      expect(after.body.metrics).toHaveLength(2);
    } finally {
      await old.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
