// Issue 7: a 200 MB file through the proxy each way (local store), and the model registry at 1,000
// versions.
import http from "node:http";
import { Readable } from "node:stream";
import { client } from "./lib/http.mjs";
import { startServer } from "./lib/server.mjs";
import { median, p95, sample, time } from "./lib/stats.mjs";

const SIZE = 200 * 1024 * 1024;

function upload(url, path) {
  const chunk = Buffer.alloc(1024 * 1024, 3);
  const body = Readable.from(
    (function* () {
      for (let sent = 0; sent < SIZE; sent += chunk.length) yield chunk;
    })(),
  );
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method: "PUT", path, headers: { "content-length": SIZE } },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`upload ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    body.pipe(req);
  });
}

function download(url, path) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    http
      .get({ host: u.hostname, port: u.port, path }, (res) => {
        let n = 0;
        res.on("data", (c) => {
          n += c.length;
        });
        res.on("end", () => (n === SIZE ? resolve() : reject(new Error(`downloaded ${n} bytes`))));
      })
      .on("error", reject);
  });
}

export async function artifactsSuite({ backend, quick }) {
  const rows = [];
  const store = await backend.fresh("artifacts");
  const server = await startServer(store.uri);
  const api = client(server.url);
  try {
    const run = (await api.post("/runs/create", { experiment_id: "0" })).run.info.run_id;
    const path = `/api/2.0/mlflow-artifacts/artifacts/0/${run}/artifacts/big.bin`;
    const before = server.memory().peakMb;
    const up = await time(() => upload(server.url, path));
    const down = await time(() => download(server.url, path));
    const growth = server.memory().peakMb - before;
    const mbs = (ms) => SIZE / 2 ** 20 / (ms / 1000);
    rows.push({
      name: "upload 200 MB through the proxy",
      target: "≥ 200 MB/s",
      value: `${mbs(up).toFixed(0)} MB/s`,
      pass: mbs(up) >= 200,
    });
    rows.push({
      name: "download 200 MB through the proxy",
      target: "≥ 200 MB/s",
      value: `${mbs(down).toFixed(0)} MB/s`,
      pass: mbs(down) >= 200,
    });
    rows.push({
      name: "server peak RSS growth during both",
      target: "< 50 MB",
      value: `${growth.toFixed(1)} MB`,
      pass: growth < 50,
    });

    await api.post("/registered-models/create", { name: "bench-model" });
    const n = quick ? 200 : 1000;
    const createMs = await time(async () => {
      for (let i = 0; i < n; i++)
        await api.post("/model-versions/create", {
          name: "bench-model",
          source: `s3://b/m/${i}`,
          run_id: run,
        });
    });
    rows.push({
      name: `create ${n} model versions (sequential)`,
      target: "–",
      value: `${(createMs / 1000).toFixed(2)} s`,
      pass: true,
    });
    const search = await sample(quick ? 10 : 30, () =>
      api.get("/model-versions/search", {
        filter: "name = 'bench-model' and version_number > 900",
        max_results: 100,
      }),
    );
    rows.push({
      name: `model-versions/search over ${n} versions`,
      target: "≤ 10 ms",
      value: `${median(search).toFixed(2)} ms (p95 ${p95(search).toFixed(1)})`,
      pass: median(search) <= 10,
    });
    const models = await sample(quick ? 10 : 30, () =>
      api.get("/registered-models/search", { filter: "name LIKE 'bench%'" }),
    );
    rows.push({
      name: "registered-models/search (with latest versions)",
      target: "≤ 10 ms",
      value: `${median(models).toFixed(2)} ms (p95 ${p95(models).toFixed(1)})`,
      pass: median(models) <= 10,
    });
  } finally {
    api.close();
    await server.stop();
  }
  return rows;
}
