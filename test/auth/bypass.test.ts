// Attempts to get around authentication and the host/origin checks, and the MLflow-style flow.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;
const PASSWORD = "pass-word-123";
const basic = (user: string, password = PASSWORD) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    args: ["--app-name", "basic-auth"],
    env: { LABTRACK_ADMIN_USERNAME: "root", LABTRACK_ADMIN_PASSWORD: PASSWORD },
  });
});
afterAll(async () => server?.dispose());

function raw(method: string, path: string, headers: http.OutgoingHttpHeaders = {}, body?: string) {
  const url = new URL(server.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    // A fresh connection each time: a refused request may close the one before.
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("bypass attempts", () => {
  it.each([
    "/api/2.0/mlflow/experiments/get?experiment_id=0",
    "//api/2.0/mlflow/experiments/get?experiment_id=0",
    "/api/2.0//mlflow/experiments/get?experiment_id=0",
    "/api/2.0/mlflow/./experiments/get?experiment_id=0",
    "/api/2.0/mlflow/experiments/../experiments/get?experiment_id=0",
    "/api/2.0/mlflow%2Fexperiments%2Fget?experiment_id=0",
    "/API/2.0/mlflow/experiments/get?experiment_id=0",
    "/api/2.0/mlflow/experiments/get/?experiment_id=0",
    "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0",
    "/api/2.0/mlflow/experiments/get;x=1?experiment_id=0",
    "/api/2.0/mlflow-artifacts/artifacts?path=0",
    "/get-artifact?run_id=x&path=a",
  ])("%s never answers data without credentials", async (path) => {
    const r = await raw("GET", path);
    expect([401, 404, 405]).toContain(r.status);
    expect(r.body).not.toContain('"experiment"');
    expect(r.status).toBeLessThan(500);
  });

  it("does not let a method switch, a bad scheme or duplicated headers through", async () => {
    expect(
      (
        await raw(
          "POST",
          "/api/2.0/mlflow/experiments/get",
          { "content-type": "application/json" },
          '{"experiment_id":"0"}',
        )
      ).status,
    ).toBe(405);
    expect(
      (await raw("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", { authorization: "Digest abc" }))
        .status,
    ).toBe(401);
    expect(
      (await raw("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", { authorization: "Basic !!!" }))
        .status,
    ).toBe(401);
    expect(
      (await raw("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", { authorization: "Bearer nope" }))
        .status,
    ).toBe(401);
    const dup = await raw("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", {
      authorization: [basic("root", "wrong"), basic("root")] as unknown as string,
    });
    expect(dup.status).toBe(401);
    const huge = await raw("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", {
      "x-big": "a".repeat(300 * 1024),
    });
    expect(huge.status).toBe(431);
    expect(JSON.parse(huge.body).error_code).toBe("BAD_REQUEST");
  });

  it.each(["evil.com", "localhost.evil.com", "127.0.0.1.nip.io", "attacker:5000", "0x7f000001"])(
    "refuses the DNS-rebinding Host %s",
    async (host) => {
      const r = await raw("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", {
        host,
        authorization: basic("root"),
      });
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body).error_code).toBe("PERMISSION_DENIED");
    },
  );

  it("refuses cross-site requests that change state, whatever their content type", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/json"]) {
      const r = await raw(
        "POST",
        "/api/2.0/mlflow/experiments/create",
        { origin: "http://evil.example", "content-type": type, authorization: basic("root") },
        '{"name":"csrf"}',
      );
      expect(r.status).toBe(403);
    }
    const fetchSite = await raw(
      "POST",
      "/api/2.0/mlflow/experiments/create",
      {
        "sec-fetch-site": "cross-site",
        "content-type": "application/json",
        authorization: basic("root"),
      },
      '{"name":"csrf2"}',
    );
    expect(fetchSite.status).toBe(403);
    const check = await api(server.url)<Body>(
      "GET",
      "/experiments/get-by-name",
      { experiment_name: "csrf" },
      { headers: { authorization: basic("root") } },
    );
    expect(check.status).toBe(404);
  });

  it("accepts query strings longer than 64 kB", async () => {
    const ids = Array.from({ length: 2200 }, (_, i) => i.toString(16).padStart(32, "0"));
    const q = new URLSearchParams(ids.map((id) => ["run_ids", id]));
    q.append("metric_key", "m");
    expect(q.toString().length).toBeGreaterThan(64 * 1024);
    const r = await raw("GET", `/api/2.0/mlflow/metrics/get-history-bulk-interval?${q}`, {
      authorization: basic("root"),
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toContain("at most 100 run_ids");
  });

  it("rate-limits failed logins of one user name", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push(
        (
          await raw("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", {
            authorization: basic("ghost", `bad${i}`),
          })
        ).status,
      );
    }
    // Failures count per name (and client): 10 in a minute are answered 401, then the name is locked.
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    // Other names are not: root's correct password still works from this address.
    expect(
      (
        await raw("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", {
          authorization: basic("root"),
        })
      ).status,
    ).toBe(200);
  });
});

describe("the MLflow flow", () => {
  it("a user created through the API logs runs; another reads them only once granted READ", async () => {
    // A fresh server keeps this test independent of the ones above.
    const s = await startServer({
      args: ["--app-name", "basic-auth"],
      env: { LABTRACK_ADMIN_USERNAME: "root", LABTRACK_ADMIN_PASSWORD: PASSWORD },
    });
    try {
      const as = (user: string) => (method: string, path: string, body?: Body) =>
        api(s.url)<Body>(method, path, body, { headers: { authorization: basic(user) } });
      expect(
        (await as("root")("POST", "/users/create", { username: "alice", password: PASSWORD })).status,
      ).toBe(200);
      expect(
        (await as("root")("POST", "/users/create", { username: "bob", password: PASSWORD })).status,
      ).toBe(200);
      const alice = as("alice");
      const bob = as("bob");
      const exp = (await alice("POST", "/experiments/create", { name: "alice-exp" })).body.experiment_id;
      // Nobody granted bob anything: he still reads by default (READ), so take it away explicitly.
      expect(
        (
          await alice("POST", "/experiments/permissions/create", {
            experiment_id: exp,
            username: "bob",
            permission: "NO_PERMISSIONS",
          })
        ).status,
      ).toBe(200);
      const run = (await alice("POST", "/runs/create", { experiment_id: exp })).body.run.info.run_id;
      expect(
        (await alice("POST", "/runs/log-metric", { run_id: run, key: "acc", value: 0.9, timestamp: 1 }))
          .status,
      ).toBe(200);
      expect((await bob("GET", "/runs/get", { run_id: run })).status).toBe(403);
      expect((await bob("POST", "/runs/search", { experiment_ids: [exp] })).body.runs).toBeUndefined();
      expect(
        (
          await alice("PATCH", "/experiments/permissions/update", {
            experiment_id: exp,
            username: "bob",
            permission: "READ",
          })
        ).status,
      ).toBe(200);
      expect((await bob("GET", "/runs/get", { run_id: run })).body.run.data.metrics[0].value).toBe(0.9);
      expect(
        (await bob("POST", "/runs/log-metric", { run_id: run, key: "acc", value: 1, timestamp: 2 })).status,
      ).toBe(403);
      // Password changes take effect at once, despite the credential cache.
      expect(
        (await as("root")("PATCH", "/users/update-password", { username: "bob", password: `${PASSWORD}-2` }))
          .status,
      ).toBe(200);
      expect((await bob("GET", "/runs/get", { run_id: run })).status).toBe(401);
    } finally {
      await s.dispose();
    }
  });
});
