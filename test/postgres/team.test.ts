// Labtrack as a team service on PostgreSQL: several server processes on one database, and a database
// that restarts in the middle of a workload.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, postgresAvailable, startPostgres } from "../helpers/postgres.js";
import { api, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;

describe.skipIf(!postgresAvailable())("PostgreSQL team deployment", () => {
  let pg: PgCluster;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    for (const s of servers) await s.dispose();
    pg?.destroy();
  });

  const serverOn = async (database: string) => {
    const s = await startServer({ args: ["--backend-store-uri", pg.url(database)] });
    servers.push(s);
    return s;
  };

  it("two servers started at once on an empty database migrate it once", async () => {
    pg.createDatabase("race");
    const [a, b] = await Promise.all([serverOn("race"), serverOn("race")]);
    const e = await api(a.url)<Body>("POST", "/experiments/create", { name: "shared" });
    expect(e.status).toBe(200);
    const seen = await api(b.url)<Body>("GET", "/experiments/get-by-name", { experiment_name: "shared" });
    expect(seen.body.experiment.experiment_id).toBe(e.body.experiment_id);
  });

  it("16 clients on two servers lose no write and duplicate nothing", async () => {
    pg.createDatabase("team");
    const [a, b] = await Promise.all([serverOn("team"), serverOn("team")]);
    const calls = [api(a.url), api(b.url)];
    const exp = await calls[0]!<Body>("POST", "/experiments/create", { name: "load" });
    const experimentId = exp.body.experiment_id as string;
    await calls[0]!("POST", "/registered-models/create", { name: "team-model" });
    const statuses = new Map<number, number>();
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    const clients = Array.from({ length: 16 }, async (_, c) => {
      const call = calls[c % 2]!;
      const run = await call<Body>("POST", "/runs/create", {
        experiment_id: experimentId,
        run_name: `client-${c}`,
      });
      count(run.status);
      const runId = run.body.run.info.run_id as string;
      for (let i = 0; i < 25; i++) {
        const results = await Promise.all([
          call("POST", "/runs/log-metric", {
            run_id: runId,
            key: "m",
            value: i,
            timestamp: 1000 + i,
            step: i,
          }),
          call("POST", "/runs/log-parameter", { run_id: runId, key: `p${i}`, value: String(i) }),
          call("POST", "/runs/set-tag", { run_id: runId, key: "t", value: String(i) }),
        ]);
        for (const r of results) count(r.status);
        if (i % 5 === 0) {
          count(
            (await call("POST", "/model-versions/create", { name: "team-model", source: `s3://b/${c}/${i}` }))
              .status,
          );
        }
      }
      return runId;
    });
    const runIds = await Promise.all(clients);
    expect([...statuses.keys()]).toEqual([200]);
    for (const runId of runIds) {
      const run = (await calls[1]!<Body>("GET", "/runs/get", { run_id: runId })).body.run;
      expect(run.data.params).toHaveLength(25);
      const history = await calls[0]!<Body>("GET", "/metrics/get-history", {
        run_id: runId,
        metric_key: "m",
      });
      expect(history.body.metrics).toHaveLength(25);
      expect(run.data.metrics).toEqual([{ key: "m", value: 24, timestamp: 1024, step: 24 }]);
    }
    const versions = await calls[1]!<Body>("GET", "/model-versions/search", {
      filter: "name = 'team-model'",
      max_results: 1000,
    });
    const numbers = (versions.body.model_versions as Body[])
      .map((v) => Number(v.version))
      .sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 16 * 5 }, (_, i) => i + 1));
  }, 120_000);

  it("answers 503 while the database restarts, recovers by itself, and loses no acknowledged write", async () => {
    pg.createDatabase("fault");
    const server = await serverOn("fault");
    const call = api(server.url);
    const run = await call<Body>("POST", "/runs/create", { experiment_id: "0" });
    const runId = run.body.run.info.run_id as string;
    const acknowledged: number[] = [];
    const statuses = new Set<number>();
    let stopAt = Date.now() + 60_000;
    let step = 0;
    const writer = (async () => {
      while (Date.now() < stopAt) {
        const s = step++;
        const r = await call<Body>("POST", "/runs/log-metric", {
          run_id: runId,
          key: "x",
          value: s,
          timestamp: 1,
          step: s,
        });
        statuses.add(r.status);
        if (r.status === 200) acknowledged.push(s);
        else {
          expect(r.status).toBe(503);
          expect(r.body.error_code).toBe("TEMPORARILY_UNAVAILABLE");
          expect(r.body.message).toMatch(/database/i);
          await new Promise((done) => setTimeout(done, 20));
        }
      }
    })();
    await new Promise((done) => setTimeout(done, 300));
    pg.stop();
    await new Promise((done) => setTimeout(done, 700));
    pg.start();
    // Keep writing until the server has answered 200 again for a while.
    const recoveredBy = Date.now() + 30_000;
    while (Date.now() < recoveredBy) {
      const before = acknowledged.length;
      await new Promise((done) => setTimeout(done, 300));
      if (acknowledged.length > before + 5) break;
    }
    stopAt = 0;
    await writer;
    expect(statuses.has(503)).toBe(true);
    expect(statuses.has(200)).toBe(true);
    const history = await call<Body>("GET", "/metrics/get-history", { run_id: runId, metric_key: "x" });
    const stored = new Set((history.body.metrics as Body[]).map((m) => m.step as number));
    for (const s of acknowledged) expect(stored.has(s)).toBe(true);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
  }, 120_000);
});
