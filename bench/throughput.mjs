// 8 parallel clients logging batches to PostgreSQL through 1 and 2 server processes (--workers).
import { client } from "./lib/http.mjs";
import { startServer } from "./lib/server.mjs";
import { time } from "./lib/stats.mjs";

export async function throughputSuite({ backend, quick }) {
  const rows = [];
  for (const workers of [1, 2]) {
    const store = await backend.fresh(`throughput${workers}`);
    const server = await startServer(store.uri, ["--workers", String(workers)]);
    const setup = client(server.url);
    const exp = (await setup.post("/experiments/create", { name: "tp" })).experiment_id;
    const calls = quick ? 10 : 40;
    const clients = Array.from({ length: 8 }, () => client(server.url, { connections: 1 }));
    const ms = await time(() =>
      Promise.all(
        clients.map(async (c) => {
          const run = (await c.post("/runs/create", { experiment_id: exp })).run.info.run_id;
          for (let b = 0; b < calls; b++) {
            const metrics = Array.from({ length: 1000 }, (_, i) => ({
              key: `m${i % 20}`,
              value: i,
              timestamp: Date.now(),
              step: b * 50 + Math.floor(i / 20),
            }));
            await c.post("/runs/log-batch", { run_id: run, metrics });
          }
        }),
      ),
    );
    for (const c of clients) c.close();
    setup.close();
    await server.stop();
    rows.push({
      name: `${workers} server process${workers > 1 ? "es" : ""}`,
      value: (8 * calls * 1000) / (ms / 1000),
      note: `${8 * calls} calls in ${(ms / 1000).toFixed(2)} s`,
    });
  }
  return rows;
}
