// The tracking-server workloads of issue 3, against one backend. Returns result rows for the report.
import { client } from "./lib/http.mjs";
import { seedRuns } from "./lib/seed.mjs";
import { startServer } from "./lib/server.mjs";
import { median, p95, sample, time } from "./lib/stats.mjs";

const ts = () => Date.now();

export async function trackingSuite({ backend, quick }) {
  const rows = [];
  const add = (name, mlflow, target, value, unit, pass, note = "") =>
    rows.push({ name, mlflow, target, value, unit, pass, note });

  // --- workloads on a fresh store
  const store = await backend.fresh("tracking");
  const server = await startServer(store.uri);
  const api = client(server.url);
  try {
    const exp = (await api.post("/experiments/create", { name: "bench" })).experiment_id;

    const nRuns = quick ? 200 : 1000;
    const createMs = await time(async () => {
      for (let i = 0; i < nRuns; i++)
        await api.post("/runs/create", { experiment_id: exp, start_time: ts() });
    });
    const perThousand = (createMs * 1000) / nRuns;
    add("1,000 sequential runs/create", "10.6–11.4 s", "≤ 1 s", perThousand, "ms", perThousand <= 1000);

    const run = (await api.post("/runs/create", { experiment_id: exp })).run.info.run_id;
    const nMetric = quick ? 400 : 2000;
    const metricMs = await time(async () => {
      for (let i = 0; i < nMetric; i++)
        await api.post("/runs/log-metric", {
          run_id: run,
          key: "loss",
          value: Math.random(),
          timestamp: ts(),
          step: i,
        });
    });
    const per2000 = (metricMs * 2000) / nMetric;
    add("2,000 sequential log-metric", "11.9–13.0 s", "≤ 1.2 s", per2000, "ms", per2000 <= 1200);

    const batchRun = (await api.post("/runs/create", { experiment_id: exp })).run.info.run_id;
    const nBatches = quick ? 10 : 50;
    const batchMs = await time(async () => {
      for (let b = 0; b < nBatches; b++) {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({
          key: `m${i % 10}`,
          value: Math.random(),
          timestamp: ts(),
          step: b * 100 + Math.floor(i / 10),
        }));
        await api.post("/runs/log-batch", { run_id: batchRun, metrics });
      }
    });
    const per50 = (batchMs * 50) / nBatches;
    add("50 log-batch calls of 1,000 metrics", "4.7–4.9 s", "≤ 0.45 s", per50, "ms", per50 <= 450);

    const nPT = quick ? 20 : 100;
    const ptRuns = [];
    for (let b = 0; b < nPT; b++)
      ptRuns.push((await api.post("/runs/create", { experiment_id: exp })).run.info.run_id);
    const ptMs = await time(async () => {
      for (const [b, r] of ptRuns.entries()) {
        const params = Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
        const tags = Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: String(b) }));
        await api.post("/runs/log-batch", { run_id: r, params, tags });
      }
    });
    const per100 = (ptMs * 100) / nPT;
    add("100 log-batch calls of 100 params + 100 tags", "3.3–3.7 s", "≤ 0.33 s", per100, "ms", per100 <= 330);

    const histRun = (await api.post("/runs/create", { experiment_id: exp })).run.info.run_id;
    for (let b = 0; b < 10; b++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: "curve",
        value: Math.random(),
        timestamp: ts(),
        step: b * 1000 + i,
      }));
      await api.post("/runs/log-batch", { run_id: histRun, metrics });
    }
    const hist = await sample(quick ? 5 : 15, () =>
      api.get("/metrics/get-history", { run_id: histRun, metric_key: "curve", max_results: 25000 }),
    );
    add(
      "get-history of a 10,000-point metric",
      "0.48–0.56 s",
      "≤ 40 ms",
      median(hist),
      "ms",
      median(hist) <= 40,
      `p95 ${p95(hist).toFixed(1)} ms`,
    );

    // 1,000 runs with params and metrics for the search workloads.
    const searchExp = (await api.post("/experiments/create", { name: "search-1k" })).experiment_id;
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = w; i < 1000; i += 4) {
          const r = (await api.post("/runs/create", { experiment_id: searchExp, start_time: ts() })).run.info
            .run_id;
          await api.post("/runs/log-batch", {
            run_id: r,
            params: Array.from({ length: 10 }, (_, k) => ({
              key: `p${k}`,
              value: String((i * (k + 1)) % 20),
            })),
            metrics: Array.from({ length: 10 }, (_, k) => ({
              key: `m${k}`,
              value: Math.random(),
              timestamp: ts(),
            })),
            tags: Array.from({ length: 5 }, (_, k) => ({ key: `t${k}`, value: `v${(i + k) % 5}` })),
          });
        }
      }),
    );
    const filtered = await sample(quick ? 10 : 30, () =>
      api.post("/runs/search", {
        experiment_ids: [searchExp],
        filter: "params.p1 = '4' and metrics.m0 > 0.2",
        order_by: ["metrics.m1 DESC"],
        max_results: 100,
      }),
    );
    add(
      "filtered, ordered runs/search over 1,000 runs",
      "126–131 ms",
      "≤ 10 ms",
      median(filtered),
      "ms",
      median(filtered) <= 10,
      `p95 ${p95(filtered).toFixed(1)} ms`,
    );
    const all = await sample(quick ? 5 : 15, () =>
      api.post("/runs/search", { experiment_ids: [searchExp], max_results: 1000 }),
    );
    add(
      "runs/search returning 1,000 runs",
      "1.39 s",
      "≤ 100 ms",
      median(all),
      "ms",
      median(all) <= 100,
      `p95 ${p95(all).toFixed(1)} ms`,
    );

    const clients = Array.from({ length: 4 }, () => client(server.url, { connections: 1 }));
    const per = quick ? 500 : 2500;
    const concMs = await time(() =>
      Promise.all(
        clients.map(async (c) => {
          const r = (await c.post("/runs/create", { experiment_id: exp })).run.info.run_id;
          for (let i = 0; i < per; i++)
            await c.post("/runs/log-metric", { run_id: r, key: "x", value: i, timestamp: ts(), step: i });
        }),
      ),
    );
    for (const c of clients) c.close();
    const rps = (4 * per) / (concMs / 1000);
    add("log-metric from 4 concurrent clients", "180 req/s", "≥ 1,800 req/s", rps, "req/s", rps >= 1800);
    const mem = server.memory();
    add(
      "server memory after the workloads",
      "–",
      "–",
      mem.peakMb,
      "MB peak RSS",
      true,
      `RSS now ${mem.rssMb.toFixed(0)} MB`,
    );
  } finally {
    api.close();
    await server.stop();
  }

  // --- scale: 100,000 runs in one experiment
  const nScale = quick ? 10_000 : 100_000;
  const big = await backend.fresh("scale");
  const seedMs = await time(async () => {
    big.experimentId = await seedRuns(big.location, { runs: nScale });
  });
  const scaleServer = await startServer(big.uri);
  const scaleApi = client(scaleServer.url);
  try {
    const search = () =>
      scaleApi.post("/runs/search", {
        experiment_ids: [big.experimentId],
        filter: "params.p0 = '7' and metrics.m0 > 0.5",
        order_by: ["metrics.m1 DESC"],
        max_results: 100,
      });
    const first = await search();
    const got = first.runs?.length ?? 0;
    const times = await sample(quick ? 10 : 30, search);
    add(
      `filtered search ordered by a metric, top 100 of ${nScale.toLocaleString("en")} runs`,
      "–",
      "≤ 50 ms",
      median(times),
      "ms",
      median(times) <= 50 && got === 100,
      `p95 ${p95(times).toFixed(1)} ms; ${got} runs returned; seeded in ${(seedMs / 1000).toFixed(1)} s`,
    );
    const plain = await sample(quick ? 10 : 20, () =>
      scaleApi.post("/runs/search", { experiment_ids: [big.experimentId], max_results: 100 }),
    );
    add(
      `first page (100 runs, default order) of ${nScale.toLocaleString("en")} runs`,
      "–",
      "–",
      median(plain),
      "ms",
      true,
      `p95 ${p95(plain).toFixed(1)} ms`,
    );
    const mem = scaleServer.memory();
    add(
      `server peak memory with ${nScale.toLocaleString("en")} runs`,
      "–",
      "< 200 MB",
      mem.peakMb,
      "MB",
      mem.peakMb < 200,
    );
  } finally {
    scaleApi.close();
    await scaleServer.stop();
  }
  return rows;
}
