// Starts `labtrack server` from the CLI (the real thing: bin/labtrack.js running lib/) on a free port and
// reads its memory from /proc. BENCH_SERVER_NODE_OPTIONS passes flags to the server's node, e.g.
// `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under a workload.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { client } from "./http.mjs";

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");

export async function startServer(backendStoreUri, extraArgs = []) {
  // Its own data directory, so that nothing (artifacts) lands in the working directory.
  const dataDir = mkdtempSync(join(tmpdir(), "labtrack-bench-data-"));
  const nodeArgs = (process.env.BENCH_SERVER_NODE_OPTIONS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      BIN,
      "server",
      "--port",
      "0",
      "--backend-store-uri",
      backendStoreUri,
      "--data-dir",
      dataDir,
      ...extraArgs,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const url = await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${out}`)), 30_000);
    const onData = (b) => {
      out += b;
      const m = /listening at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited ${code}:\n${out}`));
    });
  });
  return {
    url,
    pid: child.pid,
    /** VmRSS (now) and VmHWM (peak since start) of the server process, in MB. */
    memory() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once("exit", done));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh store of `backend` seeded by `seed(location)` (timed), then the server on it with a one-
 * connection keep-alive client; `fn` gets both and the seed's answer. The server stops afterwards.
 */
export async function withSeededServer(backend, label, seed, fn) {
  const store = await backend.fresh(label);
  const seedStart = performance.now();
  const seeded = await seed(store.location);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const server = await startServer(store.uri);
  const api = client(server.url, { connections: 1 });
  try {
    return await fn({ api, server, seeded, seedSeconds });
  } finally {
    api.close();
    await server.stop();
  }
}
