// Issue 16: trace search (GET /mlflow/traces) over an experiment of 100,000 traces. The traces are seeded
// directly through the real schema (lib/store: the migrations and the SQL driver the server uses) with
// the rows start-trace + end-trace write for them — seeding over HTTP would measure the seeding. Before
// timing, one trace recorded over HTTP is read back and compared with a seeded one, field by field.
import { openStores } from "../lib/store/open.js";
import { insertRows } from "./lib/seed.mjs";
import { withSeededServer } from "./lib/server.mjs";
import { searchRows } from "./lib/stats.mjs";

const T0 = 1_700_000_000_000;
const PER_TRANSACTION = 5000;
const TARGET_MS = 50;

/** Trace `i`: one in ten failed, one in a hundred recorded in a run, eight names. */
function seededTrace(i, artifactRoot) {
  const id = `7${i.toString(16).padStart(31, "0")}`;
  const metadata = [
    ["mlflow.trace_schema.version", "2"],
    ["mlflow.traceInputs", `{"question": "q${i}"}`],
    ["mlflow.traceOutputs", `"a${i}"`],
  ];
  if (i % 100 === 0) metadata.push(["mlflow.sourceRun", `run-${(i / 100) % 50}`]);
  return {
    id,
    timestamp: T0 + i * 10,
    executionTime: 5 + ((i * 7919) % 2000),
    status: i % 10 === 3 ? "ERROR" : "OK",
    tags: [
      ["mlflow.traceName", `chain-${i % 8}`],
      ["mlflow.source.type", "NOTEBOOK"],
      ["mlflow.artifactLocation", `${artifactRoot}/traces/${id}/artifacts`],
    ],
    metadata,
  };
}

export async function seedTraces(location, count) {
  const stores = await openStores(location, "mlflow-artifacts:/");
  try {
    const experimentId = await stores.tracking.createExperiment("traces-scale", undefined, []);
    const { artifactLocation } = await stores.tracking.getExperiment(experimentId);
    for (let start = 0; start < count; start += PER_TRANSACTION) {
      const info = [];
      const tags = [];
      const metadata = [];
      for (let i = start; i < Math.min(count, start + PER_TRANSACTION); i++) {
        const t = seededTrace(i, artifactLocation);
        info.push([t.id, Number(experimentId), t.timestamp, t.executionTime, t.status]);
        for (const [k, v] of t.tags) tags.push([t.id, k, v]);
        for (const [k, v] of t.metadata) metadata.push([t.id, k, v]);
      }
      await stores.driver.transaction(async (tx) => {
        const columns = ["request_id", "experiment_id", "timestamp_ms", "execution_time_ms", "status"];
        await insertRows(tx, "trace_info", columns, info);
        await insertRows(tx, "trace_tags", ["request_id", "key", "value"], tags);
        await insertRows(tx, "trace_request_metadata", ["request_id", "key", "value"], metadata);
      });
    }
    // A server that had received these writes would have refreshed the planner's statistics.
    await stores.driver.run("ANALYZE");
    return { experimentId, artifactLocation };
  } finally {
    await stores.close();
  }
}

/** The same trace recorded over HTTP (start + end, as MLflow's client) reads back as the seeded one. */
async function verifySeed(api, baseUrl, experimentId, artifactLocation) {
  const i = 300;
  const seeded = seededTrace(i, artifactLocation);
  const started = await api.post("/traces", {
    experiment_id: experimentId,
    timestamp_ms: seeded.timestamp,
    tags: seeded.tags
      .filter(([k]) => k !== "mlflow.artifactLocation")
      .map(([key, value]) => ({ key, value })),
    request_metadata: seeded.metadata.map(([key, value]) => ({ key, value })),
  });
  const live = started.trace_info.request_id;
  const ended = await (
    await fetch(`${baseUrl}/api/2.0/mlflow/traces/${live}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ timestamp_ms: seeded.timestamp + seeded.executionTime, status: seeded.status }),
    })
  ).json();
  const read = (await api.get(`/traces/${seeded.id}/info`)).trace_info;
  const normalize = (t) =>
    JSON.stringify({
      ...t,
      request_id: "",
      tags: t.tags.map((p) => (p.key === "mlflow.artifactLocation" ? { ...p, value: "" } : p)),
    });
  if (normalize(read) !== normalize(ended.trace_info)) {
    throw new Error(
      `a seeded trace differs from one recorded over HTTP:\n${normalize(read)}\n${normalize(ended.trace_info)}`,
    );
  }
  await api.post("/traces/delete-traces", { experiment_id: experimentId, request_ids: [live] });
}

export async function tracesSuite({ backend, quick }) {
  const count = quick ? 10_000 : 100_000;
  const seed = (location) => seedTraces(location, count);
  return withSeededServer(backend, "traces", seed, async ({ api, server, seeded, seedSeconds }) => {
    const { experimentId, artifactLocation } = seeded;
    await verifySeed(api, server.url, experimentId, artifactLocation);
    const n = quick ? 15 : 41;
    const workloads = [
      ["newest 100 (the default order)", {}],
      ["status = 'ERROR', newest 100", { filter: "status = 'ERROR'" }],
      ["run_id = '…' (a run's 20 traces)", { filter: "run_id = 'run-7'" }],
      [
        "name = 'chain-3' AND timestamp_ms > …",
        { filter: `name = 'chain-3' AND timestamp_ms > ${T0 + count * 5}` },
      ],
      [
        "tags.`mlflow.source.type` = 'NOTEBOOK', newest 100",
        { filter: "tags.`mlflow.source.type` = 'NOTEBOOK'" },
      ],
      ["order_by execution_time_ms DESC, first 100", { order_by: ["execution_time_ms DESC"] }],
      ["page 11 of 100 (page_token)", { page_token: Buffer.from('{"offset": 1000}').toString("base64") }],
    ];
    const rows = await searchRows(workloads, {
      n,
      targetMs: TARGET_MS,
      unit: "traces",
      search: async (query) => {
        const body = await api.get("/traces", { experiment_ids: experimentId, max_results: 100, ...query });
        return body.traces?.length ?? 0;
      },
    });
    rows.note = `seeded ${count.toLocaleString("en")} traces in ${seedSeconds.toFixed(1)} s`;
    return rows;
  });
}
