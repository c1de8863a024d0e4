import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, checkers, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;
let server: RunningServer;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startServer();
  call = api(server.url);
});
afterAll(async () => server?.dispose());

const { ok, fails } = checkers(() => call, expect);

const PREFIXES = ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"];

describe("experiments", () => {
  it("has the Default experiment 0 on a fresh store", async () => {
    const e = await ok("GET", "/experiments/get", { experiment_id: "0" });
    expect(e.experiment).toMatchObject({ experiment_id: "0", name: "Default", lifecycle_stage: "active" });
    expect(e.experiment.artifact_location).toBe("mlflow-artifacts:/0");
  });

  it.each(PREFIXES)("creates and reads an experiment under %s", async (prefix) => {
    const name = `exp ${prefix} ünï`;
    const created = await ok(
      "POST",
      "/experiments/create",
      { name, tags: [{ key: "team", value: "ml" }] },
      prefix,
    );
    expect(created.experiment_id).toMatch(/^\d+$/);
    const byId = await ok("GET", "/experiments/get", { experiment_id: created.experiment_id }, prefix);
    expect(byId.experiment).toMatchObject({
      experiment_id: created.experiment_id,
      name,
      lifecycle_stage: "active",
      artifact_location: `mlflow-artifacts:/${created.experiment_id}`,
      tags: [{ key: "team", value: "ml" }],
    });
    expect(typeof byId.experiment.creation_time).toBe("number");
    const byName = await ok("GET", "/experiments/get-by-name", { experiment_name: name }, prefix);
    expect(byName.experiment.experiment_id).toBe(created.experiment_id);
  });

  it("accepts a numeric experiment_id and an explicit artifact location", async () => {
    const created = await ok("POST", "/experiments/create", {
      name: "with-location",
      artifact_location: "s3://bucket/x",
    });
    const got = await ok("GET", "/experiments/get", { experiment_id: Number(created.experiment_id) });
    expect(got.experiment.artifact_location).toBe("s3://bucket/x");
    const viaBody = await call<Body>("POST", "/experiments/delete", {
      experiment_id: Number(created.experiment_id),
    });
    expect(viaBody.status).toBe(200);
  });

  it("refuses duplicates, bad names and bad locations", async () => {
    await ok("POST", "/experiments/create", { name: "dup" });
    expect(
      await fails("POST", "/experiments/create", { name: "dup" }, 400, "RESOURCE_ALREADY_EXISTS"),
    ).toContain("dup");
    expect(await fails("POST", "/experiments/create", {}, 400, "INVALID_PARAMETER_VALUE")).toContain(
      "'name'",
    );
    await fails("POST", "/experiments/create", { name: "" }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/experiments/create", { name: 5 }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/experiments/create", { name: "x".repeat(501) }, 400, "INVALID_PARAMETER_VALUE");
    await fails(
      "POST",
      "/experiments/create",
      { name: "frag", artifact_location: "s3://b/x#y" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/experiments/create",
      { name: "runs", artifact_location: "runs:/abc/x" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/experiments/create",
      { name: "q", artifact_location: "s3://b/x?p=%252e%252e/" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/experiments/create",
      { name: "badtag", tags: [{ key: "a/../b", value: "x" }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    // A refused create wrote nothing.
    await fails(
      "GET",
      "/experiments/get-by-name",
      { experiment_name: "badtag" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("answers 404 for unknown experiments, on get and get-by-name", async () => {
    expect(
      await fails("GET", "/experiments/get", { experiment_id: "987654" }, 404, "RESOURCE_DOES_NOT_EXIST"),
    ).toContain("987654");
    await fails("GET", "/experiments/get", { experiment_id: "not-a-number" }, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails(
      "GET",
      "/experiments/get-by-name",
      { experiment_name: "nope" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await fails("GET", "/experiments/get", {}, 400, "INVALID_PARAMETER_VALUE");
  });

  it("renames, deletes (cascading to runs) and restores", async () => {
    const { experiment_id } = await ok("POST", "/experiments/create", { name: "life" });
    const run = await ok("POST", "/runs/create", { experiment_id });
    await ok("POST", "/experiments/update", { experiment_id, new_name: "life-2" });
    expect((await ok("GET", "/experiments/get", { experiment_id })).experiment.name).toBe("life-2");
    await ok("POST", "/experiments/create", { name: "taken" });
    await fails(
      "POST",
      "/experiments/update",
      { experiment_id, new_name: "taken" },
      400,
      "RESOURCE_ALREADY_EXISTS",
    );
    await fails(
      "POST",
      "/experiments/update",
      { experiment_id, new_name: "" },
      400,
      "INVALID_PARAMETER_VALUE",
    );

    await ok("POST", "/experiments/delete", { experiment_id });
    expect((await ok("GET", "/experiments/get", { experiment_id })).experiment.lifecycle_stage).toBe(
      "deleted",
    );
    expect((await ok("GET", "/runs/get", { run_id: run.run.info.run_id })).run.info.lifecycle_stage).toBe(
      "deleted",
    );
    await fails("POST", "/experiments/delete", { experiment_id }, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails("POST", "/runs/create", { experiment_id }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/experiments/update", { experiment_id, new_name: "x" }, 400, "INVALID_STATE");
    await fails(
      "POST",
      "/experiments/set-experiment-tag",
      { experiment_id, key: "k", value: "v" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    // A deleted experiment's name stays taken.
    await fails("POST", "/experiments/create", { name: "life-2" }, 400, "RESOURCE_ALREADY_EXISTS");

    await ok("POST", "/experiments/restore", { experiment_id });
    expect((await ok("GET", "/runs/get", { run_id: run.run.info.run_id })).run.info.lifecycle_stage).toBe(
      "active",
    );
    await fails("POST", "/experiments/restore", { experiment_id }, 404, "RESOURCE_DOES_NOT_EXIST");
  });

  it("sets and deletes experiment tags", async () => {
    const { experiment_id } = await ok("POST", "/experiments/create", { name: "tagged" });
    await ok("POST", "/experiments/set-experiment-tag", {
      experiment_id,
      key: "mlflow.note.content",
      value: "# Notes",
    });
    await ok("POST", "/experiments/set-experiment-tag", { experiment_id, key: "k", value: "" });
    await ok("POST", "/experiments/set-experiment-tag", { experiment_id, key: "k", value: "v2" });
    const tags = (await ok("GET", "/experiments/get", { experiment_id })).experiment.tags;
    expect(tags).toEqual([
      { key: "k", value: "v2" },
      { key: "mlflow.note.content", value: "# Notes" },
    ]);
    await fails(
      "POST",
      "/experiments/set-experiment-tag",
      { experiment_id, key: "k", value: "x".repeat(5001) },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/experiments/set-experiment-tag",
      { experiment_id, value: "x" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await ok("POST", "/experiments/delete-experiment-tag", { experiment_id, key: "k" });
    await fails(
      "POST",
      "/experiments/delete-experiment-tag",
      { experiment_id, key: "k" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await fails(
      "POST",
      "/experiments/set-experiment-tag",
      { experiment_id: "99999", key: "k", value: "v" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("searches with filter, order, view type and pages, by POST and GET", async () => {
    for (const n of ["s-b", "s-a", "s-c"])
      await ok("POST", "/experiments/create", { name: n, tags: [{ key: "grp", value: n }] });
    const post = await ok("POST", "/experiments/search", {
      filter: "name LIKE 's-%'",
      order_by: ["name ASC"],
      max_results: 2,
    });
    expect(post.experiments.map((e: Body) => e.name)).toEqual(["s-a", "s-b"]);
    expect(post.next_page_token).toBeTruthy();
    const next = await ok(
      "GET",
      "/experiments/search",
      {
        filter: "name LIKE 's-%'",
        order_by: "name ASC",
        max_results: 2,
        page_token: post.next_page_token,
      },
      PREFIXES[1],
    );
    expect(next.experiments.map((e: Body) => e.name)).toEqual(["s-c"]);
    expect(next.next_page_token).toBeUndefined();
    const byTag = await ok("POST", "/experiments/search", { filter: "tags.grp = 's-b'", max_results: 10 });
    expect(byTag.experiments.map((e: Body) => e.name)).toEqual(["s-b"]);
    const none = await ok("POST", "/experiments/search", { filter: "name = 'zzz'", max_results: 10 });
    expect(none).toEqual({});
    await fails("POST", "/experiments/search", { max_results: 0 }, 400, "INVALID_PARAMETER_VALUE");
    await fails("POST", "/experiments/search", { max_results: 50001 }, 400, "INVALID_PARAMETER_VALUE");
    await fails(
      "POST",
      "/experiments/search",
      { view_type: "BOGUS", max_results: 5 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/experiments/search",
      { filter: "name = ", max_results: 5 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/experiments/search",
      { order_by: ["bogus ASC"], max_results: 5 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/experiments/search",
      { page_token: "%%%", max_results: 5 },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    // Numeric view type and a default max_results are accepted.
    const all = await ok("POST", "/experiments/search", { view_type: 3 });
    expect(all.experiments.length).toBeGreaterThan(3);
  });
});

describe("request handling", () => {
  it("answers malformed bodies, wrong content types and unknown routes with JSON errors", async () => {
    const raw = async (path: string, init: RequestInit) => {
      const r = await fetch(`${server.url}${path}`, init);
      return { status: r.status, body: (await r.json()) as Body, type: r.headers.get("content-type") };
    };
    const bad = await raw("/api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(bad.body.message).toMatch(/JSON/);
    const arr = await raw("/api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[1,2]",
    });
    expect(arr.status).toBe(400);
    const noType = await raw("/api/2.0/mlflow/experiments/create", { method: "POST", body: '{"name":"x"}' });
    expect(noType.status).toBe(400);
    const textPlain = await raw("/api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: '{"name":"csrf"}',
    });
    expect(textPlain.status).toBe(400);
    expect(textPlain.body.message).toContain("Content-Type");
    const charset = await raw("/api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ name: "charset-ok" }),
    });
    expect(charset.status).toBe(200);
    const doubleEncoded = await raw("/api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(JSON.stringify({ name: "double-encoded" })),
    });
    expect(doubleEncoded.status).toBe(200);
    const unknown = await raw("/api/2.0/mlflow/nope", { method: "GET" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe("ENDPOINT_NOT_FOUND");
    expect(unknown.type).toContain("application/json");
    const wrongMethod = await raw("/api/2.0/mlflow/runs/create", { method: "GET" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error_code).toBe("ENDPOINT_NOT_FOUND");
    const trailing = await raw("/api/2.0/mlflow/experiments/get/", { method: "GET" });
    expect(trailing.status).toBe(404);
  });

  it("serves /health and /version", async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");
    const version = await fetch(`${server.url}/version`);
    expect(await version.text()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
