// The 100,000-run store is seeded directly through the real schema (lib/store: the migrations and the
// SQL driver the server itself uses, SQLite or PostgreSQL) with the rows the API writes for the same
// runs — seeding it over HTTP would measure the seeding, not the search. `verifySeed` (run by the
// tracking suite) checks that claim: runs written through the API read back identical to seeded ones.
import { openStores } from "../../lib/store/open.js";

const CHUNK = 400;
const RUNS_PER_TRANSACTION = 2000;
const T0 = 1_700_000_000_000;

/** Multi-row INSERTs of CHUNK rows each, inside the caller's transaction. */
export async function insertRows(tx, table, columns, rows) {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    const values = part.map(() => `(${columns.map(() => "?").join(", ")})`).join(", ");
    await tx.run(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${values}`, part.flat());
  }
}

/** A deterministic number in [0, 1) for (i, k): every bench run searches the same data. */
export function unit(i, k) {
  let x = (Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca77)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 0) / 2 ** 32;
}

/** Run `i` of a scale experiment: what it holds, as a client would log it. */
export function scaleRun(i, { params = 10, metrics = 10, tags = 5 } = {}) {
  return {
    name: `run-${i}`,
    userId: "bench",
    startTime: T0 + i,
    endTime: T0 + i + 1000,
    params: Array.from({ length: params }, (_, k) => ({ key: `p${k}`, value: String((i * (k + 1)) % 50) })),
    tags: Array.from({ length: tags }, (_, k) => ({ key: `t${k}`, value: `tag-${(i + k) % 7}` })),
    metrics: Array.from({ length: metrics }, (_, k) => ({
      key: `m${k}`,
      value: unit(i, k),
      timestamp: T0 + i,
      step: 0,
    })),
  };
}

/** The id a seeded run gets: 32 hex digits, like the API's. */
export const seededRunId = (i) => i.toString(16).padStart(32, "0");

/**
 * Adds run `i`'s rows to `rows` ({ runs, params, tags, metrics }: arrays of column values), as the API
 * writes them: the run, its params, `mlflow.runName` and its tags, one point per metric (it is the
 * history and the latest value).
 */
export function addRunRows(rows, i, shape, experimentId, artifactLocation) {
  const id = seededRunId(i);
  const run = scaleRun(i, shape);
  rows.runs.push([
    id,
    run.name,
    Number(experimentId),
    run.userId,
    "FINISHED",
    run.startTime,
    run.endTime,
    "active",
    `${artifactLocation}/${id}/artifacts`,
  ]);
  for (const p of run.params) rows.params.push([id, p.key, p.value]);
  rows.tags.push([id, "mlflow.runName", run.name]);
  for (const t of run.tags) rows.tags.push([id, t.key, t.value]);
  for (const m of run.metrics) rows.metrics.push([id, m.key, m.value, m.timestamp, m.step, 0]);
}

/** Seeds runs `first` … `first + runs - 1` (distinct ranges for experiments sharing a store). */
export async function seedRuns(location, { runs, first = 0, experimentName = "scale", ...shape }) {
  const stores = await openStores(location, "mlflow-artifacts:/");
  try {
    const experimentId = await stores.tracking.createExperiment(experimentName, undefined, []);
    const { artifactLocation } = await stores.tracking.getExperiment(experimentId);
    for (let start = first; start < first + runs; start += RUNS_PER_TRANSACTION) {
      const rows = { runs: [], params: [], tags: [], metrics: [] };
      for (let i = start; i < Math.min(first + runs, start + RUNS_PER_TRANSACTION); i++) {
        addRunRows(rows, i, shape, experimentId, artifactLocation);
      }
      await stores.driver.transaction(async (tx) => {
        const runColumns = ["run_uuid", "name", "experiment_id", "user_id", "status", "start_time"];
        runColumns.push("end_time", "lifecycle_stage", "artifact_uri");
        await insertRows(tx, "runs", runColumns, rows.runs);
        await insertRows(tx, "params", ["run_uuid", "key", "value"], rows.params);
        await insertRows(tx, "tags", ["run_uuid", "key", "value"], rows.tags);
        const m = ["run_uuid", "key", "value", "timestamp", "step", "is_nan"];
        await insertRows(tx, "metrics", m, rows.metrics);
        await insertRows(tx, "latest_metrics", m, rows.metrics);
      });
    }
    // A server that had received these writes would have refreshed the planner's statistics as it went
    // (SqlTrackingStore.wrote → PRAGMA optimize / ANALYZE). SEED_ANALYZE=0 leaves a store without them.
    if (process.env.SEED_ANALYZE !== "0") await stores.driver.run("ANALYZE");
    return experimentId;
  } finally {
    await stores.close();
  }
}

/** Logs run `i` through the HTTP API, as a client would: create, one log-batch, update. */
export async function logRunOverHttp(api, experimentId, i, shape) {
  const run = scaleRun(i, shape);
  const id = (
    await api.post("/runs/create", {
      experiment_id: experimentId,
      run_name: run.name,
      user_id: run.userId,
      start_time: run.startTime,
    })
  ).run.info.run_id;
  await api.post("/runs/log-batch", { run_id: id, params: run.params, tags: run.tags, metrics: run.metrics });
  await api.post("/runs/update", { run_id: id, status: "FINISHED", end_time: run.endTime });
  return id;
}

/** A run as the API returns it, with its own ids replaced and lists sorted, for comparison. */
function normalized(run) {
  const { run_id: id, experiment_id: exp } = run.info;
  const sort = (list) => [...(list ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return JSON.stringify({
    info: {
      ...run.info,
      run_id: "ID",
      run_uuid: "ID",
      experiment_id: "EXP",
      artifact_uri: run.info.artifact_uri.replace(id, "ID").replace(`/${exp}/`, "/EXP/"),
    },
    data: { metrics: sort(run.data.metrics), params: sort(run.data.params), tags: sort(run.data.tags) },
    inputs: run.inputs,
  });
}

/**
 * Writes runs 0..n-1 again through the API into a new experiment and compares what the API returns for
 * them (runs/get and every metric's history) with the seeded runs. Throws on any difference.
 */
export async function verifySeed(api, n = 3, shape = {}) {
  const exp = (await api.post("/experiments/create", { name: `seed-check-${Date.now()}` })).experiment_id;
  for (let i = 0; i < n; i++) {
    const viaApi = await logRunOverHttp(api, exp, i, shape);
    const [a, b] = await Promise.all(
      [viaApi, seededRunId(i)].map(async (id) => {
        const run = (await api.get("/runs/get", { run_id: id })).run;
        const histories = [];
        for (const m of run.data.metrics ?? []) {
          const h = await api.get("/metrics/get-history", { run_id: id, metric_key: m.key });
          histories.push([m.key, h.metrics]);
        }
        return `${normalized(run)}\n${JSON.stringify(histories.sort())}`;
      }),
    );
    if (a !== b)
      throw new Error(`seeded run ${i} differs from the same run logged through the API:\n${a}\n${b}`);
  }
  await api.post("/experiments/delete", { experiment_id: exp });
}
