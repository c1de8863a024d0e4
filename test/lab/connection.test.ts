// The Lab-side models against the real thing: a JupyterLab server with Labtrack's proxy extension in
// front of real tracking servers (open, with auth, unreachable, and one that answers HTML).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { userInfo } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import { TrackingConnection } from "../../src/lab/connection.js";
import { ExperimentsModel } from "../../src/lab/experiments/model.js";
import { readSettings } from "../../src/lab/settings.js";
import { type RunningLab, startLab } from "../helpers/lab.js";
import { type RunningServer, startServer } from "../helpers/server.js";

let lab: RunningLab;
let authServer: RunningServer;
let html: Server;
let echo: Server;
let lastEchoHeaders: IncomingHttpHeaders = {};
const PASSWORD = "lab-test-password-1";

const listen = (server: Server) =>
  new Promise<string>((done) =>
    server.listen(0, "127.0.0.1", () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );

beforeAll(async () => {
  [lab, authServer] = await Promise.all([
    startLab(),
    startServer({
      args: ["--auth", "--default-permission", "READ"],
      env: { LABTRACK_ADMIN_USERNAME: "root", LABTRACK_ADMIN_PASSWORD: PASSWORD },
    }),
  ]);
  html = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>");
  });
  echo = createServer((req, res) => {
    lastEchoHeaders = req.headers;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ experiments: [] }));
  });
}, 90_000);

afterAll(async () => {
  html?.close();
  echo?.close();
  await Promise.all([lab?.dispose(), authServer?.dispose()]);
});

function connection(trackingUri = ""): TrackingConnection {
  const c = new TrackingConnection({ proxyBase: `${lab.labBase}/labtrack`, fetch: lab.fetch });
  const { settings, problems } = readSettings({ trackingUri, requestTimeout: 5 });
  c.configure(settings, problems);
  return c;
}

describe("TrackingConnection through the Jupyter server's proxy", () => {
  it("connects to MLFLOW_TRACKING_URI of the Jupyter server when the settings name none", async () => {
    const c = connection();
    const status = await c.check();
    expect(status.state).toBe("connected");
    expect(status.uri).toBe(lab.trackingUri);
    const { experiments } = await c.client.searchExperiments();
    expect(experiments.map((e) => e.name)).toContain("Default");
  });

  it('names the OS user the Jupyter server runs as (the runs table\'s "Mine"), from its one config read', async () => {
    const c = connection();
    const [user, status] = await Promise.all([c.jupyterUser(), c.check()]);
    expect(user).toBe(userInfo().username);
    expect(status.state).toBe("connected");
    // A Jupyter server without Labtrack's extension cannot say: no user rather than an error.
    const elsewhere = new TrackingConnection({
      proxyBase: `${lab.labBase}/no-such-extension`,
      fetch: lab.fetch,
    });
    expect(await elsewhere.jupyterUser()).toBeNull();
  });

  it("goes to the URI from the settings instead", async () => {
    const c = connection(authServer.url);
    const status = await c.check();
    // That server wants credentials, and the proxy only adds the environment's to its own server.
    expect(status.state).toBe("error");
    expect(status.uri).toBe(authServer.url);
    expect(status.problem?.summary).toBe("needs credentials (401)");
    expect(status.problem?.detail).toMatch(/MLFLOW_TRACKING_TOKEN/);
  });

  it("reports an unreachable server with its address and the reason", async () => {
    const closed = createServer();
    const url = await listen(closed);
    closed.close();
    const status = await connection(url).check();
    expect(status.state).toBe("error");
    expect(status.problem?.summary).toBe("unreachable");
    expect(status.problem?.detail).toContain(url.replace("http://", ""));
    expect(status.problem?.detail).toMatch(/refused/i);
  });

  it("says so when the URI is a web server that answers HTML", async () => {
    const status = await connection(await listen(html)).check();
    expect(status.state).toBe("error");
    expect(status.problem?.summary).toBe("not a tracking server (HTTP 200)");
    expect(status.problem?.detail).toMatch(/not JSON/);
  });

  it("says so when the URI has no MLflow API (404)", async () => {
    const status = await connection(`${lab.trackingUri}/no/such/prefix`).check();
    expect(status.state).toBe("error");
    expect(status.problem?.summary).toBe("no MLflow API (404)");
  });

  it("ignores a malformed URI in the settings, with a message, and keeps working", async () => {
    const c = connection("ftp://example.com");
    const status = await c.check();
    expect(status.settingsProblems[0]).toMatch(/Tracking URI setting ignored: .*ftp/);
    expect(status.state).toBe("connected");
  });

  it("never forwards the Jupyter session's credentials to the tracking server", async () => {
    const c = connection(await listen(echo));
    await c.client.searchExperiments();
    expect(lastEchoHeaders.authorization).toBeUndefined();
    expect(lastEchoHeaders.cookie).toBeUndefined();
    expect(lastEchoHeaders["x-xsrftoken"]).toBeUndefined();
    expect(lastEchoHeaders["x-labtrack-tracking-uri"]).toBeUndefined();
  });

  it("keeps one connection to the tracking server across requests, and passes each answer's own headers", async () => {
    const sockets = new Set<unknown>();
    const kept = createServer((req, res) => {
      sockets.add(req.socket);
      res.writeHead(200, { "content-type": "text/csv", vary: ["Origin", "Accept"] });
      res.end("a,b\n1,2\n");
    });
    kept.keepAliveTimeout = 60_000; // the requests below are sequential, each well within it
    const url = await listen(kept);
    try {
      for (let i = 0; i < 4; i++) {
        const r = await lab.fetch(`${lab.labBase}/labtrack/proxy/get-artifact?path=t${i}.csv`, {
          headers: { "x-labtrack-tracking-uri": url },
        });
        expect(r.status).toBe(200);
        // A small answer goes in one piece, still with its own type (not the Jupyter API's JSON).
        expect(r.headers.get("content-type")).toBe("text/csv");
        expect(r.headers.get("vary")).toMatch(/Origin.*Accept/);
        expect(await r.text()).toBe("a,b\n1,2\n");
      }
      expect(sockets.size).toBe(1);
    } finally {
      kept.closeAllConnections();
      kept.close();
    }
  });

  it("refuses requests that are not authenticated to the Jupyter server", async () => {
    const r = await fetch(`${lab.labBase}/labtrack/proxy/api/2.0/mlflow/experiments/search`);
    expect(r.status).toBe(403);
  });

  it("answers a URI the proxy will not use with an MLflow-style 400", async () => {
    const r = await lab.fetch(`${lab.labBase}/labtrack/proxy/api/2.0/mlflow/experiments/search`, {
      headers: { "x-labtrack-tracking-uri": "file:///etc" },
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error_code: string; message: string };
    expect(body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(body.message).toMatch(/http:\/\/ or https:\/\//);
  });

  it("passes artifact names with spaces, <, ?, parentheses and non-ASCII letters through as they are", async () => {
    const direct = new RestClient({ trackingUri: lab.trackingUri });
    const experiment_id = await direct.createExperiment(`proxy-names-${Date.now()}`);
    const run = await direct.createRun({ experimentId: experiment_id, runName: "a" });
    const root = `${experiment_id}/${run.info.run_id}/artifacts`;
    for (const name of ["a b <1>.txt", "run (1)?.csv", "ünï cødé.json"]) {
      await direct.uploadArtifact(`${root}/odd/${name}`, `content of ${name}`);
      const r = await connection().client.downloadArtifact(`${root}/odd/${name}`);
      expect(await r.text()).toBe(`content of ${name}`);
    }
    const listing = await connection().client.listArtifacts(run.info.run_id, "odd");
    expect(listing.files.map((f) => f.path).sort()).toEqual(
      ["odd/run (1)?.csv", "odd/a b <1>.txt", "odd/ünï cødé.json"].sort(),
    );
  });

  it("streams artifacts with their content type", async () => {
    const direct = new RestClient({ trackingUri: lab.trackingUri });
    const experiment_id = await direct.createExperiment(`proxy-artifacts-${Date.now()}`);
    const run = await direct.createRun({ experimentId: experiment_id, runName: "a" });
    const big = "x".repeat(3 * 1024 * 1024);
    await direct.uploadArtifact(`${experiment_id}/${run.info.run_id}/artifacts/data/big.txt`, big);
    const listing = await connection().client.listArtifacts(run.info.run_id, "data");
    expect(listing.files.map((f) => f.path)).toEqual(["data/big.txt"]);
    const r = await lab.fetch(
      `${lab.labBase}/labtrack/proxy/get-artifact?run_uuid=${run.info.run_id}&path=data/big.txt`,
    );
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    expect((await r.text()).length).toBe(big.length);
  });
});

describe("ExperimentsModel", () => {
  it("lists experiments and the selected one's latest runs with their latest metrics", async () => {
    const direct = new RestClient({ trackingUri: lab.trackingUri });
    const name = `model-test-${Date.now()}`;
    const experiment_id = await direct.createExperiment(name);
    for (const i of [1, 2, 3]) {
      const run = await direct.createRun({
        experimentId: experiment_id,
        runName: `run-${i}`,
        startTime: 1000 * i,
      });
      await direct.logBatch(run.info.run_id, {
        metrics: [
          { key: "loss", value: 1 / i, timestamp: 1, step: 0 },
          { key: "loss", value: 0.5 / i, timestamp: 2, step: 1 },
        ],
      });
      if (i < 3) await direct.updateRun(run.info.run_id, { status: "FINISHED", endTime: 1000 * i + 1500 });
    }
    const model = new ExperimentsModel(connection(), () => name);
    await model.refresh();
    expect(model.state).toBe("ready");
    expect(model.selected?.name).toBe(name);
    expect(model.runs.map((r) => r.name)).toEqual(["run-3", "run-2", "run-1"]);
    expect(model.runs[1]).toMatchObject({
      status: "FINISHED",
      durationMs: 1500,
      metrics: [{ key: "loss", value: 0.25 }],
    });
    expect(model.runs[0]?.status).toBe("RUNNING");

    await model.select("0");
    expect(model.selected?.name).toBe("Default");
    expect(model.runs.every((r) => r.runId !== undefined)).toBe(true);
  });

  it("turns a failure into an error state, and recovers", async () => {
    const c = connection(`${lab.trackingUri}/nope`);
    const model = new ExperimentsModel(c);
    await model.refresh();
    expect(model.state).toBe("error");
    expect(model.error?.summary).toBe("no MLflow API (404)");
    expect(c.status.state).toBe("error");
    c.configure(readSettings({}).settings);
    await model.refresh();
    expect(model.state).toBe("ready");
    expect(model.error).toBeNull();
  });
});

describe("credentials from the Jupyter server's environment", () => {
  it("are added for the configured server, so an auth-enabled server connects without the browser knowing them", async () => {
    const withCreds = await startLab({
      trackingUri: authServer.url,
      env: { MLFLOW_TRACKING_USERNAME: "root", MLFLOW_TRACKING_PASSWORD: PASSWORD },
    });
    try {
      const c = new TrackingConnection({
        proxyBase: `${withCreds.labBase}/labtrack`,
        fetch: withCreds.fetch,
      });
      c.configure(readSettings({}).settings);
      expect((await c.check()).state).toBe("connected");
      const config = (await (await withCreds.fetch(`${withCreds.labBase}/labtrack/config`)).json()) as Record<
        string,
        unknown
      >;
      expect(config).toMatchObject({ trackingUri: authServer.url, fromEnvironment: true, credentials: true });
      expect(JSON.stringify(config)).not.toContain(PASSWORD);
    } finally {
      await withCreds.dispose();
    }
  }, 60_000);
});
