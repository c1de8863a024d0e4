// Behaviour MLflow's own REST tests (tests/tracking/test_rest_tracking.py, 2.17.2) and its clients rely
// on, written from what the real MLflow server answered: exact validation messages, the UI's ajax
// endpoints (metric history of several runs, dataset summaries, prompt engineering runs), relative
// artifact locations and the rules for a model version's source.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, checkers, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;
let server: RunningServer;
let call: ReturnType<typeof api>;
let localRoot: string;

beforeAll(async () => {
  server = await startServer();
  call = api(server.url);
  localRoot = mkdtempSync(join(tmpdir(), "labtrack-local-artifacts-"));
});
afterAll(async () => {
  await server?.dispose();
  if (localRoot) rmSync(localRoot, { recursive: true, force: true });
});

const { ok } = checkers(() => call, expect);

/** A body sent exactly as written (JSON.stringify would turn `9.0` into `9`). */
async function postRaw(path: string, text: string): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${server.url}/api/2.0/mlflow${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as Body };
}

async function refused(
  method: string,
  path: string,
  payload: Body,
  prefix = "/api/2.0/mlflow",
): Promise<string> {
  const r = await call<Body>(method, path, payload, { prefix });
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.error_code).toBe("INVALID_PARAMETER_VALUE");
  return r.body.message as string;
}

let seq = 0;
async function newRun(
  artifactLocation?: string,
): Promise<{ experimentId: string; runId: string; artifactUri: string }> {
  const experimentId = (
    await ok("POST", "/experiments/create", {
      name: `conformance ${++seq}`,
      ...(artifactLocation ? { artifact_location: artifactLocation } : {}),
    })
  ).experiment_id as string;
  const run = (await ok("POST", "/runs/create", { experiment_id: experimentId })).run;
  return { experimentId, runId: run.info.run_id, artifactUri: run.info.artifact_uri };
}

const SEE_DOCS = "See the API docs for more information about request parameters.";

describe("validation messages as MLflow words them", () => {
  it("quotes a wrong value as Python's JSON prints it, with its Python type", async () => {
    const float = await postRaw(
      "/experiments/create",
      '{"name": "x", "artifact_location": 9.0, "tags": [{"key": "k", "value": "v"}]}',
    );
    expect(float.status).toBe(400);
    expect(float.body.message).toBe(
      `Invalid value 9.0 for parameter 'artifact_location' supplied. Hint: Value was of type 'float'. ${SEE_DOCS}`,
    );
    const int = await postRaw("/experiments/create", '{"name": 123}');
    expect(int.body.message).toBe(
      `Invalid value 123 for parameter 'name' supplied. Hint: Value was of type 'int'. ${SEE_DOCS}`,
    );
    const list = await postRaw("/experiments/create", '{"name": "x", "tags": "5"}');
    expect(list.body.message).toContain(
      `Invalid value "5" for parameter 'tags' supplied. Hint: Value was of type 'str'.`,
    );
    // A nested field is found in the text by its path.
    const { runId } = await newRun();
    const nested = await postRaw(
      "/runs/log-batch",
      `{"run_id": "${runId}", "metrics": [{"key": "a", "value": 1, "timestamp": 1}, {"key": "b", "value": 2, "timestamp": 2.50}]}`,
    );
    expect(nested.body.message).toContain("Invalid value 2.5 for parameter 'metrics[1].timestamp' supplied.");
  });

  it("names run_id when neither run_id nor run_uuid is given", async () => {
    const message = await refused("POST", "/runs/log-metric", {
      run_id: null,
      key: "foo",
      value: 31,
      timestamp: 59,
    });
    expect(message).toBe(`Missing value for required parameter 'run_id'. ${SEE_DOCS}`);
    // The legacy run_uuid alone still names the run.
    const { runId } = await newRun();
    await ok("POST", "/runs/log-metric", { run_uuid: runId, key: "foo", value: 31, timestamp: 59 });
  });

  it("requires datasets in log-inputs (an empty list will do; MLflow 3's models alone too)", async () => {
    const { runId } = await newRun();
    expect(await refused("POST", "/runs/log-inputs", { run_id: runId })).toBe(
      `Missing value for required parameter 'datasets'. ${SEE_DOCS}`,
    );
    await ok("POST", "/runs/log-inputs", { run_id: runId, datasets: [] });
  });

  it("answers an unsafe artifact path with MLflow's 'Invalid path', and says why when only Labtrack refuses", async () => {
    const { runId } = await newRun();
    for (const path of ["../path", "/etc/passwd", "a/%2e%2e/b", "a#b"]) {
      const r = await call<Body>("GET", "/artifacts/list", { run_id: runId, path });
      expect(r.status, path).toBe(400);
      expect(r.body).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: "Invalid path" });
    }
    const dot = await refused("GET", "/artifacts/list", { run_id: runId, path: "a/./b" });
    expect(dot).toContain("'.' segments are not allowed");
  });

  it("words upload-artifact's refusals as MLflow does", async () => {
    const { runId } = await newRun();
    const upload = async (query: Record<string, string>, body?: string) => {
      const res = await fetch(
        `${server.url}/ajax-api/2.0/mlflow/upload-artifact?${new URLSearchParams(query)}`,
        {
          method: "POST",
          ...(body === undefined ? {} : { body }),
        },
      );
      return { status: res.status, body: (await res.json()) as Body };
    };
    expect((await upload({})).body.message).toBe("Request must specify run_uuid.");
    expect((await upload({ run_uuid: runId })).body.message).toBe("Request must specify path.");
    expect((await upload({ run_uuid: runId, path: "" })).body.message).toBe("Request must specify path.");
    expect((await upload({ run_uuid: runId, path: "../test.txt" })).body.message).toBe("Invalid path");
    const noData = await upload({ run_uuid: runId, path: "test.txt" });
    expect(noData).toEqual({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: "Request must specify data." },
    });
    expect((await upload({ run_uuid: runId, path: "test.txt" }, "hello")).status).toBe(200);
  });
});

describe("experiments", () => {
  it("resolves a relative artifact location against the server's working directory", async () => {
    const plain = (
      await ok("POST", "/experiments/create", { name: "relative", artifact_location: "my_location" })
    ).experiment_id;
    expect((await ok("GET", "/experiments/get", { experiment_id: plain })).experiment.artifact_location).toBe(
      resolve("my_location"),
    );
    const file = (
      await ok("POST", "/experiments/create", { name: "relative file", artifact_location: "file:rel/dir" })
    ).experiment_id;
    expect((await ok("GET", "/experiments/get", { experiment_id: file })).experiment.artifact_location).toBe(
      `file://${resolve("rel/dir")}`,
    );
    // Absolute locations and other schemes are kept as given.
    const s3 = (await ok("POST", "/experiments/create", { name: "s3", artifact_location: "s3://bucket/x" }))
      .experiment_id;
    expect((await ok("GET", "/experiments/get", { experiment_id: s3 })).experiment.artifact_location).toBe(
      "s3://bucket/x",
    );
  });

  it("summarises the datasets an experiment's runs used (ajax experiments/search-datasets)", async () => {
    const prefix = "/ajax-api/2.0/mlflow";
    expect(await refused("POST", "/experiments/search-datasets", {}, prefix)).toBe(
      "SearchDatasets request must specify at least one experiment_id.",
    );
    expect(await refused("POST", "/experiments/search-datasets", { experiment_ids: [] }, prefix)).toBe(
      "SearchDatasets request must specify at least one experiment_id.",
    );
    const tooMany = Array.from({ length: 21 }, (_, i) => `id_${i}`);
    expect(await refused("POST", "/experiments/search-datasets", { experiment_ids: tooMany }, prefix)).toBe(
      "SearchDatasets request cannot specify more than 20 experiment_ids. Received 21 experiment_ids.",
    );
    const { experimentId, runId } = await newRun();
    const dataset = (name: string) => ({
      name,
      digest: `${name}-digest`,
      source_type: "local",
      source: "{}",
    });
    await ok("POST", "/runs/log-inputs", {
      run_id: runId,
      datasets: [
        { dataset: dataset("train"), tags: [{ key: "mlflow.data.context", value: "training" }] },
        { dataset: dataset("plain"), tags: [{ key: "other", value: "x" }] },
      ],
    });
    const r = await ok(
      "POST",
      "/experiments/search-datasets",
      { experiment_ids: [experimentId, "id_5"] },
      prefix,
    );
    expect(r.dataset_summaries).toEqual([
      { experiment_id: experimentId, name: "plain", digest: "plain-digest" },
      { experiment_id: experimentId, name: "train", digest: "train-digest", context: "training" },
    ]);
    // No datasets: MLflow leaves the empty list out.
    const empty = await newRun();
    expect(
      await ok("POST", "/experiments/search-datasets", { experiment_ids: [empty.experimentId] }, prefix),
    ).toEqual({});
  });
});

describe("metric histories of several runs", () => {
  const prefix = "/ajax-api/2.0/mlflow";
  const historyA = [
    { key: "metricA", timestamp: 1, step: 2, value: 10.0 },
    { key: "metricA", timestamp: 1, step: 3, value: 12.0 },
    { key: "metricA", timestamp: 1, step: 3, value: 11.0 },
    { key: "metricA", timestamp: 0, step: 5, value: 12.0 },
  ];

  it("answers metrics/get-history-bulk by run id, then timestamp, step and value", async () => {
    const runs = [await newRun(), await newRun()].map((r) => r.runId).sort();
    for (const [i, runId] of runs.entries()) {
      for (const m of historyA)
        await ok("POST", "/runs/log-metric", { run_id: runId, ...m, value: m.value + i });
    }
    const byOrder = (runId: string, i: number) =>
      [...historyA]
        .sort((a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value)
        .map((m) => ({ ...m, value: m.value + i, run_id: runId }));
    const one = await ok(
      "GET",
      "/metrics/get-history-bulk",
      { run_id: runs[0], metric_key: "metricA" },
      prefix,
    );
    expect(one.metrics).toEqual(byOrder(runs[0] as string, 0));
    // Given in any order, the runs come back sorted by id; an unknown run adds nothing.
    const both = await ok(
      "GET",
      "/metrics/get-history-bulk",
      { run_id: [runs[1], "no-such-run", runs[0]], metric_key: "metricA" },
      prefix,
    );
    expect(both.metrics).toEqual([...byOrder(runs[0] as string, 0), ...byOrder(runs[1] as string, 1)]);
    const limited = await ok(
      "GET",
      "/metrics/get-history-bulk",
      { run_id: runs[0], metric_key: "metricA", max_results: 2 },
      prefix,
    );
    expect(limited.metrics).toEqual(byOrder(runs[0] as string, 0).slice(0, 2));
    expect(
      (await ok("GET", "/metrics/get-history-bulk", { run_id: runs[0], metric_key: "absent" }, prefix))
        .metrics,
    ).toEqual([]);
  });

  it("refuses get-history-bulk requests as MLflow does", async () => {
    expect(await refused("GET", "/metrics/get-history-bulk", { metric_key: "k" }, prefix)).toBe(
      "GetMetricHistoryBulk request must specify at least one run_id.",
    );
    const many = Array.from({ length: 101 }, (_, i) => `id_${i}`);
    expect(await refused("GET", "/metrics/get-history-bulk", { run_id: many, metric_key: "k" }, prefix)).toBe(
      "GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received 101 run_ids.",
    );
    expect(await refused("GET", "/metrics/get-history-bulk", { run_id: ["123"] }, prefix)).toBe(
      "GetMetricHistoryBulk request must specify a metric_key.",
    );
  });

  it("refuses get-history-bulk-interval requests as MLflow does", async () => {
    const url = "/metrics/get-history-bulk-interval";
    expect(await refused("GET", url, { run_ids: ["123"], metric_key: "key", max_results: 0 }, prefix)).toBe(
      "max_results must be between 1 and 2500.",
    );
    expect(
      await refused(
        "GET",
        url,
        { run_ids: ["123"], metric_key: "key", start_step: 1, end_step: 0, max_results: 5 },
        prefix,
      ),
    ).toBe("end_step must be greater than start_step. Found start_step=1 and end_step=0.");
    expect(await refused("GET", url, { run_ids: ["123"], max_results: 5 }, prefix)).toBe(
      `Missing value for required parameter 'metric_key'. ${SEE_DOCS}`,
    );
    // MLflow's gunicorn refuses 1000 run ids in a URL; Labtrack reads them and says what is wrong.
    const many = Array.from({ length: 1000 }, (_, i) => `id_${i}`);
    expect(await refused("GET", url, { run_ids: many, metric_key: "key" }, prefix)).toBe(
      "GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 1000 run_ids.",
    );
  });
});

describe("prompt engineering runs (ajax runs/create-promptlab-run)", () => {
  const prefix = "/ajax-api/2.0/mlflow";
  const full = {
    run_name: "my_run_name",
    prompt_template: "my_prompt_template",
    prompt_parameters: [{ key: "my_key", value: "my_value" }],
    model_route: "my_route",
    model_parameters: [{ key: "temperature", value: 0.1 }],
    model_input: "my_input",
    model_output: "my_output",
    model_output_parameters: [{ key: "latency", value: "100" }],
    mlflow_version: "1.0.0",
    user_id: "username",
    start_time: 456,
  };

  it("names the first missing field", async () => {
    const steps: [Body, string][] = [
      [{}, "experiment_id"],
      [{ experiment_id: "0" }, "prompt_template"],
      [{ experiment_id: "0", prompt_template: "t" }, "prompt_parameters"],
      [
        { experiment_id: "0", prompt_template: "t", prompt_parameters: [{ key: "k", value: "v" }] },
        "model_route",
      ],
    ];
    for (const [body, field] of steps) {
      expect(await refused("POST", "/runs/create-promptlab-run", body, prefix)).toBe(
        `CreatePromptlabRun request must specify ${field}.`,
      );
    }
  });

  it("records a finished run with its params, tags and evaluation table", async () => {
    const experimentId = (await ok("POST", "/experiments/create", { name: "promptlab" })).experiment_id;
    const { run } = await ok(
      "POST",
      "/runs/create-promptlab-run",
      { experiment_id: experimentId, ...full },
      prefix,
    );
    expect(run.info).toMatchObject({
      run_name: "my_run_name",
      experiment_id: experimentId,
      user_id: "username",
      status: "FINISHED",
      start_time: 456,
    });
    expect(run.data.params).toEqual(
      expect.arrayContaining([
        { key: "model_route", value: "my_route" },
        { key: "prompt_template", value: "my_prompt_template" },
        { key: "temperature", value: "0.1" },
      ]),
    );
    expect(run.data.tags).toEqual(
      expect.arrayContaining([
        { key: "mlflow.loggedArtifacts", value: '[{"path": "eval_results_table.json", "type": "table"}]' },
        { key: "mlflow.runSourceType", value: "PROMPT_ENGINEERING" },
      ]),
    );
    const res = await fetch(
      `${server.url}/get-artifact?${new URLSearchParams({ run_id: run.info.run_id, path: "eval_results_table.json" })}`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      '{"columns": ["my_key", "prompt", "output", "latency"], "data": [["my_value", "my_input", "my_output", "100"]]}',
    );
  });
});

describe("model version sources", () => {
  const SOURCE_RULE =
    "If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri";
  const LOCAL_RULE = "To use a local path as a model version source";
  let runId: string;
  let artifactUri: string;
  let name: string;

  beforeAll(async () => {
    ({ runId, artifactUri } = await newRun(pathToFileURL(localRoot).href));
    name = `source-model-${Date.now()}`;
    await ok("POST", "/registered-models/create", { name });
  });

  const create = (source: string, withRun = true) =>
    call<Body>("POST", "/model-versions/create", { name, source, ...(withRun ? { run_id: runId } : {}) });

  it("accepts a local path or file: URI inside the run's artifact directory", async () => {
    const path = artifactUri.slice("file://".length);
    for (const source of [
      path,
      artifactUri,
      `${artifactUri}/model`,
      `${artifactUri}/.`,
      `${artifactUri}/model/..`,
    ]) {
      const r = await create(source);
      expect(r.status, `${source}: ${JSON.stringify(r.body)}`).toBe(200);
    }
  });

  it("refuses other local paths with MLflow's message and the reason", async () => {
    const noRun = await create(artifactUri.slice("file://".length), false);
    expect(noRun.status).toBe(400);
    expect(noRun.body.message).toContain(LOCAL_RULE);
    expect(noRun.body.message).toContain("no run_id was given");
    for (const source of ["/tmp", "file:///tmp", `${artifactUri}/../..`]) {
      const r = await create(source);
      expect(r.status, source).toBe(400);
      expect(r.body.message).toContain(LOCAL_RULE);
    }
    // MLflow answers a file: URI naming another host with a 500; this is a 400 that says why.
    const remote = await create("file://123.456.789.123/path/to/source");
    expect(remote.status).toBe(400);
    expect(remote.body.message).toContain("is not a valid remote uri");
  });

  it("accepts absolute remote sources, with repeated slashes, '....' names and a stray '%'", async () => {
    for (const source of [
      "mlflow-artifacts:/models",
      "mlflow-artifacts:/models///",
      "mlflow-artifacts:/models/foo///bar",
      "mlflow-artifacts://host:9000/models/artifact/..../",
      "s3://bucket/models/100%/model",
      "s3://bucket/models/%zz",
    ]) {
      const r = await create(source);
      expect(r.status, `${source}: ${JSON.stringify(r.body)}`).toBe(200);
    }
  });

  it("refuses remote sources with relative references in MLflow's words", async () => {
    for (const source of [
      "mlflow-artifacts://host:9000/models/../../../",
      "http://host:9000/models/../../../",
      "s3a://my_bucket/api/2.0/mlflow-artifacts/artifacts/../../../",
      "mlflow-artifacts://host:9000/models/..%2f..%2fartifacts",
      "mlflow-artifacts://host:9000/models/artifact%00",
      `dbfs:/${"x"}/artifacts/a%3f/../../../../`,
    ]) {
      const r = await create(source);
      expect(r.status, source).toBe(400);
      expect(r.body.message).toContain(`Invalid model version source: '${source}'. ${SOURCE_RULE}`);
    }
  });
});

describe("filters MLflow accepts", () => {
  it("matches a backslash-escaped quote as written, and NaN with != only", async () => {
    const { experimentId, runId } = await newRun();
    const other = (await ok("POST", "/runs/create", { experiment_id: experimentId })).run.info.run_id;
    await ok("POST", "/runs/log-parameter", { run_id: runId, key: "note", value: "it\\'s" });
    await ok("POST", "/runs/log-metric", { run_id: runId, key: "m", value: "NaN", timestamp: 1 });
    await ok("POST", "/runs/log-metric", { run_id: other, key: "m", value: 1, timestamp: 1 });
    const ids = async (filter: string) =>
      ((await ok("POST", "/runs/search", { experiment_ids: [experimentId], filter })).runs ?? [])
        .map((r: Body) => r.info.run_id)
        .sort();
    expect(await ids("params.note = 'it\\'s'")).toEqual([runId]);
    expect(await ids("metrics.m != 2")).toEqual([runId, other].sort());
    expect(await ids("metrics.m != 1")).toEqual([runId]);
    expect(await ids("metrics.m < 5")).toEqual([other]);
    expect(await ids("metrics.m = 0")).toEqual([]);
  });

  it("creates an experiment with a ' in a tag key and finds it by that tag", async () => {
    const id = (
      await ok("POST", "/experiments/create", {
        name: "quote key",
        tags: [{ key: "owner's team", value: "ml" }],
      })
    ).experiment_id;
    const found = await ok("POST", "/experiments/search", { filter: "tags.`owner's team` = 'ml'" });
    expect(found.experiments.map((e: Body) => e.experiment_id)).toEqual([id]);
    // set-experiment-tag keeps MLflow's character rule.
    expect(
      await refused("POST", "/experiments/set-experiment-tag", {
        experiment_id: id,
        key: "it's",
        value: "x",
      }),
    ).toContain("Invalid tag name");
  });

  it("finds a model version by a quoted version_number", async () => {
    const name = `quoted-version-${Date.now()}`;
    await ok("POST", "/registered-models/create", { name });
    await ok("POST", "/model-versions/create", { name, source: "s3://b/one" });
    await ok("POST", "/model-versions/create", { name, source: "s3://b/two" });
    const r = await ok("GET", "/model-versions/search", {
      filter: `name = '${name}' AND version_number = '2'`,
    });
    expect(r.model_versions.map((v: Body) => v.source)).toEqual(["s3://b/two"]);
    expect(
      await refused("GET", "/model-versions/search", {
        filter: `name = '${name}' AND version_number = 'two'`,
      }),
    ).toContain("numeric");
  });
});

/** A GET or PUT with the path exactly as written: fetch would keep `//` too, but says so less plainly. */
async function rawRequest(
  method: "GET" | "PUT" | "POST",
  path: string,
  body?: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("a model version's files (model-versions/get-artifact)", () => {
  const file = (query: Record<string, string>, prefix = "") =>
    rawRequest("GET", `${prefix}/model-versions/get-artifact?${new URLSearchParams(query)}`);

  it("checks the path first, as MLflow's test_path_validation calls it (also with '//')", async () => {
    const { runId } = await newRun();
    const invalid = { error_code: "INVALID_PARAMETER_VALUE", message: "Invalid path" };
    for (const r of [
      await call<Body>("GET", "/artifacts/list", { run_id: runId, path: "../path" }),
      await rawRequest("GET", `/get-artifact?${new URLSearchParams({ run_id: runId, path: "../path" })}`),
      // No such model: the path is refused before the version is looked up.
      await file({ name: "model", version: "1", path: "../path" }, "/"),
    ]) {
      expect(r.status).toBe(400);
      expect("text" in r ? JSON.parse(r.text) : r.body).toEqual(invalid);
    }
  });

  it("answers MLflow's errors for a missing name, a bad or unknown version and a missing path", async () => {
    const refusedWith = async (query: Record<string, string>, status: number, message: string) => {
      const r = await file(query);
      expect(r.status, r.text).toBe(status);
      expect(JSON.parse(r.text).message).toContain(message);
    };
    await refusedWith({ version: "1", path: "a" }, 400, "Registered model name cannot be empty.");
    await refusedWith(
      { name: "nope", version: "x", path: "a" },
      400,
      "Model version must be an integer, got 'x'",
    );
    await refusedWith(
      { name: "nope", version: "1", path: "a" },
      404,
      "Model Version (name=nope, version=1) not found",
    );
    await refusedWith({ name: "nope", version: "1" }, 400, "Missing value for required parameter 'path'");
  });

  it("serves files from the version's storage location: a run's artifacts, a logged model's", async () => {
    const { experimentId, runId } = await newRun();
    const runRoot = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`;
    expect((await rawRequest("PUT", `${runRoot}/model/MLmodel`, "flavors: {}\n")).status).toBe(200);
    expect((await rawRequest("PUT", `${runRoot}/model/sub/r.html`, "<b>x</b>")).status).toBe(200);
    const name = `get-artifact-${Date.now()}`;
    await ok("POST", "/registered-models/create", { name });
    await ok("POST", "/model-versions/create", {
      name,
      source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
      run_id: runId,
    });
    const mlmodel = await file({ name, version: "1", path: "MLmodel" });
    expect(mlmodel.status).toBe(200);
    expect(mlmodel.text).toBe("flavors: {}\n");
    expect(mlmodel.headers.get("content-disposition")).toContain('attachment; filename="MLmodel"');
    const html = await file({ name, version: "1", path: "sub/r.html" });
    expect(html.headers.get("content-security-policy")).toBe("sandbox");
    for (const path of ["nope", "sub"]) {
      const missing = await file({ name, version: "1", path });
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.text).error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    }

    const model = (await ok("POST", "/logged-models", { experiment_id: experimentId, source_run_id: runId }))
      .model.info;
    const modelRoot = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${model.model_id}/artifacts`;
    expect((await rawRequest("PUT", `${modelRoot}/MLmodel`, "logged: yes\n")).status).toBe(200);
    await ok("PATCH", `/logged-models/${model.model_id}`, { status: "LOGGED_MODEL_READY" });
    await ok("POST", "/model-versions/create", {
      name,
      source: `models:/${model.model_id}`,
      model_id: model.model_id,
    });
    expect((await file({ name, version: "2", path: "MLmodel" })).text).toBe("logged: yes\n");
  });
});

describe("repeated slashes in paths, merged as MLflow's router merges them", () => {
  it("routes RPCs, the artifact proxy and the UI's helpers whatever slashes repeat", async () => {
    const got = await rawRequest("GET", "//api/2.0/mlflow//experiments/get?experiment_id=0");
    expect(got.status, got.text).toBe(200);
    expect(JSON.parse(got.text).experiment.experiment_id).toBe("0");
    const created = await rawRequest("POST", "/api/2.0//mlflow///experiments/create", '{"name":"slashes"}');
    expect(created.status, created.text).toBe(200);

    const { experimentId, runId } = await newRun();
    const put = await rawRequest(
      "PUT",
      `/api/2.0/mlflow-artifacts//artifacts/${experimentId}//${runId}/artifacts//d//a.txt`,
      "hi",
    );
    expect(put.status, put.text).toBe(200);
    const back = await rawRequest(
      "GET",
      `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/d/a.txt`,
    );
    expect(back.text).toBe("hi");
    expect((await rawRequest("GET", `//get-artifact?run_id=${runId}&path=d/a.txt`)).text).toBe("hi");
    // The query string is left as it is: a value with '//' keeps them.
    const tagged = await rawRequest(
      "POST",
      "//api/2.0/mlflow/runs/set-tag",
      JSON.stringify({ run_id: runId, key: "url", value: "http://a//b" }),
    );
    expect(tagged.status).toBe(200);
    const fetched = await rawRequest(
      "GET",
      `//api/2.0/mlflow//runs/get?${new URLSearchParams({ run_id: runId, note: "x//y" })}`,
    );
    expect(JSON.parse(fetched.text).run.data.tags).toContainEqual({ key: "url", value: "http://a//b" });
  });
});
