// Compiled searches executed on real databases: a SQLite file, and PostgreSQL when it is installed.
// The databases are opened the way the server opens them (openStores: driver and migrations), so
// these tests know the store only by its entry point, not by its drivers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compileExperimentSearch,
  compileModelVersionSearch,
  compileRegisteredModelSearch,
  compileRunSearch,
  parseExperimentFilter,
  parseExperimentOrderBy,
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
  parseRunFilter,
  parseRunOrderBy,
  requiredMetricClauses,
} from "../../src/search/index.js";
import { openStores, type Stores } from "../../src/store/open.js";
import { type PgCluster, postgresAvailable, startPostgres } from "../helpers/postgres.js";

type SqlDriver = Stores["driver"];
interface RunSeed {
  name: string;
  exp?: number;
  start: number;
  end?: number;
  status?: string;
  deleted?: boolean;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  metrics?: Record<string, number>;
  datasets?: { name: string; digest: string; context?: string }[];
}

const RUNS: RunSeed[] = [
  {
    name: "r1",
    start: 1,
    end: 10,
    status: "FINISHED",
    params: { lr: "0.1", opt: "adam" },
    tags: { grp: "a" },
    metrics: { acc: 0.5, loss: 1 },
  },
  {
    name: "r2",
    start: 2,
    end: 20,
    status: "FAILED",
    params: { lr: "0.01", opt: "Adam" },
    tags: { grp: "b", note: "O'Brien" },
    metrics: { acc: 0.9, loss: Number.NaN },
  },
  {
    name: "r3",
    start: 3,
    status: "RUNNING",
    params: { lr: "0.001", opt: "sgd", lang: "日本語" },
    tags: { grp: "Ä" },
    metrics: { acc: 0.7 },
  },
  {
    name: "r4",
    start: 4,
    end: 40,
    status: "KILLED",
    params: { opt: "ADAMW" },
    metrics: { acc: Number.MAX_VALUE, loss: 0.5 },
    datasets: [{ name: "iris", digest: "d1", context: "training" }],
  },
  {
    name: "R5",
    start: 4,
    end: 50,
    status: "FINISHED",
    params: { lr: "0.1" },
    tags: { grp: "ä" },
    metrics: { loss: 0.25, acc: -Number.MAX_VALUE },
    datasets: [{ name: "wine", digest: "d2", context: "eval" }],
  },
  { name: "gone", start: 6, deleted: true, params: { lr: "0.1" } },
  { name: "other-exp", exp: 2, start: 7, params: { lr: "0.1" } },
];

async function seed(db: SqlDriver): Promise<void> {
  await db.transaction(async (tx) => {
    // Opening the stores creates MLflow's "Default" experiment; these searches count only the seeded ones.
    await tx.run("DELETE FROM experiments WHERE experiment_id = 0");
    for (const id of [1, 2]) {
      await tx.run(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, 'x', 'active', ?, ?)",
        [id, `exp-${id}`, 100 - id, 100 - id],
      );
    }
    await tx.run(
      "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (3, 'Exp-Ünï', 'x', 'deleted', 50, 50)",
    );
    await tx.run(
      "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (1, 'team', 'ml'), (2, 'team', 'ML')",
    );
    for (const [i, r] of RUNS.entries()) {
      const id = `${i}`.padStart(32, "0");
      await tx.run(
        "INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, '', ?, ?, ?, ?, 'x')",
        [
          id,
          r.name,
          r.exp ?? 1,
          r.status ?? "FINISHED",
          r.start,
          r.end ?? null,
          r.deleted ? "deleted" : "active",
        ],
      );
      for (const [k, v] of Object.entries(r.params ?? {}))
        await tx.run("INSERT INTO params VALUES (?, ?, ?)", [id, k, v]);
      for (const [k, v] of Object.entries({ ...r.tags, "mlflow.runName": r.name })) {
        await tx.run("INSERT INTO tags VALUES (?, ?, ?)", [id, k, v]);
      }
      for (const [k, v] of Object.entries(r.metrics ?? {})) {
        const nan = Number.isNaN(v);
        await tx.run(
          "INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, 0, 0, ?)",
          [id, k, nan ? 0 : v, nan ? 1 : 0],
        );
      }
      for (const d of r.datasets ?? []) {
        await tx.run(
          "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, source_type, source) VALUES (?, 1, ?, ?, 'x', 'x')",
          [`${d.digest}-${i}`, d.name, d.digest],
        );
        await tx.run("INSERT INTO run_inputs (run_uuid, dataset_uuid, seq) VALUES (?, ?, 0)", [
          id,
          `${d.digest}-${i}`,
        ]);
        if (d.context) {
          await tx.run("INSERT INTO input_tags VALUES (?, ?, 'mlflow.data.context', ?)", [
            id,
            `${d.digest}-${i}`,
            d.context,
          ]);
        }
      }
    }
    for (const [name, tag] of [
      ["alpha", "x"],
      ["Beta", "y"],
      ["gamma", "x"],
    ] as const) {
      await tx.run("INSERT INTO registered_models VALUES (?, 1, ?, NULL)", [name, name.length]);
      await tx.run("INSERT INTO registered_model_tags VALUES (?, 'k', ?)", [name, tag]);
      for (const v of [1, 2, 3]) {
        await tx.run(
          "INSERT INTO model_versions (name, version, creation_time, last_updated_time, current_stage, source, storage_location, run_id) VALUES (?, ?, ?, ?, ?, ?, 'x', ?)",
          [name, v, v, 10 * v, v === 3 ? "Deleted_Internal" : "None", `s3://b/${name}/${v}`, `run-${v}`],
        );
      }
    }
  });
}

const backends: { name: string; open: () => Promise<Stores>; skip: boolean }[] = [];
let dir: string;
let pg: PgCluster | undefined;
const open = (location: Parameters<typeof openStores>[0]): Promise<Stores> =>
  openStores(location, join(dir, "artifacts"));
backends.push({
  name: "sqlite",
  skip: false,
  open: () => open({ kind: "sqlite", file: join(dir, "search.db") }),
});
backends.push({
  name: "postgres",
  skip: !postgresAvailable(),
  open: async () => {
    pg = await startPostgres();
    pg.createDatabase("search");
    return open({ kind: "postgres", uri: pg.url("search") });
  },
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "labtrack-search-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  pg?.destroy();
});

describe.each(backends)("compiled search on $name", ({ open, skip }) => {
  let stores: Stores | undefined;
  let db: SqlDriver;
  beforeAll(async () => {
    if (skip) return;
    stores = await open();
    db = stores.driver;
    await seed(db);
  }, 60_000);
  afterAll(async () => stores?.close());

  const runs = async (
    filter: string,
    orderBy: string[] = [],
    opts: {
      view?: "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";
      limit?: number;
      offset?: number;
      exps?: number[];
    } = {},
  ) => {
    const q = compileRunSearch({
      experimentIds: opts.exps ?? [1],
      viewType: opts.view ?? "ACTIVE_ONLY",
      filter: parseRunFilter(filter),
      orderBy: parseRunOrderBy(orderBy),
      limit: opts.limit ?? 100,
      offset: opts.offset ?? 0,
      dialect: db.dialect,
    });
    const ids = await db.all<{ run_uuid: string }>(q.sql, q.params);
    return ids.map((r) => RUNS[Number(r.run_uuid)]?.name);
  };

  it.skipIf(skip).each([
    ["", ["r4", "R5", "r3", "r2", "r1"]],
    ["metrics.acc > 0.6", ["r4", "r3", "r2"]],
    ["metrics.acc >= 0.5", ["r4", "r3", "r2", "r1"]],
    ["metrics.acc < 0", ["R5"]],
    ["metrics.acc != 0.5", ["r4", "R5", "r3", "r2"]],
    ["metrics.acc > 1e300", ["r4"]],
    ["metrics.loss >= 0", ["r4", "R5", "r1"]],
    // r2's loss is NaN: != every number (IEEE, as MLflow's stores agree), no other comparison.
    ["metrics.loss != 1", ["r4", "R5", "r2"]],
    ["metrics.missing > 0", []],
    ["params.lr = '0.1'", ["R5", "r1"]],
    ["params.lr != '0.1'", ["r3", "r2"]],
    ["params.opt LIKE 'adam%'", ["r1"]],
    ["params.opt LIKE 'A%'", ["r4", "r2"]],
    ["params.opt ILIKE 'adam%'", ["r4", "r2", "r1"]],
    ["params.opt LIKE '_dam'", ["r2", "r1"]],
    ["params.opt = 'adam'", ["r1"]],
    ["params.lang = '日本語'", ["r3"]],
    ["params.nope != 'x'", []],
    ["tags.grp ILIKE 'ä'", ["R5", "r3"]],
    ["tags.grp = 'ä'", ["R5"]],
    ['tags.note = "O\'Brien"', ["r2"]],
    ["tags.mlflow.runName = 'r3'", ["r3"]],
    ["attributes.status = 'FINISHED'", ["R5", "r1"]],
    ["attributes.status != 'FINISHED'", ["r4", "r3", "r2"]],
    ["run_name LIKE 'r%'", ["r4", "r3", "r2", "r1"]],
    ["run_name ILIKE 'r%'", ["r4", "R5", "r3", "r2", "r1"]],
    ["attributes.end_time > 15", ["r4", "R5", "r2"]],
    ["attributes.end_time != 10", ["r4", "R5", "r2"]],
    ["created <= 2", ["r2", "r1"]],
    [`attributes.run_id IN ('${"0".padStart(32, "0")}', '${"1".padStart(32, "0")}')`, ["r2", "r1"]],
    [`attributes.run_id NOT IN ('${"0".padStart(32, "0")}')`, ["r4", "R5", "r3", "r2"]],
    ["attributes.run_id IN ('ABC')", []],
    ["dataset.name = 'iris'", ["r4"]],
    ["datasets.name IN ('iris', 'wine')", ["r4", "R5"]],
    ["dataset.context = 'eval'", ["R5"]],
    ["dataset.digest LIKE 'd%'", ["r4", "R5"]],
    ["metrics.acc > 0.6 and params.opt ILIKE 'adam%'", ["r4", "r2"]],
    ["metrics.acc > 0.8 or params.lr = '0.001'", ["r4", "r3", "r2"]],
    ["(metrics.acc > 0.8 or params.lr = '0.001') and attributes.status = 'RUNNING'", ["r3"]],
    ["params.lr = '0.1' and (tags.grp = 'a' or tags.grp = 'ä')", ["R5", "r1"]],
  ])("filter %s", async (filter, expected) => {
    expect(await runs(filter)).toEqual(expected);
  });

  it.skipIf(skip).each([
    [["metrics.acc"], ["R5", "r1", "r3", "r2", "r4"]],
    [["metrics.acc DESC"], ["r4", "r2", "r3", "r1", "R5"]],
    // Values, then NaN, then missing — in both directions.
    [["metrics.loss"], ["R5", "r4", "r1", "r2", "r3"]],
    [["metrics.loss DESC"], ["r1", "r4", "R5", "r2", "r3"]],
    [["params.lr"], ["r3", "r2", "R5", "r1", "r4"]],
    [["params.lr DESC"], ["R5", "r1", "r2", "r3", "r4"]],
    [["tags.grp"], ["r1", "r2", "r3", "R5", "r4"]],
    [["attributes.run_name"], ["R5", "r1", "r2", "r3", "r4"]],
    [["attributes.end_time DESC"], ["R5", "r4", "r2", "r1", "r3"]],
    [["start_time ASC"], ["r1", "r2", "r3", "r4", "R5"]],
    [
      ["attributes.status", "metrics.acc DESC"],
      ["r2", "r1", "R5", "r4", "r3"],
    ],
  ])("order %j", async (orderBy, expected) => {
    expect(await runs("", orderBy)).toEqual(expected);
  });

  it.skipIf(skip)("gives the same answers when metric clauses are marked selective", async () => {
    for (const text of [
      "metrics.acc > 0.6",
      "metrics.acc > 0.6 and params.opt ILIKE 'adam%'",
      "metrics.loss >= 0 and metrics.acc != 0.5",
      "metrics.acc < 0 or metrics.loss = 1",
    ]) {
      const filter = parseRunFilter(text);
      const run = async (selective: boolean) => {
        const q = compileRunSearch({
          experimentIds: [1],
          viewType: "ACTIVE_ONLY",
          filter,
          orderBy: parseRunOrderBy(["metrics.acc DESC"]),
          limit: 100,
          offset: 0,
          dialect: db.dialect,
          selective: selective ? new Set(requiredMetricClauses(filter)) : undefined,
        });
        if (selective && requiredMetricClauses(filter).length > 0)
          expect(q.sql).toContain("r.run_uuid IN (SELECT m.run_uuid");
        return (await db.all<{ run_uuid: string }>(q.sql, q.params)).map((r) => r.run_uuid);
      };
      expect(await run(true), text).toEqual(await run(false));
    }
  });

  it.skipIf(skip)("view types, experiments, limit and offset", async () => {
    expect(await runs("", [], { view: "DELETED_ONLY" })).toEqual(["gone"]);
    expect(await runs("", [], { view: "ALL" })).toEqual(["gone", "r4", "R5", "r3", "r2", "r1"]);
    expect(await runs("", [], { exps: [1, 2] })).toEqual(["other-exp", "r4", "R5", "r3", "r2", "r1"]);
    expect(await runs("", [], { exps: [999] })).toEqual([]);
    expect(await runs("", [], { limit: 2 })).toEqual(["r4", "R5"]);
    expect(await runs("", [], { limit: 2, offset: 2 })).toEqual(["r3", "r2"]);
    expect(await runs("", [], { limit: 2, offset: 4 })).toEqual(["r1"]);
  });

  it.skipIf(skip)("values are bound, never spliced into the SQL", async () => {
    const q = compileRunSearch({
      experimentIds: [1],
      viewType: "ACTIVE_ONLY",
      filter: parseRunFilter("params.x = 'a''; DROP TABLE runs; --' and tags.`evil'key` = 'x'"),
      orderBy: parseRunOrderBy(["metrics.`o'k`"]),
      limit: 10,
      offset: 0,
      dialect: db.dialect,
    });
    expect(q.sql).not.toContain("DROP");
    expect(q.sql).not.toContain("evil");
    expect(q.sql).not.toContain("o'k");
    expect(await db.all(q.sql, q.params)).toEqual([]);
    expect((await db.all<{ n: number }>("SELECT COUNT(*) AS n FROM runs"))[0]?.n).toBe(RUNS.length);
  });

  const experiments = async (
    filter: string,
    orderBy: string[] = [],
    view: "ACTIVE_ONLY" | "ALL" = "ACTIVE_ONLY",
  ) => {
    const q = compileExperimentSearch({
      viewType: view,
      filter: parseExperimentFilter(filter),
      orderBy: parseExperimentOrderBy(orderBy),
      limit: 100,
      offset: 0,
      dialect: db.dialect,
    });
    return (await db.all<{ experiment_id: number }>(q.sql, q.params)).map((r) => Number(r.experiment_id));
  };

  it.skipIf(skip)("experiments: filters, default and explicit order", async () => {
    expect(await experiments("")).toEqual([1, 2]);
    expect(await experiments("", [], "ALL")).toEqual([1, 2, 3]);
    expect(await experiments("name LIKE 'exp-%'")).toEqual([1, 2]);
    expect(await experiments("name ILIKE 'EXP-ü%'", [], "ALL")).toEqual([3]);
    expect(await experiments("tags.team = 'ml'")).toEqual([1]);
    expect(await experiments("tags.team ILIKE 'ml'")).toEqual([1, 2]);
    expect(await experiments("creation_time < 99")).toEqual([2]);
    expect(await experiments("", ["name DESC"], "ALL")).toEqual([2, 1, 3]);
    expect(await experiments("", ["creation_time ASC"])).toEqual([2, 1]);
  });

  it.skipIf(skip)("registered models and model versions", async () => {
    const models = async (filter: string, orderBy: string[] = []) => {
      const q = compileRegisteredModelSearch({
        filter: parseRegisteredModelFilter(filter),
        orderBy: parseRegisteredModelOrderBy(orderBy),
        limit: 100,
        offset: 0,
        dialect: db.dialect,
      });
      return (await db.all<{ name: string }>(q.sql, q.params)).map((r) => r.name);
    };
    expect(await models("")).toEqual(["Beta", "alpha", "gamma"]);
    expect(await models("name ILIKE 'b%'")).toEqual(["Beta"]);
    expect(await models("tags.k = 'x'", ["name DESC"])).toEqual(["gamma", "alpha"]);
    expect(await models("", ["timestamp DESC"])).toEqual(["alpha", "gamma", "Beta"]);

    const versions = async (filter: string, orderBy: string[] = []) => {
      const q = compileModelVersionSearch({
        filter: parseModelVersionFilter(filter),
        orderBy: parseModelVersionOrderBy(orderBy),
        limit: 100,
        offset: 0,
        dialect: db.dialect,
      });
      return (await db.all<{ name: string; version: number }>(q.sql, q.params)).map(
        (r) => `${r.name}/${r.version}`,
      );
    };
    expect(await versions("name = 'alpha'")).toEqual(["alpha/2", "alpha/1"]);
    expect(await versions("name = 'alpha' AND version_number > 1")).toEqual(["alpha/2"]);
    expect(await versions("run_id IN ('run-1') AND name != 'gamma'")).toEqual(["Beta/1", "alpha/1"]);
    expect(await versions("source_path LIKE 's3://b/gamma/%'", ["version_number"])).toEqual([
      "gamma/1",
      "gamma/2",
    ]);
    expect(await versions("")).toEqual(["Beta/2", "alpha/2", "gamma/2", "Beta/1", "alpha/1", "gamma/1"]);
  });
});
