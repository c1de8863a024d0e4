// Run details' MLflow 3 sections against a real `labtrack server`: the run's logged models (made with
// the run, or declared as its outputs) with params, metrics per dataset, registrations and files, and a
// server without these endpoints read as "unsupported" rather than as an error.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import type { WireRun } from "../../src/client/wire.js";
import { CompareModel } from "../../src/lab/compare/model.js";
import { RunOutputs } from "../../src/lab/run-outputs.js";
import { MODELS_ATTRIBUTE } from "../../src/lab/runs-table/columns.js";
import { cellText, toTableRow } from "../../src/lab/runs-table/rows.js";
import { api, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;

let server: RunningServer;
let client: RestClient;
let call: ReturnType<typeof api>;
let experimentId: string;

const ok = async (method: "GET" | "POST" | "PATCH", path: string, body: Body = {}): Promise<Body> => {
  const r = await call<Body>(method, path, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

beforeAll(async () => {
  server = await startServer();
  client = new RestClient({ trackingUri: server.url });
  call = api(server.url);
  experimentId = await client.createExperiment("outputs");
});
afterAll(async () => server?.dispose());

async function loggedModel(runId: string | undefined, name: string): Promise<string> {
  const created = await ok("POST", "/logged-models", {
    experiment_id: experimentId,
    name,
    model_type: "Classifier",
    ...(runId ? { source_run_id: runId } : {}),
    params: [{ key: "alpha", value: "0.5" }],
  });
  return created.model.info.model_id;
}

describe("logged models of a run", () => {
  let run: WireRun;
  let own: string;
  let evaluated: string;

  beforeAll(async () => {
    run = await client.createRun({ experimentId, runName: "train" });
    const runId = run.info.run_id;
    own = await loggedModel(runId, "clf");
    // A model of another run, evaluated in this one: only the run's outputs name it.
    const other = await client.createRun({ experimentId, runName: "other" });
    evaluated = await loggedModel(other.info.run_id, "baseline");
    await ok("POST", "/runs/outputs", { run_id: runId, models: [{ model_id: evaluated, step: 0 }] });
    await ok("POST", "/runs/log-batch", {
      run_id: runId,
      metrics: [
        { key: "acc", value: 0.91, timestamp: 1000, step: 0, model_id: own, dataset_name: "test" },
        { key: "acc", value: 0.88, timestamp: 1000, step: 0, model_id: own, dataset_name: "valid" },
      ],
    });
    const { info } = (await ok("GET", `/logged-models/${own}`)).model;
    // The model's files, uploaded as the MLflow 3 client does: through the artifact proxy.
    const proxy = RestClient.proxyPath(info.artifact_uri, "MLmodel");
    expect(proxy).not.toBeNull();
    await client.uploadArtifact(proxy as string, "flavors: {}\n", "text/plain");
    await client.uploadArtifact(RestClient.proxyPath(info.artifact_uri, "data/model.pkl") as string, "x");
    await ok("PATCH", `/logged-models/${own}`, { status: "LOGGED_MODEL_READY" });
    await ok("POST", "/registered-models/create", { name: "Classifier" });
    await ok("POST", "/model-versions/create", {
      name: "Classifier",
      source: `models:/${own}`,
      model_id: own,
      run_id: runId,
    });
    run = await client.getRun(runId);
  });

  it("lists the models made with the run and those it declared as outputs", async () => {
    const listing = await new RunOutputs(client, server.url).loggedModels(run);
    expect(listing.kind).toBe("ok");
    if (listing.kind !== "ok") return;
    expect(listing.more).toBe(false);
    const byId = new Map(listing.items.map((m) => [m.info.model_id, m]));
    expect([...byId.keys()].sort()).toEqual([own, evaluated].sort());
    const mine = byId.get(own);
    expect(mine?.info.name).toBe("clf");
    expect(mine?.info.status).toBe("LOGGED_MODEL_READY");
    expect(mine?.data?.params).toEqual([{ key: "alpha", value: "0.5" }]);
    expect(mine?.data?.metrics?.map((m) => [m.key, m.dataset_name, m.value]).sort()).toEqual([
      ["acc", "test", 0.91],
      ["acc", "valid", 0.88],
    ]);
    expect(mine?.info.registrations).toEqual([{ name: "Classifier", version: "1" }]);
    expect(byId.get(evaluated)?.info.status).toBe("LOGGED_MODEL_PENDING");
  });

  it("lists a model's files one folder at a time, folders first", async () => {
    const outputs = new RunOutputs(client, server.url);
    const top = await outputs.modelFiles(own);
    expect(top.ok && top.value.map((f) => [f.path, Boolean(f.is_dir)])).toEqual([
      ["data", true],
      ["MLmodel", false],
    ]);
    const data = await outputs.modelFiles(own, "data");
    expect(data.ok && data.value.map((f) => [f.path, f.file_size])).toEqual([["data/model.pkl", 1]]);
  });

  it("says a missing model's files cannot be listed, as a problem", async () => {
    const missing = await new RunOutputs(client, server.url).modelFiles(`m-${"0".repeat(32)}`);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problem.detail).toMatch(/m-0+/);
  });

  it("Compare puts the runs' logged models and their metrics side by side", async () => {
    const empty = await client.createRun({ experimentId, runName: "no-models" });
    const compare = new CompareModel({ client, uri: server.url }, [run.info.run_id, empty.info.run_id]);
    await compare.load();
    const rows = compare.modelRows.map((r) => [r.key, r.values]);
    expect(rows[0]?.[0]).toBe("Models");
    // Both models of the run, newest first; the run without outputs has none.
    const models = (rows[0]?.[1] ?? []) as unknown[];
    expect(String(models[0]).split(", ").sort()).toEqual(["baseline", "clf"]);
    expect(models[1]).toBeUndefined();
    expect(rows.slice(1)).toEqual([
      ["acc (test)", [0.91, undefined]],
      ["acc (valid)", [0.88, undefined]],
    ]);
    compare.dispose();
  });

  it("the runs table counts a run's logged models (its outputs)", () => {
    expect(cellText(toTableRow(run), MODELS_ATTRIBUTE)).toBe("1");
  });

  it("a run without models lists none", async () => {
    const empty = await client.createRun({ experimentId, runName: "empty" });
    expect(await new RunOutputs(client, server.url).loggedModels(empty)).toEqual({
      kind: "ok",
      items: [],
      more: false,
    });
  });
});

describe("a server without MLflow 3's endpoints", () => {
  let mlflow2: Server;
  let url: string;

  beforeAll(async () => {
    // What MLflow 2's Flask app answers for a route it does not have: 404 with an HTML page.
    mlflow2 = createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<!doctype html><title>404 Not Found</title><h1>Not Found</h1>");
    });
    await new Promise<void>((done) => mlflow2.listen(0, "127.0.0.1", done));
    url = `http://127.0.0.1:${(mlflow2.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => mlflow2.close(() => done())));

  it("reads logged models and traces as unsupported, not as errors", async () => {
    const outputs = new RunOutputs(new RestClient({ trackingUri: url, retries: 0 }), url);
    const run = {
      info: { run_id: "r1", experiment_id: "0", status: "FINISHED", lifecycle_stage: "active" },
      data: {},
    };
    expect(await outputs.loggedModels(run as WireRun)).toEqual({ kind: "unsupported" });
    expect(await outputs.traces(run as WireRun)).toEqual({ kind: "unsupported" });
  });
});
