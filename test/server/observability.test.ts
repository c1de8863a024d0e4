// Issue 20, items 5 and 7 against real `labtrack server` processes: the access log, the error line of
// a 503, Prometheus metrics, /health and /health/ready, and the page MLflow's "View run at" opens.
import { mkdtempSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type PgCluster, postgresAvailable, startPostgres } from "../helpers/postgres.js";
import { api, type RunningServer, startServer, testBackend } from "../helpers/server.js";

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.dispose();
});

async function start(args: string[], env: NodeJS.ProcessEnv = {}, dir?: string): Promise<RunningServer> {
  const s = await startServer({ args, env, dir });
  servers.push(s);
  return s;
}

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

interface AccessLine {
  time: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  request_id: string;
  user?: string;
}

/** Lines arrive after the answer (onResponse): wait until `count` are there. */
async function linesOf(file: string, count: number): Promise<AccessLine[]> {
  for (let i = 0; i < 50; i++) {
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n").filter((l) => l !== "");
    if (lines.length >= count) return lines.map((l) => JSON.parse(l) as AccessLine);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${count} lines in ${file}: ${readFileSync(file, "utf8")}`);
}

/** A GET with a Host header of our choosing (fetch sets its own). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on("error", fail);
    req.end();
  });
}

/** The value of one sample of the exposition, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe("observability without authentication (the test backend)", () => {
  it("writes one JSON line per request, counts requests and latencies per route, answers health and readiness", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labtrack-test-"));
    const log = join(dir, "access.log");
    const s = await start(["--expose-prometheus", "--access-log", log], {}, dir);
    expect(s.startupOutput).toContain(`access log:            ${log}`);
    const call = api(s.url);
    const created = await call("POST", "/experiments/create", { name: "observed" });
    expect(created.status).toBe(200);
    const missing = await call("GET", "/experiments/get", { experiment_id: "12345" });
    expect(missing.status).toBe(404);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    const ready = await fetch(`${s.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });

    const lines = await linesOf(log, 4);
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => [l.method, l.route, l.status])).toEqual([
      ["POST", "/api/2.0/mlflow/experiments/create", 200],
      ["GET", "/api/2.0/mlflow/experiments/get", 404],
      ["GET", "/health", 200],
      ["GET", "/health/ready", 200],
    ]);
    for (const l of lines) {
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
      expect(l.duration_ms).toBeGreaterThanOrEqual(0);
      expect(l.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(l.user).toBeUndefined();
    }
    expect(new Set(lines.map((l) => l.request_id)).size).toBe(4);

    const route = 'route="/api/2.0/mlflow/experiments/create",method="POST"';
    const before = await (await fetch(`${s.url}/metrics`)).text();
    expect(sample(before, `labtrack_http_requests_total{${route},status="2xx"}`)).toBe(1);
    expect(sample(before, `labtrack_http_request_duration_seconds_count{${route}}`)).toBe(1);
    expect(sample(before, `labtrack_http_request_duration_seconds_bucket{${route},le="+Inf"}`)).toBe(1);
    expect(
      sample(
        before,
        'labtrack_http_requests_total{route="/api/2.0/mlflow/experiments/get",method="GET",status="4xx"}',
      ),
    ).toBe(1);
    // SQLite has no pool; PostgreSQL's (the test:pg pass) is reported.
    if (testBackend() === "postgres") expect(before).toContain("labtrack_db_pool_connections");
    else expect(before).not.toContain("labtrack_db_pool_connections");
    await call("POST", "/experiments/create", { name: "observed-2" });
    const after = await (await fetch(`${s.url}/metrics`)).text();
    expect(sample(after, `labtrack_http_requests_total{${route},status="2xx"}`)).toBe(2);
    expect(sample(after, `labtrack_http_request_duration_seconds_count{${route}}`)).toBe(2);
    // Route patterns, never URLs: the query string of the GET is not a label.
    expect(after).not.toContain("12345");
    // The new routes are behind the Host guard (DNS rebinding) like the API.
    for (const path of ["/metrics", "/", "/health/ready"]) {
      expect(await getWithHost(`${s.url}${path}`, "evil.example")).toBe(403);
    }
    // The answer names its log line.
    const version = await fetch(`${s.url}/version`);
    const id = version.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    let mine: AccessLine[] = [];
    for (let i = 0; i < 50 && mine.length === 0; i++) {
      mine = (await linesOf(log, 1)).filter((l) => l.request_id === id);
      if (mine.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(mine).toMatchObject([{ route: "/version", status: 200 }]);
  }, 60_000);

  it("serves no /metrics without --expose-prometheus and writes no access log by default", async () => {
    const s = await start([]);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
    expect(s.startupOutput).toContain("access log:            off");
    expect(s.startupOutput).toContain("metrics:               off");
  }, 30_000);

  it("answers / with a self-contained page under a strict CSP, with the version and the API base", async () => {
    const s = await start(["--lab-url", "http://127.0.0.1:8888/"]);
    const r = await fetch(`${s.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = r.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await r.text();
    // Nothing from elsewhere, no HTML built from data in the script.
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).not.toContain("innerHTML");
    expect(html).toContain('"apiBase":"ajax-api/2.0/mlflow"');
    expect(html).toContain('"labUrl":"http://127.0.0.1:8888"');
    expect(s.startupOutput).toContain("lab URL (run links):   http://127.0.0.1:8888");
  }, 30_000);

  it("refuses a --lab-url that is not an http(s) URL in one line", async () => {
    await expect(startServer({ args: ["--lab-url", "javascript:alert(1)"] })).rejects.toThrow(
      /invalid --lab-url 'javascript:alert\(1\)': expected an http\(s\) URL/,
    );
  }, 30_000);
});

it("refuses an access log it cannot write in one line, with one process or several", async () => {
  for (const workers of ["1", "2"]) {
    await expect(
      startServer({ args: ["--workers", workers, "--access-log", "/nonexistent-dir/access.log"] }),
    ).rejects.toThrow(/cannot write --access-log \/nonexistent-dir\/access.log: ENOENT/);
  }
}, 30_000);

describe("observability with authentication", () => {
  it("names the user in the access log; /metrics and / need a user, health does not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labtrack-test-"));
    const log = join(dir, "access.log");
    const s = await start(
      ["--auth", "--expose-prometheus", "--access-log", log],
      { LABTRACK_ADMIN_USERNAME: "admin", LABTRACK_ADMIN_PASSWORD: "admin-password-1" },
      dir,
    );
    const admin = basic("admin", "admin-password-1");
    const call = api(s.url);
    expect((await call("POST", "/experiments/create", { name: "x" }, { headers: admin })).status).toBe(200);
    expect((await call("POST", "/experiments/create", { name: "y" })).status).toBe(401);
    const metricsAnonymous = await fetch(`${s.url}/metrics`);
    expect(metricsAnonymous.status).toBe(401);
    expect(metricsAnonymous.headers.get("www-authenticate")).toMatch(/^Basic/);
    const metrics = await fetch(`${s.url}/metrics`, { headers: admin });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("labtrack_http_requests_total{");
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    expect((await fetch(`${s.url}/health/ready`)).status).toBe(200);
    const page = await fetch(`${s.url}/`);
    expect(page.status).toBe(401);
    expect(page.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect((await fetch(`${s.url}/`, { headers: admin })).status).toBe(200);

    const lines = await linesOf(log, 8);
    const byRoute = (route: string, status: number) =>
      lines.filter((l) => l.route === route && l.status === status);
    expect(byRoute("/api/2.0/mlflow/experiments/create", 200)[0]?.user).toBe("admin");
    expect(byRoute("/api/2.0/mlflow/experiments/create", 401)[0]?.user).toBeUndefined();
    expect(byRoute("/metrics", 200)[0]?.user).toBe("admin");
    expect(byRoute("/health", 200)[0]?.user).toBeUndefined();
  }, 60_000);
});

describe.skipIf(!postgresAvailable())("a PostgreSQL outage", () => {
  let cluster: PgCluster | undefined;
  afterAll(() => cluster?.destroy());

  it("turns readiness to 503, leaves an error line per 503 with its cause, and shows the pool", async () => {
    cluster = await startPostgres();
    cluster.createDatabase("observed");
    const s = await start(["--backend-store-uri", cluster.url("observed"), "--expose-prometheus"]);
    let stderr = "";
    s.process.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const call = api(s.url);
    expect((await call("POST", "/experiments/create", { name: "before" })).status).toBe(200);
    expect((await fetch(`${s.url}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(sample(metrics, 'labtrack_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'labtrack_db_pool_connections{state="waiting"}')).toBe(0);

    cluster.stop();
    const ready = await fetch(`${s.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unavailable", reason: "the database does not answer" });
    const search = await call("POST", "/experiments/search", { max_results: 10 });
    expect(search.status).toBe(503);
    for (let i = 0; i < 40 && stderr.split("\n").filter((l) => l.includes('"status":503')).length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    const errors = stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const searchError = errors.find((e) => e.route === "/api/2.0/mlflow/experiments/search");
    expect(searchError).toMatchObject({ level: "error", status: 503, error_code: "TEMPORARILY_UNAVAILABLE" });
    expect(String(searchError?.message)).toMatch(/database is unavailable/);
    expect(errors.find((e) => e.route === "/health/ready")).toMatchObject({ level: "error", status: 503 });
    const during = await (await fetch(`${s.url}/metrics`)).text();
    expect(
      sample(
        during,
        'labtrack_http_errors_total{route="/api/2.0/mlflow/experiments/search",method="POST",status="503"}',
      ),
    ).toBe(1);

    cluster.start();
    let back = 0;
    for (let i = 0; i < 50 && back !== 200; i++) {
      back = (await fetch(`${s.url}/health/ready`)).status;
      if (back !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(back).toBe(200);
  }, 120_000);
});
