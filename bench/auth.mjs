// Issue 11: what authentication costs per request once credentials are cached.
import http from "node:http";
import { startServer } from "./lib/server.mjs";
import { median } from "./lib/stats.mjs";

const PASSWORD = "bench-password-1";

async function latencies(server, headers, n) {
  const url = new URL(server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      http
        .get(
          {
            host: url.hostname,
            port: url.port,
            path: "/api/2.0/mlflow/experiments/get?experiment_id=0",
            agent,
            headers,
          },
          (res) => {
            res.resume();
            res.on("end", () =>
              res.statusCode === 200
                ? resolve(performance.now() - start)
                : reject(new Error(`status ${res.statusCode}`)),
            );
          },
        )
        .on("error", reject);
    });
  for (let i = 0; i < 200; i++) await once();
  const out = [];
  for (let i = 0; i < n; i++) out.push(await once());
  agent.destroy();
  return out.sort((a, b) => a - b);
}

export async function authSuite({ backend, quick }) {
  const n = quick ? 1000 : 5000;
  const open = await startServer((await backend.fresh("auth-open")).uri);
  const closedStore = await backend.fresh("auth-on");
  process.env.LABTRACK_ADMIN_USERNAME = "bench";
  process.env.LABTRACK_ADMIN_PASSWORD = PASSWORD;
  const closed = await startServer(closedStore.uri, ["--auth"]);
  delete process.env.LABTRACK_ADMIN_USERNAME;
  delete process.env.LABTRACK_ADMIN_PASSWORD;
  try {
    const authorization = `Basic ${Buffer.from(`bench:${PASSWORD}`).toString("base64")}`;
    // Interleave the two servers so machine noise affects both alike.
    const a = [];
    const b = [];
    for (let round = 0; round < 5; round++) {
      a.push(median(await latencies(open, {}, n / 5)));
      b.push(median(await latencies(closed, { authorization }, n / 5)));
    }
    const without = median(a.sort((x, y) => x - y));
    const withAuth = median(b.sort((x, y) => x - y));
    const overhead = withAuth - without;
    return [
      {
        name: "experiments/get, authentication off",
        value: `${without.toFixed(3)} ms`,
        target: "–",
        pass: true,
      },
      {
        name: "experiments/get, Basic auth with cached credentials",
        value: `${withAuth.toFixed(3)} ms`,
        target: "–",
        pass: true,
      },
      {
        name: "per-request overhead of authentication",
        value: `${overhead.toFixed(3)} ms`,
        target: "≤ 0.2 ms",
        pass: overhead <= 0.2,
      },
    ];
  } finally {
    await open.stop();
    await closed.stop();
  }
}
