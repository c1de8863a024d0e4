// The authorization matrix, generated from the route table: every RPC route × every kind of caller.
// A route added without a rule fails here (and the server refuses to start).
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ruleFor } from "../../src/auth/rules.js";
import { RPC_ROUTES } from "../../src/server/app.js";
import { api, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;
const ROLES = ["anonymous", "none", "READ", "EDIT", "MANAGE", "admin"] as const;
type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { anonymous: -1, none: 0, READ: 1, EDIT: 2, MANAGE: 3, admin: 4 };
const PASSWORD = "pass-word-123";
const basic = (user: string) => `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString("base64")}`;

let server: RunningServer;
const call = (role: Role, method: string, path: string, payload: Body = {}, prefix = "/api/2.0/mlflow") => {
  const headers: Record<string, string> =
    role === "anonymous" ? {} : { authorization: basic(role === "admin" ? "root" : `u-${role}`) };
  return api(server.url)<Body>(method, path, payload, { prefix, headers });
};

beforeAll(async () => {
  server = await startServer({
    args: ["--auth", "--default-permission", "NO_PERMISSIONS"],
    env: { LABTRACK_ADMIN_USERNAME: "root", LABTRACK_ADMIN_PASSWORD: PASSWORD },
  });
  for (const role of ["none", "READ", "EDIT", "MANAGE"]) {
    const r = await call("admin", "POST", "/users/create", { username: `u-${role}`, password: PASSWORD });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
});
afterAll(async () => server?.dispose());

/** Fresh resources for one route, so that destructive calls cannot disturb the others. */
async function fixture(tag: string) {
  const exp = (await call("admin", "POST", "/experiments/create", { name: `e-${tag}` })).body.experiment_id;
  const run = (await call("admin", "POST", "/runs/create", { experiment_id: exp })).body.run.info.run_id;
  await call("admin", "POST", "/runs/log-metric", { run_id: run, key: "m", value: 1, timestamp: 1 });
  await call("admin", "POST", "/registered-models/create", { name: `m-${tag}` });
  await call("admin", "POST", "/model-versions/create", { name: `m-${tag}`, source: "s3://b/x" });
  const loggedModel = (await call("admin", "POST", "/logged-models", { experiment_id: exp })).body.model.info
    .model_id as string;
  await call("admin", "PATCH", `/logged-models/${loggedModel}/tags`, { tags: [{ key: "k", value: "v" }] });
  const trace = (await call("admin", "POST", "/traces", { experiment_id: exp, timestamp_ms: 1 })).body
    .trace_info.request_id as string;
  await call("admin", "PATCH", `/traces/${trace}/tags`, { key: "k", value: "v" });
  await call("admin", "POST", "/users/create", { username: `victim-${tag}`, password: PASSWORD });
  for (const level of ["READ", "EDIT", "MANAGE"]) {
    await call("admin", "POST", "/experiments/permissions/create", {
      experiment_id: exp,
      username: `u-${level}`,
      permission: level,
    });
    await call("admin", "POST", "/registered-models/permissions/create", {
      name: `m-${tag}`,
      username: `u-${level}`,
      permission: level,
    });
  }
  return { exp, run, model: `m-${tag}`, victim: `victim-${tag}`, loggedModel, trace };
}

function payload(path: string, f: Awaited<ReturnType<typeof fixture>>, role: Role): Body {
  const common: Body = {
    experiment_id: f.exp,
    run_id: f.run,
    run_ids: [f.run],
    name: f.model,
    version: "1",
    key: "k",
    value: "v",
    metric_key: "m",
    timestamp: 1,
    new_name: `${f.model}-${role}-renamed`,
    stage: "Staging",
    alias: "champion",
    source: "s3://b/y",
    experiment_name: `e-${f.model.slice(2)}`,
    username: path.startsWith("/mlflow/users/") ? f.victim : "u-none",
    password: `${PASSWORD}-new`,
    permission: "READ",
    is_admin: false,
    model_json: JSON.stringify({ artifact_path: "m", flavors: {}, utc_time_created: "x", run_id: f.run }),
    datasets: [],
    max_results: 10,
    experiment_ids: [f.exp],
    model_id: f.loggedModel,
    models: [{ model_id: f.loggedModel, step: 0 }],
    request_id: f.trace,
    request_ids: [f.trace],
    timestamp_ms: 2,
  };
  if (path === "/mlflow/traces/:request_id") common.status = "OK";
  if (path === "/mlflow/logged-models/:model_id") common.status = "LOGGED_MODEL_READY";
  if (path === "/mlflow/experiments/create" || path === "/mlflow/registered-models/create")
    common.name = `new-${role}-${Math.random()}`;
  if (path === "/mlflow/users/create") common.username = `new-${role}-${Math.round(Math.random() * 1e9)}`;
  return common;
}

/** What a caller of each role should get: 401 anonymous, 403 below the rule's level, else anything but those. */
function expected(path: string, method: string, role: Role): "401" | "403" | "allowed" {
  const rule = ruleFor(path, method);
  if (!rule) throw new Error(`no rule for ${method} ${path}`);
  if (role === "anonymous") return "401";
  if (role === "admin") return "allowed";
  switch (rule.kind) {
    case "authenticated":
    case "filtered":
      return "allowed";
    case "admin":
    case "self-or-admin": // the payload names another user
      return "403";
    default:
      return RANK[role] >= RANK[rule.level] ? "allowed" : "403";
  }
}

const CASES = RPC_ROUTES.flatMap((route) => route.methods.map((method) => ({ path: route.path, method })));

describe("authorization matrix", () => {
  it("has a rule for every route", () => {
    for (const c of CASES) expect(ruleFor(c.path, c.method), `${c.method} ${c.path}`).toBeDefined();
    expect(CASES.length).toBeGreaterThan(55);
  });

  it.each(CASES)("$method $path", async ({ path, method }) => {
    const f = await fixture(`${method}${path}`.replace(/[^a-z]/gi, "-"));
    const results: string[] = [];
    for (const role of ROLES) {
      for (const prefix of role === "none" ? ["/api/2.0", "/ajax-api/2.0"] : ["/api/2.0"]) {
        const r = await call(
          role,
          method,
          path
            .slice("/mlflow".length)
            .replace(":model_id", f.loggedModel)
            .replace(":tag_key", "k")
            .replace(":request_id", f.trace),
          payload(path, f, role),
          `${prefix}/mlflow`,
        );
        const want = expected(path, method, role);
        const ok =
          want === "allowed"
            ? r.status !== 401 && r.status !== 403 && r.status < 500
            : String(r.status) === want;
        if (!ok)
          results.push(
            `${role} via ${prefix}: got ${r.status} ${JSON.stringify(r.body).slice(0, 120)}, wanted ${want}`,
          );
        if (r.status >= 400) expect(typeof r.body.error_code).toBe("string");
      }
    }
    expect(results).toEqual([]);
  });

  it("filters search results to what the caller may read", async () => {
    const f = await fixture("filtered");
    const names = async (role: Role) =>
      ((await call(role, "POST", "/experiments/search", { max_results: 1000 })).body.experiments ?? []).map(
        (e: Body) => e.name,
      );
    expect(await names("READ")).toContain("e-filtered");
    expect(await names("none")).not.toContain("e-filtered");
    const runs = async (role: Role) =>
      (await call(role, "POST", "/runs/search", { experiment_ids: [f.exp] })).body.runs ?? [];
    expect(await runs("READ")).toHaveLength(1);
    expect(await runs("none")).toHaveLength(0);
    const models = async (role: Role) =>
      (
        (await call(role, "GET", "/registered-models/search", { max_results: 1000 })).body
          .registered_models ?? []
      ).map((m: Body) => m.name);
    expect(await models("EDIT")).toContain("m-filtered");
    expect(await models("none")).not.toContain("m-filtered");
    const traces = async (role: Role) =>
      (await call(role, "GET", "/traces", { experiment_ids: [f.exp] })).body.traces ?? [];
    expect(await traces("READ")).toHaveLength(1);
    expect(await traces("none")).toHaveLength(0);
  });
});

describe("artifacts under authentication", () => {
  const put = (role: Role, path: string, body = "data") =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(server.url);
      const headers: Record<string, string> =
        role === "anonymous" ? {} : { authorization: basic(role === "admin" ? "root" : `u-${role}`) };
      const req = http.request(
        { host: url.hostname, port: url.port, method: "PUT", path, headers },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  it("needs EDIT to upload and READ to download, on the experiment the path names", async () => {
    const f = await fixture("artifacts");
    const path = `/api/2.0/mlflow-artifacts/artifacts/${f.exp}/${f.run}/artifacts/a.txt`;
    expect(await put("anonymous", path)).toBe(401);
    expect(await put("READ", path)).toBe(403);
    expect(await put("EDIT", path)).toBe(200);
    const get = async (role: Role) =>
      (
        await fetch(`${server.url}${path}`, {
          headers: role === "anonymous" ? {} : { authorization: basic(`u-${role}`) },
        })
      ).status;
    expect(await get("READ")).toBe(200);
    expect(await get("none")).toBe(403);
    // A run id placed under another experiment's folder lends no rights.
    const other = (await call("admin", "POST", "/experiments/create", { name: "other-artifacts" })).body
      .experiment_id;
    expect(await put("EDIT", `/api/2.0/mlflow-artifacts/artifacts/${other}/${f.run}/artifacts/x.txt`)).toBe(
      403,
    );
    expect(await put("EDIT", "/api/2.0/mlflow-artifacts/artifacts/not-an-experiment/x.txt")).toBe(403);
    const list = await fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${f.run}`, {
      headers: { authorization: basic("u-none") },
    });
    expect(list.status).toBe(403);
  });

  it("treats a logged model's files as its experiment's: EDIT uploads, READ downloads", async () => {
    const f = await fixture("model-artifacts");
    const path = `/api/2.0/mlflow-artifacts/artifacts/${f.exp}/models/${f.loggedModel}/artifacts/MLmodel`;
    expect(await put("READ", path)).toBe(403);
    expect(await put("EDIT", path)).toBe(200);
    const other = (await call("admin", "POST", "/experiments/create", { name: "other-model-artifacts" })).body
      .experiment_id;
    expect(
      await put("EDIT", `/api/2.0/mlflow-artifacts/artifacts/${other}/models/${f.loggedModel}/artifacts/x`),
    ).toBe(403);
    const file = async (role: Role) =>
      (
        await fetch(
          `${server.url}/ajax-api/2.0/mlflow/logged-models/${f.loggedModel}/artifacts/files?artifact_file_path=MLmodel`,
          { headers: role === "anonymous" ? {} : { authorization: basic(`u-${role}`) } },
        )
      ).status;
    expect(await file("anonymous")).toBe(401);
    expect(await file("none")).toBe(403);
    expect(await file("READ")).toBe(200);
    const search = async (role: Role) =>
      (await call(role, "POST", "/logged-models/search", { experiment_ids: [f.exp] })).body.models ?? [];
    expect(await search("READ")).toHaveLength(1);
    expect(await search("none")).toHaveLength(0);
  });

  it("serves a model version's files (model-versions/get-artifact) to READ on the registered model", async () => {
    const f = await fixture("version-artifacts");
    const root = `/api/2.0/mlflow-artifacts/artifacts/${f.exp}/${f.run}/artifacts`;
    expect(await put("admin", `${root}/model/MLmodel`)).toBe(200);
    const version = await call("admin", "POST", "/model-versions/create", {
      name: f.model,
      source: `mlflow-artifacts:/${f.exp}/${f.run}/artifacts/model`,
      run_id: f.run,
    });
    expect(version.status, JSON.stringify(version.body)).toBe(200);
    const file = async (role: Role, path = "MLmodel") =>
      (
        await fetch(
          `${server.url}/model-versions/get-artifact?name=${f.model}&version=${version.body.model_version.version}&path=${path}`,
          {
            headers:
              role === "anonymous" ? {} : { authorization: basic(role === "admin" ? "root" : `u-${role}`) },
          },
        )
      ).status;
    expect(await file("anonymous")).toBe(401);
    // An anonymous caller learns nothing about its input either.
    expect(await file("anonymous", "../x")).toBe(401);
    expect(await file("none")).toBe(403);
    expect(await file("READ")).toBe(200);
    expect(await file("admin")).toBe(200);
  });

  it("treats a trace's data as its experiment's: EDIT uploads, READ downloads", async () => {
    const f = await fixture("trace-artifacts");
    const data = JSON.stringify({
      spans: [{ name: "s", context: { span_id: "0x1", trace_id: "0x2" }, parent_id: null, start_time: 1 }],
    });
    const path = `/api/2.0/mlflow-artifacts/artifacts/${f.exp}/traces/${f.trace}/artifacts/traces.json`;
    expect(await put("anonymous", path, data)).toBe(401);
    expect(await put("READ", path, data)).toBe(403);
    expect(await put("EDIT", path, data)).toBe(200);
    const other = (await call("admin", "POST", "/experiments/create", { name: "other-trace-artifacts" })).body
      .experiment_id;
    // A trace id placed under another experiment's folder lends no rights.
    expect(
      await put(
        "EDIT",
        `/api/2.0/mlflow-artifacts/artifacts/${other}/traces/${f.trace}/artifacts/traces.json`,
        data,
      ),
    ).toBe(403);
    const file = async (role: Role) =>
      (
        await fetch(`${server.url}/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${f.trace}`, {
          headers: role === "anonymous" ? {} : { authorization: basic(`u-${role}`) },
        })
      ).status;
    expect(await file("anonymous")).toBe(401);
    expect(await file("none")).toBe(403);
    expect(await file("READ")).toBe(200);
  });
});
