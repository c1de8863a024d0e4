// PostgreSQL writes against SQLite's (issue 19, item 3): the sequential write workloads of the tracking
// suite against three servers — SQLite, PostgreSQL as configured by default (a WAL flush at each
// commit), and PostgreSQL with `synchronous_commit = off` for Labtrack's connections (SQLite's
// durability: see README) — alternately, round after round, so that each ratio is taken in the same
// minutes. Then 4 concurrent log-metric clients against 1 and 2 server processes on PostgreSQL.
import { client } from "./lib/http.mjs";
import { startServer } from "./lib/server.mjs";
import { median } from "./lib/stats.mjs";

const ts = () => Date.now();

/** The workloads: set-up (untimed) answers a timed function. */
const WORKLOADS = [
  {
    name: "1,000 sequential runs/create",
    n: 1000,
    setup: (api, exp, n) => async () => {
      for (let i = 0; i < n; i++) await api.post("/runs/create", { experiment_id: exp, start_time: ts() });
    },
  },
  {
    name: "2,000 sequential log-metric",
    n: 2000,
    setup: async (api, exp, n) => {
      const run = (await api.post("/runs/create", { experiment_id: exp })).run.info.run_id;
      return async () => {
        for (let i = 0; i < n; i++) {
          await api.post("/runs/log-metric", {
            run_id: run,
            key: "loss",
            value: i / 7,
            timestamp: ts(),
            step: i,
          });
        }
      };
    },
  },
  {
    name: "50 log-batch calls of 1,000 metrics",
    n: 50,
    setup: async (api, exp, n) => {
      const run = (await api.post("/runs/create", { experiment_id: exp })).run.info.run_id;
      const bodies = Array.from({ length: n }, (_, b) => ({
        run_id: run,
        metrics: Array.from({ length: 1000 }, (_, i) => ({
          key: `m${i % 10}`,
          value: Math.random(),
          timestamp: ts(),
          step: b * 100 + Math.floor(i / 10),
        })),
      }));
      return async () => {
        for (const body of bodies) await api.post("/runs/log-batch", body);
      };
    },
  },
  {
    name: "100 log-batch calls of 100 params + 100 tags",
    n: 100,
    setup: async (api, exp, n) => {
      const bodies = [];
      for (let b = 0; b < n; b++) {
        const run = (await api.post("/runs/create", { experiment_id: exp })).run.info.run_id;
        bodies.push({
          run_id: run,
          params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: String(i) })),
          tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: String(b) })),
        });
      }
      return async () => {
        for (const body of bodies) await api.post("/runs/log-batch", body);
      };
    },
  },
];

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

/** Ratio rows: PostgreSQL (both settings) over SQLite, target ≤ 1.5×. */
export async function pgWritesSuite({ sqlite, pg, quick, log = () => {} }) {
  const rounds = quick ? 1 : 3;
  const scale = quick ? 0.2 : 1;
  const pgUri = (await pg.fresh("writes")).uri;
  const asyncUri = `${(await pg.fresh("writes_async")).uri}?options=-c%20synchronous_commit%3Doff`;
  const servers = [
    await startServer((await sqlite.fresh("writes")).uri),
    await startServer(pgUri),
    await startServer(asyncUri),
  ];
  const apis = servers.map((s) => client(s.url, { connections: 1 }));
  const rows = [];
  try {
    const exps = [];
    for (const api of apis) {
      exps.push((await api.post("/experiments/create", { name: "writes" })).experiment_id);
      // Warm-up: compile the paths and fill the prepared statements.
      const run = (await api.post("/runs/create", { experiment_id: exps.at(-1) })).run.info.run_id;
      for (let i = 0; i < 200; i++) {
        await api.post("/runs/log-metric", { run_id: run, key: "w", value: i, timestamp: i, step: i });
      }
    }
    for (const w of WORKLOADS) {
      const n = Math.max(1, Math.round(w.n * scale));
      const times = [[], [], []];
      for (let r = 0; r < rounds; r++) {
        for (let s = 0; s < servers.length; s++) {
          const timed = await w.setup(apis[s], exps[s], n);
          const start = performance.now();
          await timed();
          times[s].push(performance.now() - start);
        }
      }
      const durable = times[1].map((t, i) => t / times[0][i]);
      const relaxed = times[2].map((t, i) => t / times[0][i]);
      const byValue = (x, y) => x - y;
      const [d, a] = [median([...durable].sort(byValue)), median([...relaxed].sort(byValue))];
      const row = {
        name: w.name + (n === w.n ? "" : ` (${n} measured)`),
        sqlite: fmt(median([...times[0]].sort((x, y) => x - y))),
        durable: `${fmt(median([...times[1]].sort((x, y) => x - y)))}: ${d.toFixed(2)}× ${d <= 1.5 ? "✓" : "✗"}`,
        relaxed: `${fmt(median([...times[2]].sort((x, y) => x - y)))}: ${a.toFixed(2)}× ${a <= 1.5 ? "✓" : "✗"}`,
        note: rounds > 1 ? `ratios ${range(durable)} and ${range(relaxed)}` : "one round",
      };
      log(
        `  ${row.name}: SQLite ${row.sqlite}, PostgreSQL ${row.durable}, synchronous_commit off ${row.relaxed}`,
      );
      rows.push(row);
    }
  } finally {
    for (const api of apis) api.close();
    for (const s of servers) await s.stop();
  }
  return rows;
}

/** 4 clients, each its own connection and run, logging metrics as fast as answers come. */
async function concurrentRate(url, exp, perClient) {
  const clients = Array.from({ length: 4 }, () => client(url, { connections: 1 }));
  try {
    const runs = [];
    for (const c of clients)
      runs.push((await c.post("/runs/create", { experiment_id: exp })).run.info.run_id);
    const start = performance.now();
    await Promise.all(
      clients.map(async (c, k) => {
        for (let i = 0; i < perClient; i++) {
          await c.post("/runs/log-metric", { run_id: runs[k], key: "m", value: i, timestamp: ts(), step: i });
        }
      }),
    );
    return (4 * perClient) / ((performance.now() - start) / 1000);
  } finally {
    for (const c of clients) c.close();
  }
}

/** Requests per second of 4 concurrent log-metric clients with 1 and 2 server processes, alternately. */
export async function pgWorkersRows({ pg, quick, log = () => {} }) {
  const rounds = quick ? 1 : 3;
  const perClient = quick ? 200 : 1000;
  const uri = (await pg.fresh("workers")).uri;
  const servers = [await startServer(uri, ["--workers", "1"]), await startServer(uri, ["--workers", "2"])];
  const rates = [[], []];
  try {
    const setup = client(servers[0].url);
    const exp = (await setup.post("/experiments/create", { name: "workers" })).experiment_id;
    setup.close();
    for (let r = 0; r < rounds; r++) {
      for (let s = 0; s < 2; s++) rates[s].push(await concurrentRate(servers[s].url, exp, perClient));
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  const scaling = rates[1].map((x, i) => x / rates[0][i]);
  const m = (xs) => Math.round(median([...xs].sort((a, b) => a - b))).toLocaleString("en");
  log(`  4 clients: ${m(rates[0])} req/s with 1 process, ${m(rates[1])} req/s with 2`);
  return {
    one: `${m(rates[0])} req/s`,
    two: `${m(rates[1])} req/s`,
    scaling: median([...scaling].sort((a, b) => a - b)),
    note: `${rounds} alternate round${rounds > 1 ? "s" : ""} of ${4 * perClient} calls; scaling ${range(scaling)}`,
  };
}
