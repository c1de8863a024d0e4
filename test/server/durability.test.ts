// Acknowledged writes survive kill -9, and many concurrent clients never see a 5xx.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { api, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;
const dirs: string[] = [];
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("durability", () => {
  it("keeps every acknowledged write across kill -9", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labtrack-crash-"));
    dirs.push(dir);
    const first = await startServer({ dir });
    servers.push(first);
    const call = api(first.url);
    const exp = (await call<Body>("POST", "/experiments/create", { name: "crash" })).body.experiment_id;
    const runIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const run = await call<Body>("POST", "/runs/create", { experiment_id: exp, run_name: `r${i}` });
      expect(run.status).toBe(200);
      const id = run.body.run.info.run_id;
      runIds.push(id);
      const metrics = Array.from({ length: 50 }, (_, s) => ({ key: "m", value: s, timestamp: s, step: s }));
      expect(
        (
          await call("POST", "/runs/log-batch", {
            run_id: id,
            metrics,
            params: [{ key: "i", value: String(i) }],
          })
        ).status,
      ).toBe(200);
      expect((await call("POST", "/runs/set-tag", { run_id: id, key: "done", value: "yes" })).status).toBe(
        200,
      );
    }
    // No graceful shutdown: the process dies right after the last acknowledgement.
    await first.stop("SIGKILL");

    const second = await startServer({ dir });
    servers.push(second);
    const again = api(second.url);
    const found = await again<Body>("POST", "/runs/search", { experiment_ids: [exp], max_results: 100 });
    expect(found.body.runs).toHaveLength(20);
    for (const [i, id] of runIds.entries()) {
      const run = (await again<Body>("GET", "/runs/get", { run_id: id })).body.run;
      expect(run.data.params).toEqual([{ key: "i", value: String(i) }]);
      expect(run.data.tags).toContainEqual({ key: "done", value: "yes" });
      const history = await again<Body>("GET", "/metrics/get-history", { run_id: id, metric_key: "m" });
      expect(history.body.metrics).toHaveLength(50);
    }
  }, 60_000);

  it("serves 16 concurrent clients without a 5xx and loses nothing", async () => {
    const server = await startServer();
    servers.push(server);
    const call = api(server.url);
    const exp = (await call<Body>("POST", "/experiments/create", { name: "busy" })).body.experiment_id;
    const statuses: number[] = [];
    const clients = Array.from({ length: 16 }, async (_, c) => {
      const run = await call<Body>("POST", "/runs/create", { experiment_id: exp, run_name: `c${c}` });
      statuses.push(run.status);
      const id = run.body.run.info.run_id;
      for (let i = 0; i < 30; i++) {
        const results = await Promise.all([
          call("POST", "/runs/log-metric", { run_id: id, key: "m", value: i, timestamp: i, step: i }),
          call("POST", "/runs/log-parameter", { run_id: id, key: `p${i}`, value: "v" }),
          call("POST", "/runs/set-tag", { run_id: id, key: "latest", value: String(i) }),
          call("POST", "/runs/search", { experiment_ids: [exp], filter: "metrics.m >= 0", max_results: 5 }),
        ]);
        statuses.push(...results.map((r) => r.status));
      }
      return id;
    });
    const ids = await Promise.all(clients);
    expect(new Set(statuses)).toEqual(new Set([200]));
    for (const id of ids) {
      const run = (await call<Body>("GET", "/runs/get", { run_id: id })).body.run;
      expect(run.data.params).toHaveLength(30);
      expect(run.data.metrics).toEqual([{ key: "m", value: 29, timestamp: 29, step: 29 }]);
      expect(run.data.tags).toContainEqual({ key: "latest", value: "29" });
    }
  }, 60_000);
});
