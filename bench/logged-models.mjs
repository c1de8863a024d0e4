// Issue 16: logged-models/search over an experiment of 10,000 MLflow 3 logged models. The models are
// seeded directly through the real schema (lib/store: the migrations and the SQL driver the server uses)
// with the rows create, log-params, set-tags, log-metric (model_id) and finalize write for them —
// seeding over HTTP would measure the seeding. Before timing, one model logged over HTTP is read back
// and compared with a seeded one, field by field.
import http from "node:http";
import { openStores } from "../lib/store/open.js";
import { insertRows } from "./lib/seed.mjs";
import { startServer, withSeededServer } from "./lib/server.mjs";
import { fmtMs, median, sample, searchRows } from "./lib/stats.mjs";
import { mlflowMissing, startMlflow } from "./side-by-side.mjs";

const T0 = 1_700_000_000_000;
const PER_TRANSACTION = 5000;
const TARGET_MS = 20;
const RUN_ID = `${"0".repeat(31)}1`;

/** Model `i`: one in twenty failed, 50 names, two model types; three params, two tags, two metrics. */
function seededModel(i, artifactRoot) {
  const id = `m-${i.toString(16).padStart(32, "0")}`;
  const accuracy = ((i * 7919) % 1000) / 1000;
  return {
    id,
    name: `model-${i % 50}`,
    artifactLocation: `${artifactRoot}/models/${id}/artifacts`,
    created: T0 + i * 1000,
    status: i % 20 === 7 ? "LOGGED_MODEL_UPLOAD_FAILED" : "LOGGED_MODEL_READY",
    modelType: i % 2 === 0 ? "Classifier" : "Regressor",
    params: [
      ["alpha", String((i % 10) / 10)],
      ["depth", String(i % 8)],
      ["solver", i % 3 === 0 ? "lbfgs" : "saga"],
    ],
    tags: [
      ["team", `team-${i % 5}`],
      ["mlflow.source.type", "NOTEBOOK"],
    ],
    metrics: [
      ["accuracy", accuracy],
      ["loss", Math.round((1 - accuracy) * 1000) / 1000 + 0.5],
    ],
  };
}

export async function seedLoggedModels(location, count) {
  const stores = await openStores(location, "mlflow-artifacts:/");
  try {
    const experimentId = await stores.tracking.createExperiment("logged-models-scale", undefined, []);
    const { artifactLocation } = await stores.tracking.getExperiment(experimentId);
    for (let start = 0; start < count; start += PER_TRANSACTION) {
      const models = [];
      const params = [];
      const tags = [];
      const metrics = [];
      for (let i = start; i < Math.min(count, start + PER_TRANSACTION); i++) {
        const m = seededModel(i, artifactLocation);
        // The model is finalized one second after it was created.
        models.push([
          m.id,
          Number(experimentId),
          m.name,
          m.artifactLocation,
          m.created,
          m.created + 1000,
          m.status,
          "active",
          m.modelType,
          null,
          null,
        ]);
        for (const [k, v] of m.params) params.push([m.id, k, v]);
        for (const [k, v] of m.tags) tags.push([m.id, k, v]);
        for (const [k, v] of m.metrics) metrics.push([m.id, k, v, m.created + 500, 0, 0, RUN_ID, "", ""]);
      }
      await stores.driver.transaction(async (tx) => {
        const columns = [
          "model_id",
          "experiment_id",
          "name",
          "artifact_location",
          "creation_timestamp_ms",
          "last_updated_timestamp_ms",
          "status",
          "lifecycle_stage",
          "model_type",
          "source_run_id",
          "status_message",
        ];
        await insertRows(tx, "logged_models", columns, models);
        await insertRows(tx, "logged_model_params", ["model_id", "key", "value"], params);
        await insertRows(tx, "logged_model_tags", ["model_id", "key", "value"], tags);
        const metricColumns = [
          "model_id",
          "key",
          "value",
          "timestamp",
          "step",
          "is_nan",
          "run_uuid",
          "dataset_name",
          "dataset_digest",
        ];
        await insertRows(tx, "logged_model_metrics", metricColumns, metrics);
      });
    }
    // A server that had received these writes would have refreshed the planner's statistics.
    await stores.driver.run("ANALYZE");
    return { experimentId, artifactLocation };
  } finally {
    await stores.close();
  }
}

/** The same model logged over HTTP (as an MLflow 3 client does) reads back as the seeded one. */
async function verifySeed(api, baseUrl, experimentId, artifactLocation) {
  const seeded = seededModel(300, artifactLocation);
  const run = (await api.post("/runs/create", { experiment_id: experimentId })).run.info.run_id;
  const created = (
    await api.post("/logged-models", {
      experiment_id: experimentId,
      name: seeded.name,
      model_type: seeded.modelType,
      params: seeded.params.map(([key, value]) => ({ key, value })),
      tags: seeded.tags.map(([key, value]) => ({ key, value })),
    })
  ).model.info.model_id;
  for (const [key, value] of seeded.metrics) {
    await api.post("/runs/log-metric", { run_id: run, key, value, timestamp: 1, step: 0, model_id: created });
  }
  await fetch(`${baseUrl}/api/2.0/mlflow/logged-models/${created}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status: seeded.status }),
  });
  const normalize = (model) =>
    JSON.stringify({
      info: {
        ...model.info,
        model_id: "",
        artifact_uri: model.info.artifact_uri.replace(model.info.model_id, ""),
        creation_timestamp_ms: 0,
        last_updated_timestamp_ms: 0,
      },
      data: {
        ...model.data,
        metrics: model.data.metrics.map((m) => ({ ...m, model_id: "", run_id: "", timestamp: 0 })),
      },
    });
  const read = (await api.get(`/logged-models/${seeded.id}`)).model;
  const live = (await api.get(`/logged-models/${created}`)).model;
  if (normalize(read) !== normalize(live)) {
    throw new Error(
      `a seeded logged model differs from one logged over HTTP:\n${normalize(read)}\n${normalize(live)}`,
    );
  }
  await fetch(`${baseUrl}/api/2.0/mlflow/logged-models/${created}`, { method: "DELETE" });
  await api.post("/runs/delete", { run_id: run });
}

export async function loggedModelsSuite({ backend, quick }) {
  const count = quick ? 2_000 : 10_000;
  const seed = (location) => seedLoggedModels(location, count);
  return withSeededServer(backend, "logged_models", seed, async ({ api, server, seeded, seedSeconds }) => {
    const { experimentId, artifactLocation } = seeded;
    await verifySeed(api, server.url, experimentId, artifactLocation);
    const n = quick ? 15 : 41;
    const workloads = [
      ["newest 100 (the default order)", {}],
      ["metrics.accuracy > 0.9, newest 100", { filter: "metrics.accuracy > 0.9" }],
      ["metrics.accuracy > 0.998 (10 models)", { filter: "metrics.accuracy > 0.998" }],
      ["params.depth = '3' AND status = 'READY'", { filter: "params.depth = '3' AND status = 'READY'" }],
      ["name = 'model-7' (200 models), newest 100", { filter: "name = 'model-7'" }],
      ["tags.team = 'team-2', newest 100", { filter: "tags.team = 'team-2'" }],
      [
        "order_by metrics.accuracy DESC, first 100",
        { order_by: [{ field_name: "metrics.accuracy", ascending: false }] },
      ],
      ["page 11 of 100 (page_token)", { page_token: Buffer.from('{"offset": 1000}').toString("base64") }],
    ];
    const search = async (query) => {
      const body = await api.post("/logged-models/search", {
        experiment_ids: [experimentId],
        max_results: 100,
        ...query,
      });
      return body.models?.length ?? 0;
    };
    // Every query a few times first, so that the first one measured does not carry the server's warm-up.
    for (let i = 0; i < 5; i++) for (const [, query] of workloads) await search(query);
    const rows = await searchRows(workloads, { n, targetMs: TARGET_MS, unit: "models", search });
    // What the machine's load adds to any request: the same connection's cheapest read, meanwhile.
    const floor = median(await sample(n, () => api.get("/experiments/get", { experiment_id: experimentId })));
    rows.note = `seeded ${count.toLocaleString("en")} logged models in ${seedSeconds.toFixed(1)} s; experiments/get, the cheapest read, took ${fmtMs(floor)} meanwhile`;
    return rows;
  });
}

// ---------------------------------------------------------------------------------------------------
// Logging a model end to end, Labtrack vs the real MLflow server, one HTTP sequence per model on one
// keep-alive connection, the servers' rounds interleaved so that the machine's load falls on both.

/** The files `mlflow.sklearn.log_model` writes, with a 64 kB pickle. */
const MODEL_FILES = [
  [
    "MLmodel",
    "artifact_path: model\nflavors:\n  python_function: {}\n  sklearn: {}\nmlflow_version: 3.0.0\n",
  ],
  ["model.pkl", Buffer.alloc(64 * 1024, 7)],
  [
    "conda.yaml",
    "channels: [conda-forge]\ndependencies: [python=3.11, pip, {pip: [mlflow, scikit-learn]}]\n",
  ],
  ["python_env.yaml", "python: 3.11.2\nbuild_dependencies: [pip]\ndependencies: [-r requirements.txt]\n"],
  ["requirements.txt", "mlflow==3.0.0\nscikit-learn==1.2.1\n"],
  ["input_example.json", '{"columns": ["a", "b"], "data": [[1, 2]]}'],
];

function rawClient(baseUrl) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method, path, body, type = "application/json") =>
    new Promise((done, fail) => {
      const payload =
        body === undefined
          ? undefined
          : Buffer.isBuffer(body)
            ? body
            : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: payload ? { "content-type": type, "content-length": payload.length } : {},
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            done({ status: res.statusCode, json: () => JSON.parse(text), text });
          });
        },
      );
      req.on("error", fail);
      req.end(payload);
    });
  const ok = async (method, path, body, type) => {
    const r = await send(method, path, body, type);
    if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status}: ${r.text.slice(0, 200)}`);
    return r.text ? r.json() : {};
  };
  return { send, ok, close: () => agent.destroy() };
}

const api = (path) => `/api/2.0/mlflow${path}`;
const artifactPath = (uri) =>
  `/api/2.0/mlflow-artifacts/artifacts/${uri.replace(/^mlflow-artifacts:\/+/, "")}`;

async function uploadModel(c, root) {
  for (const [name, content] of MODEL_FILES) {
    await c.ok("PUT", `${artifactPath(root)}/${name}`, content, "application/octet-stream");
  }
}

/** MLflow 3: create the logged model, upload its files, finalize it, link it to the run, register it. */
async function logModelMlflow3(c, { experimentId, runId, registered }) {
  const model = (
    await c.ok("POST", api("/logged-models"), {
      experiment_id: experimentId,
      name: "model",
      source_run_id: runId,
      model_type: "",
    })
  ).model.info;
  await uploadModel(c, model.artifact_uri);
  await c.ok("PATCH", api(`/logged-models/${model.model_id}`), { status: "LOGGED_MODEL_READY" });
  await c.ok("POST", api("/runs/outputs"), {
    run_id: runId,
    models: [{ model_id: model.model_id, step: 0 }],
  });
  const version = (
    await c.ok("POST", api("/model-versions/create"), {
      name: registered,
      source: `models:/${model.model_id}`,
      run_id: runId,
      model_id: model.model_id,
    })
  ).model_version.version;
  await c.ok("GET", `${api("/model-versions/get")}?name=${registered}&version=${version}`);
}

/** MLflow 2: the files under the run's artifacts, the run's mlflow.log-model tag, then register them. */
async function logModelMlflow2(c, { runId, runArtifactUri, registered }, i) {
  const root = `${runArtifactUri}/model-${i}`;
  await uploadModel(c, root);
  await c.ok("POST", api("/runs/log-model"), {
    run_id: runId,
    model_json: JSON.stringify({
      run_id: runId,
      artifact_path: `model-${i}`,
      utc_time_created: "2026-12-06 12:00:00.000000",
      flavors: { python_function: {}, sklearn: {} },
    }),
  });
  const version = (
    await c.ok("POST", api("/model-versions/create"), { name: registered, source: root, run_id: runId })
  ).model_version.version;
  await c.ok("GET", `${api("/model-versions/get")}?name=${registered}&version=${version}`);
}

async function prepare(c, label) {
  const experimentId = (await c.ok("POST", api("/experiments/create"), { name: `bench-log-model-${label}` }))
    .experiment_id;
  const run = (await c.ok("POST", api("/runs/create"), { experiment_id: experimentId })).run.info;
  const registered = `bench-model-${label}`;
  await c.ok("POST", api("/registered-models/create"), { name: registered });
  return { experimentId, runId: run.run_id, runArtifactUri: run.artifact_uri, registered };
}

export async function modelLoggingSuite({ backend, quick }) {
  const n = quick ? 10 : 30;
  const store = await backend.fresh("log_model");
  const labtrack = await startServer(store.uri);
  const missing = mlflowMissing();
  const mlflow = missing ? null : await startMlflow();
  const lt = rawClient(labtrack.url);
  const ml = mlflow ? rawClient(mlflow.url) : null;
  try {
    const ltTarget = await prepare(lt, "labtrack");
    const mlTarget = ml ? await prepare(ml, "mlflow") : null;
    const mlflowVersion = ml ? (await ml.send("GET", "/version")).text.trim() : "";
    // What the real MLflow answers to the MLflow 3 sequence's first call.
    const mlflow3Answer = ml
      ? (await ml.send("POST", api("/logged-models"), { experiment_id: mlTarget.experimentId })).status
      : null;
    const mlflow3OnMlflow = mlflow3Answer === 200;
    const times = { lt3: [], lt2: [], ml2: [], ml3: [] };
    // One unmeasured model each, then the measured ones, interleaved.
    for (let i = -1; i < n; i++) {
      const rounds = [
        ["lt3", () => logModelMlflow3(lt, ltTarget)],
        ["lt2", () => logModelMlflow2(lt, ltTarget, i + 1)],
        ...(ml ? [["ml2", () => logModelMlflow2(ml, mlTarget, i + 1)]] : []),
        ...(ml && mlflow3OnMlflow ? [["ml3", () => logModelMlflow3(ml, mlTarget)]] : []),
      ];
      for (const [key, fn] of rounds) {
        const t = performance.now();
        await fn();
        if (i >= 0) times[key].push(performance.now() - t);
      }
    }
    for (const k of Object.keys(times)) times[k].sort((a, b) => a - b);
    const med = (k) => median(times[k]);
    const ratio = (a, b) => `${(med(b) / med(a)).toFixed(1)}× faster`;
    const steps3 = `create, ${MODEL_FILES.length} PUTs, finalize, runs/outputs, model-versions/create + get`;
    const steps2 = `${MODEL_FILES.length} PUTs, runs/log-model, model-versions/create + get`;
    const rows = [
      {
        name: `MLflow 3 way (${steps3})`,
        labtrack: fmtMs(med("lt3")),
        mlflow: mlflow3OnMlflow ? fmtMs(med("ml3")) : ml ? `not served (${mlflow3Answer})` : "–",
        ratio: mlflow3OnMlflow ? ratio("lt3", "ml3") : "–",
      },
      {
        name: `MLflow 2 way (${steps2})`,
        labtrack: fmtMs(med("lt2")),
        mlflow: ml ? fmtMs(med("ml2")) : "–",
        ratio: ml ? ratio("lt2", "ml2") : "–",
      },
    ];
    rows.note = ml
      ? `the real MLflow ${mlflowVersion} (../shared/mlflow-ref/serve.sh: gunicorn, 2 workers, SQLite, --serve-artifacts)`
      : `no real MLflow here (${missing}): Labtrack alone, no ratio`;
    rows.n = n;
    return rows;
  } finally {
    lt.close();
    ml?.close();
    await labtrack.stop();
    mlflow?.stop();
  }
}
