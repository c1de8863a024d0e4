// Searches ordered by a metric (or a param/tag on SQLite) that walk the order key's (key, value) index
// (src/search's RunWalk, src/store/sql/tracking/run-walk.ts): exactly the full search's answer, and
// over 100,000 runs the plans the issue asks for (EXPLAIN), on a SQLite file and, when installed, on
// PostgreSQL — both opened the way the server opens them (openStores).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compileRunSearch,
  groupWalkable,
  parseRunFilter,
  parseRunOrderBy,
  type RunSearchQuery,
  requiredEqualities,
} from "../../src/search/index.js";
import { openStores, type Stores } from "../../src/store/open.js";
import { walkRunSearch } from "../../src/store/sql/tracking/run-walk.js";
import { type PgCluster, postgresAvailable, startPostgres } from "../helpers/postgres.js";

type SqlDriver = Stores["driver"];
type Executor = Parameters<Parameters<SqlDriver["transaction"]>[0]>[0];
type Cell = string | number;

/** A deterministic number in [0, 1) for (i, k). */
function unit(i: number, k: number): number {
  let x = (Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca77)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 0) / 2 ** 32;
}

const COLUMNS: Record<string, { names: string[]; types: string[] }> = {
  runs: {
    names: ["run_uuid", "name", "experiment_id", "status", "start_time", "lifecycle_stage", "artifact_uri"],
    types: ["text", "text", "bigint", "text", "bigint", "text", "text"],
  },
  params: { names: ["run_uuid", "key", "value"], types: ["text", "text", "text"] },
  tags: { names: ["run_uuid", "key", "value"], types: ["text", "text", "text"] },
  latest_metrics: {
    names: ["run_uuid", "key", "value", "timestamp", "step", "is_nan"],
    types: ["text", "text", "float8", "bigint", "bigint", "smallint"],
  },
};

/** Rows of one table: multi-row INSERTs on SQLite, one unnest() INSERT on PostgreSQL. */
async function insert(tx: Executor, dialect: string, table: string, rows: Cell[][]): Promise<void> {
  const { names, types } = COLUMNS[table] as { names: string[]; types: string[] };
  if (dialect === "postgres") {
    const arrays = names.map((_, c) => rows.map((r) => r[c])) as string[][];
    const args = types.map((t) => `?::${t}[]`).join(", ");
    await tx.run(`INSERT INTO ${table} (${names.join(", ")}) SELECT * FROM unnest(${args})`, arrays);
    return;
  }
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    const values = part.map(() => `(${names.map(() => "?").join(", ")})`).join(", ");
    await tx.run(`INSERT INTO ${table} (${names.join(", ")}) VALUES ${values}`, part.flat());
  }
}

interface Tables {
  runs: Cell[][];
  params: Cell[][];
  tags: Cell[][];
  latest_metrics: Cell[][];
}

async function insertAll(db: SqlDriver, t: Tables): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of ["runs", "params", "tags", "latest_metrics"] as const)
      await insert(tx, db.dialect, table, t[table]);
  });
  await db.run("ANALYZE");
}

const runRow = (id: string, exp: number, start: number, deleted = false): Cell[] => [
  id,
  id,
  exp,
  "FINISHED",
  start,
  deleted ? "deleted" : "active",
  `file:///a/${id}`,
];

/**
 * 600 runs in experiments 1 and 2 made to meet every edge of a walk: ties of the order value and of
 * start_time (the run id decides), NaN (stored as 0) beside real zeros, ±inf, runs without the key,
 * deleted runs, params with few values.
 */
function smallTables(): Tables {
  const t: Tables = { runs: [], params: [], tags: [], latest_metrics: [] };
  const values = [Number.NEGATIVE_INFINITY, -1, 0, 0.5, 1, 2, Number.POSITIVE_INFINITY];
  for (let i = 0; i < 600; i++) {
    const id = `r${String(i).padStart(4, "0")}`;
    t.runs.push(runRow(id, i % 5 === 0 ? 2 : 1, 1000 + (i % 37), i % 17 === 0));
    const metric = (key: string, value: number) =>
      t.latest_metrics.push(Number.isNaN(value) ? [id, key, 0, 1, 0, 1] : [id, key, value, 1, 0, 0]);
    if (i % 11 !== 0) {
      const u = unit(i, 1);
      metric("m", i % 13 === 0 ? Number.NaN : u < 0.5 ? (values[Math.floor(u * 14)] as number) : u - 0.5);
    }
    metric("f", unit(i, 2));
    if (i % 7 !== 0) t.params.push([id, "p", String(Math.floor(unit(i, 3) * 10))]);
    t.params.push([id, "q", String(i % 3)]);
    t.tags.push([id, "t", String(i % 4)]);
  }
  return t;
}

let dir: string;
let pg: PgCluster | undefined;
const backends = [
  { name: "sqlite", skip: false },
  { name: "postgres", skip: !postgresAvailable() },
];

async function openBackend(name: string, database: string): Promise<Stores> {
  if (name === "sqlite") return openStores({ kind: "sqlite", file: join(dir, `${database}.db`) }, dir);
  pg ??= await startPostgres();
  pg.createDatabase(database);
  return openStores({ kind: "postgres", uri: pg.url(database) }, dir);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "labtrack-walk-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  pg?.destroy();
});

const ids = async (db: SqlDriver, q: RunSearchQuery) =>
  (await db.all<{ run_uuid: string }>(compileRunSearch(q).sql, compileRunSearch(q).params)).map(
    (r) => r.run_uuid,
  );

describe.each(backends)("walked searches on $name", ({ name, skip }) => {
  let stores: Stores | undefined;
  let db: SqlDriver;
  beforeAll(async () => {
    if (skip) return;
    stores = await openBackend(name, "walk_small");
    db = stores.driver;
    for (const id of [1, 2])
      await db.run(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage) VALUES (?, ?, 'x', 'active')",
        [id, `e${id}`],
      );
    await insertAll(db, smallTables());
  }, 60_000);
  afterAll(async () => stores?.close());

  const filters = [
    "",
    "metrics.f > 0.3",
    "metrics.f < 0.05",
    "params.q = '1'",
    "params.q = '1' and metrics.f > 0.5",
    "tags.t != '2' or metrics.f > 0.9",
    "metrics.m != 2",
  ];
  const orders = [
    ["metrics.m DESC"],
    ["metrics.m ASC"],
    ["metrics.m DESC", "params.p ASC"],
    ["params.p DESC"],
    ["params.p"],
    ["tags.t DESC", "metrics.m"],
  ];

  type Views = readonly (readonly [RunSearchQuery["viewType"], readonly number[]])[];
  /**
   * Every filter × view × page (limit, offset) of a search in `orderBy`, each with the ways the store
   * may check its equalities: run by run, and read once as lists.
   */
  function* searches(
    orderBy: RunSearchQuery["orderBy"],
    views: Views,
    pages: readonly (readonly [number, number])[],
  ) {
    for (const filter of filters)
      for (const [viewType, experimentIds] of views)
        for (const [limit, offset] of pages) {
          const query: RunSearchQuery = {
            experimentIds,
            viewType,
            filter: parseRunFilter(filter),
            orderBy,
            limit,
            offset,
            dialect: db.dialect,
          };
          const lists = requiredEqualities(query.filter);
          const selectives = lists.length ? [undefined, new Set(lists)] : [undefined];
          yield { query, selectives, label: `${filter} ${viewType} page ${offset}+${limit}` };
        }
  }

  it.skipIf(skip).each(orders)(
    "every walk bound gives the full search's page when it holds the page (order %s)",
    async (...order) => {
      const orderBy = parseRunOrderBy(order);
      const first = orderBy[0] as { entity: string; key: string };
      const table =
        first.entity === "metric" ? "latest_metrics" : first.entity === "param" ? "params" : "tags";
      const values = (
        await db.all<{ value: Cell }>(`SELECT DISTINCT value FROM ${table} WHERE key = ? ORDER BY value`, [
          first.key,
        ])
      ).map((r) => r.value);
      // About 12 bounds across the values, with 0 (where NaN is stored) and both ends.
      const step = Math.ceil(values.length / 12);
      const bounds = values.filter((v, i) => i % step === 0 || v === 0 || i === values.length - 1);
      let exact = 0;
      const views: Views = [
        ["ACTIVE_ONLY", [1]],
        ["ALL", [1, 2]],
      ];
      for (const { query, selectives, label } of searches(orderBy, views, [
        [7, 0],
        [10, 20],
        [50, 0],
      ])) {
        const { limit, offset } = query;
        const full = await ids(db, query);
        for (const selective of selectives)
          for (const bound of [null, ...bounds]) {
            const walk = { ...query, selective, walk: { bound }, limit: offset + limit, offset: 0 };
            const walked = await ids(db, walk);
            if (walked.length < offset + limit) continue;
            exact++;
            expect(walked.slice(offset), `${label} bound ${bound}`).toEqual(full);
          }
        const store = await walkRunSearch(db, query);
        if (store !== null) expect(store, label).toEqual(full);
      }
      // The comparisons above are not vacuous: many bounds held a page.
      expect(exact).toBeGreaterThan(50);
    },
    120_000,
  );

  it.skipIf(skip || name !== "sqlite").each([["params.p DESC"], ["params.p"], ["tags.t DESC"], ["tags.t"]])(
    "a group walk (the first value's runs in the experiment's run order) gives the full search's page when it holds the page (order %s)",
    async (...order) => {
      const orderBy = parseRunOrderBy(order);
      const first = orderBy[0] as { entity: string; key: string; ascending: boolean };
      const table = first.entity === "param" ? "params" : "tags";
      // The key's first value in the order, over both experiments: no run comes before its group.
      const value = (
        await db.get<{ value: string }>(
          `SELECT value FROM ${table} WHERE key = ? ORDER BY value ${first.ascending ? "ASC" : "DESC"} LIMIT 1`,
          [first.key],
        )
      )?.value as string;
      // Start times tie in groups of ~16 runs (1000 + i mod 37): bounds inside and between ties.
      const starts = [null, 1036, 1030, 1020, 1010, 1001, 1000];
      let exact = 0;
      let short = 0;
      const views: Views = [
        ["ACTIVE_ONLY", [1]],
        ["DELETED_ONLY", [1]],
      ];
      for (const { query, selectives, label } of searches(orderBy, views, [
        [7, 0],
        [5, 10],
        [30, 0],
      ])) {
        const { limit, offset } = query;
        expect(groupWalkable(query)).toBe(true);
        const full = await ids(db, query);
        for (const selective of selectives)
          for (const since of starts) {
            const group = { value, since };
            const walk = { ...query, selective, group, limit: offset + limit, offset: 0 };
            const walked = await ids(db, walk);
            if (walked.length < offset + limit) {
              short++;
              continue;
            }
            exact++;
            expect(walked.slice(offset), `${label} since ${since}`).toEqual(full);
          }
      }
      // Neither side is vacuous: many bounds held the page, and some did not.
      expect(exact).toBeGreaterThan(40);
      expect(short).toBeGreaterThan(0);
    },
    120_000,
  );

  it.skipIf(skip)("searches over many experiments, of all runs, or by two terms are no group walk", () => {
    const base = {
      viewType: "ACTIVE_ONLY",
      limit: 10,
      offset: 0,
      filter: null,
      dialect: db.dialect,
    } as const;
    const by = (...o: string[]) => parseRunOrderBy(o);
    expect(groupWalkable({ ...base, experimentIds: [1], orderBy: by("params.p") })).toBe(name === "sqlite");
    expect(groupWalkable({ ...base, experimentIds: [1, 2], orderBy: by("params.p") })).toBe(false);
    expect(groupWalkable({ ...base, viewType: "ALL", experimentIds: [1], orderBy: by("params.p") })).toBe(
      false,
    );
    expect(groupWalkable({ ...base, experimentIds: [1], orderBy: by("params.p", "metrics.m") })).toBe(false);
    expect(groupWalkable({ ...base, experimentIds: [1], orderBy: by("metrics.m") })).toBe(false);
  });
});

// ---------------------------------------------------------------- the plans at 100,000 runs

const N = 100_000;

/**
 * Runs as the bench's scale suite has them where its searches look: p0 = i mod 50, m0 and m1; and
 * p9 = i mod 10, a value of 10% of the runs.
 */
function bigTables(): Tables {
  const t: Tables = { runs: [], params: [], tags: [], latest_metrics: [] };
  for (let i = 0; i < N; i++) {
    const id = i.toString(16).padStart(32, "0");
    t.runs.push(runRow(id, 1, 1_700_000_000_000 + i));
    t.params.push([id, "p0", String(i % 50)]);
    t.params.push([id, "p9", String(i % 10)]);
    for (const k of [0, 1]) t.latest_metrics.push([id, `m${k}`, unit(i, k), 1, 0, 0]);
  }
  return t;
}

const expectedTop = (keep: (i: number) => boolean) =>
  Array.from({ length: N }, (_, i) => i)
    .filter(keep)
    .sort((a, b) => unit(b, 1) - unit(a, 1) || b - a)
    .slice(0, 100)
    .map((i) => i.toString(16).padStart(32, "0"));

describe.each(backends)("search plans over 100,000 runs on $name", ({ name, skip }) => {
  let stores: Stores | undefined;
  let db: SqlDriver;
  /**
   * The statements the store runs, in order: the driver's `all` is wrapped, and that of the executor
   * its bounded reads (the walk) get, whose statements are explained there too (their plan differs).
   */
  let statements: { sql: string; params: readonly unknown[]; bounded: boolean }[] = [];
  let experimentId: string;
  beforeAll(async () => {
    if (skip) return;
    stores = await openBackend(name, "walk_big");
    db = stores.driver;
    experimentId = await stores.tracking.createExperiment("big", undefined, []);
    const t = bigTables();
    for (const r of t.runs) r[2] = Number(experimentId);
    await insertAll(db, t);
    const all = db.all.bind(db);
    db.all = ((sql: string, params?: readonly never[]) => {
      statements.push({ sql, params: params ?? [], bounded: false });
      return all(sql, params);
    }) as SqlDriver["all"];
    const boundedReads = db.boundedReads.bind(db);
    db.boundedReads = (<T>(fn: (q: Executor) => Promise<T>) =>
      boundedReads((q) =>
        fn({
          dialect: q.dialect,
          all: <R>(sql: string, params?: Parameters<Executor["all"]>[1]) => {
            statements.push({ sql, params: params ?? [], bounded: true });
            return q.all<R>(sql, params);
          },
          get: (sql, params) => q.get(sql, params),
          values: (sql, params) => q.values(sql, params),
          run: (sql, params) => q.run(sql, params),
        }),
      )) as SqlDriver["boundedReads"];
  }, 180_000);
  afterAll(async () => stores?.close());

  /** Searches through the store; answers the run ids and the plan of the statement that found them. */
  async function search(filter: string, order = "metrics.m1 DESC"): Promise<{ ids: string[]; plan: string }> {
    statements = [];
    const page = await (stores as Stores).tracking.searchRuns({
      experimentIds: [experimentId],
      filter: parseRunFilter(filter),
      orderBy: parseRunOrderBy([order]),
      maxResults: 100,
      viewType: "ACTIVE_ONLY",
      pageToken: undefined,
    });
    const found = statements.filter((s) => s.sql.startsWith("SELECT r.run_uuid")).at(-1);
    if (!found) throw new Error("no run search statement");
    const explain = db.dialect === "sqlite" ? "EXPLAIN QUERY PLAN" : "EXPLAIN (COSTS OFF)";
    const explained = (q: Executor) =>
      q.all<Record<string, string>>(`${explain} ${found.sql}`, found.params as never[]);
    const plan = found.bounded ? await db.boundedReads(explained) : await explained(db);
    return {
      ids: page.items.map((r) => r.info.runId),
      plan: plan.map((r) => (db.dialect === "sqlite" ? r.detail : r["QUERY PLAN"])).join("\n"),
    };
  }

  // The walk: the metric's (key, value) index from the top, each run then found by its key.
  const walks = (plan: string) =>
    name === "sqlite"
      ? /SEARCH o0 USING (COVERING )?INDEX latest_metrics_key_value \(key=\? AND value>\?\)/.test(plan) &&
        /SEARCH r USING INDEX sqlite_autoindex_runs_1 \(run_uuid=\?\)/.test(plan) &&
        !/SCAN r\b/.test(plan)
      : (/Index (Only )?Scan (Backward )?using latest_metrics_key_value on latest_metrics o0/.test(plan) ||
          (/Bitmap Heap Scan on latest_metrics o0/.test(plan) &&
            /Bitmap Index Scan on latest_metrics_key_value/.test(plan))) &&
        !/Seq Scan/.test(plan);

  it.skipIf(skip || name !== "postgres")(
    "the walk's reads get no parallel plans, and leave the pool's connections as they were",
    async () => {
      const setting = async (q: Executor) =>
        (await q.get<{ max_parallel_workers_per_gather: string }>("SHOW max_parallel_workers_per_gather"))
          ?.max_parallel_workers_per_gather;
      const usual = await setting(db);
      expect(usual).not.toBe("0");
      expect(await db.boundedReads(setting)).toBe("0");
      await expect(db.boundedReads(async (q) => q.get("SELECT * FROM no_such_table"))).rejects.toThrow(
        /no_such_table/,
      );
      // Every connection of the pool at once: none kept the walk's setting, none stayed in a transaction.
      const all = await Promise.all(Array.from({ length: 16 }, () => setting(db)));
      expect(new Set(all)).toEqual(new Set([usual]));
      expect(await db.boundedReads(setting)).toBe("0");
    },
    60_000,
  );

  it.skipIf(skip)(
    "a broad filter (half the runs) walks latest_metrics_key_value for the order metric",
    async () => {
      const { ids, plan } = await search("metrics.m0 > 0.5");
      expect(ids).toEqual(expectedTop((i) => unit(i, 0) > 0.5));
      expect(walks(plan), plan).toBe(true);
    },
    60_000,
  );

  it.skipIf(skip)(
    "the selective filter (a param value of 2% of the runs, and half of those): walked on SQLite, from that value's runs on PostgreSQL",
    async () => {
      const { ids, plan } = await search("params.p0 = '7' and metrics.m0 > 0.5");
      expect(ids).toEqual(expectedTop((i) => i % 50 === 7 && unit(i, 0) > 0.5));
      // PostgreSQL reads the value's 2,000 runs from the (key, value) index (its planner may then
      // hash-join them with a scan of the runs: 2% of the table); SQLite walks (run-walk.ts says why).
      expect(walks(plan), plan).toBe(name === "sqlite");
      if (name !== "sqlite")
        expect(plan).toMatch(/(Index (Only )?Scan|Bitmap Index Scan) (using|on) params_key_value/);
    },
    60_000,
  );

  it.skipIf(skip)(
    "a param value of 10% of the runs (and half of those) is walked, its runs checked as a list",
    async () => {
      const { ids, plan } = await search("params.p9 = '3' and metrics.m0 > 0.5");
      expect(ids).toEqual(expectedTop((i) => i % 10 === 3 && unit(i, 0) > 0.5));
      expect(walks(plan), plan).toBe(true);
    },
    60_000,
  );

  it.skipIf(skip || name !== "sqlite")(
    "ordered by a param of 10 values (10,000 runs each): the first value's runs read in the experiment's run order, no sort",
    async () => {
      // Ascending, p9's first value is '0': the runs i ≡ 0 (mod 10), the newest (largest i) first.
      const newest = (keep: (i: number) => boolean) =>
        Array.from({ length: N }, (_, i) => N - 1 - i)
          .filter(keep)
          .slice(0, 100)
          .map((i) => i.toString(16).padStart(32, "0"));
      for (const [filter, keep] of [
        ["", (i: number) => i % 10 === 0],
        ["metrics.m0 > 0.5", (i: number) => i % 10 === 0 && unit(i, 0) > 0.5],
      ] as const) {
        const { ids, plan } = await search(filter, "params.p9 ASC");
        expect(ids, filter).toEqual(newest(keep));
        expect(plan).toMatch(
          /SEARCH r USING (COVERING )?INDEX runs_search_default \(experiment_id=\? AND lifecycle_stage=\? AND start_time>\?\)/,
        );
        expect(plan).not.toMatch(/TEMP B-TREE/);
      }
      // A filter's equality of fewer runs than that group (p0 = '7': 2,000 runs, all with p9 = '7'):
      // the group of the first p9 value among those runs, walked the same way.
      for (const order of ["params.p9 ASC", "params.p9 DESC"]) {
        const { ids, plan } = await search("params.p0 = '7'", order);
        expect(plan, order).toMatch(/SEARCH r USING (COVERING )?INDEX runs_search_default/);
        expect(plan, order).not.toMatch(/TEMP B-TREE/);
        expect(ids, order).toEqual(newest((i) => i % 50 === 7));
      }
    },
    60_000,
  );

  it.skipIf(skip)(
    "a rare filter (0.1%) is not walked: its own range of latest_metrics_key_value drives the search",
    async () => {
      const { ids, plan } = await search("metrics.m0 > 0.999");
      expect(ids).toEqual(expectedTop((i) => unit(i, 0) > 0.999));
      expect(walks(plan), plan).toBe(false);
      expect(plan).toMatch(/latest_metrics_key_value/);
      expect(plan).not.toMatch(name === "sqlite" ? /SCAN r\b/ : /Seq Scan on runs/);
    },
    60_000,
  );
});
