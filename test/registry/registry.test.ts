import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, checkers, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;

let server: RunningServer;
let call: ReturnType<typeof api>;
let runId: string;

beforeAll(async () => {
  server = await startServer();
  call = api(server.url);
  const run = await call<Body>("POST", "/runs/create", { experiment_id: "0" });
  runId = run.body.run.info.run_id;
});
afterAll(async () => server?.dispose());

const { ok, fails } = checkers(() => call, expect);

describe("registered models", () => {
  it("creates, gets, updates, renames and deletes a model on both prefixes", async () => {
    const created = await ok("POST", "/registered-models/create", {
      name: "rm-basic",
      description: "first",
      tags: [
        { key: "team", value: "a" },
        { key: "team", value: "b" },
      ],
    });
    expect(created.registered_model).toMatchObject({ name: "rm-basic", description: "first" });
    // The last value of a repeated key wins.
    expect(created.registered_model.tags).toEqual([{ key: "team", value: "b" }]);

    const got = await ok("GET", "/registered-models/get", { name: "rm-basic" }, "/ajax-api/2.0/mlflow");
    expect(got.registered_model.name).toBe("rm-basic");

    const updated = await ok("PATCH", "/registered-models/update", {
      name: "rm-basic",
      description: "second",
    });
    expect(updated.registered_model.description).toBe("second");
    const cleared = await ok("PATCH", "/registered-models/update", { name: "rm-basic" });
    expect(cleared.registered_model.description).toBeUndefined();

    await ok("POST", "/model-versions/create", { name: "rm-basic", source: "s3://bucket/m" });
    const renamed = await ok("POST", "/registered-models/rename", {
      name: "rm-basic",
      new_name: "rm-renamed",
    });
    expect(renamed.registered_model.name).toBe("rm-renamed");
    const v = await ok("GET", "/model-versions/get", { name: "rm-renamed", version: "1" });
    expect(v.model_version.source).toBe("s3://bucket/m");
    await fails("GET", "/registered-models/get", { name: "rm-basic" }, 404, "RESOURCE_DOES_NOT_EXIST");

    await ok("DELETE", "/registered-models/delete", { name: "rm-renamed" });
    await fails("GET", "/registered-models/get", { name: "rm-renamed" }, 404, "RESOURCE_DOES_NOT_EXIST");
    await fails(
      "GET",
      "/model-versions/get",
      { name: "rm-renamed", version: "1" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("rejects duplicates, missing names and bad tags with MLflow's codes", async () => {
    await ok("POST", "/registered-models/create", { name: "rm-dup" });
    await fails("POST", "/registered-models/create", { name: "rm-dup" }, 400, "RESOURCE_ALREADY_EXISTS");
    const msg = await fails("POST", "/registered-models/create", {}, 400, "INVALID_PARAMETER_VALUE");
    expect(msg).toContain("'name'");
    await fails(
      "POST",
      "/registered-models/create",
      { name: "rm-badtag", tags: [{ key: "../x", value: "1" }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/registered-models/create",
      { name: "rm-longtag", tags: [{ key: "k", value: "x".repeat(5001) }] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    // Nothing of the refused request was written.
    await fails("GET", "/registered-models/get", { name: "rm-badtag" }, 404, "RESOURCE_DOES_NOT_EXIST");
    await ok("POST", "/registered-models/create", { name: "rm-other" });
    await fails(
      "POST",
      "/registered-models/rename",
      { name: "rm-other", new_name: "rm-dup" },
      400,
      "RESOURCE_ALREADY_EXISTS",
    );
  });

  it("sets and deletes tags; deleting a missing tag is not an error", async () => {
    await ok("POST", "/registered-models/create", { name: "rm-tags" });
    await ok("POST", "/registered-models/set-tag", { name: "rm-tags", key: "k", value: "v" });
    await ok("POST", "/registered-models/set-tag", { name: "rm-tags", key: "k", value: "w" });
    expect((await ok("GET", "/registered-models/get", { name: "rm-tags" })).registered_model.tags).toEqual([
      { key: "k", value: "w" },
    ]);
    await ok("DELETE", "/registered-models/delete-tag", { name: "rm-tags", key: "k" });
    await ok("DELETE", "/registered-models/delete-tag", { name: "rm-tags", key: "never" });
    await fails(
      "POST",
      "/registered-models/set-tag",
      { name: "nope", key: "k", value: "v" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });
});

describe("model versions", () => {
  it("numbers versions from 1 and never reuses a deleted number", async () => {
    await ok("POST", "/registered-models/create", { name: "mv-num" });
    for (const expected of ["1", "2", "3"]) {
      const v = await ok("POST", "/model-versions/create", { name: "mv-num", source: "s3://b/m" });
      expect(v.model_version.version).toBe(expected);
      expect(v.model_version.current_stage).toBe("None");
      expect(v.model_version.status).toBe("READY");
    }
    await ok("DELETE", "/model-versions/delete", { name: "mv-num", version: "3" });
    await fails(
      "GET",
      "/model-versions/get",
      { name: "mv-num", version: "3" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    const next = await ok("POST", "/model-versions/create", { name: "mv-num", source: "s3://b/m" });
    expect(next.model_version.version).toBe("4");
    await fails(
      "GET",
      "/model-versions/get",
      { name: "mv-num", version: "x1" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/model-versions/create",
      { name: "missing-model", source: "s3://b/m" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("assigns versions without gaps or duplicates under concurrent creates", async () => {
    await ok("POST", "/registered-models/create", { name: "mv-concurrent" });
    const results = await Promise.all(
      Array.from({ length: 64 }, () =>
        call<Body>("POST", "/model-versions/create", { name: "mv-concurrent", source: "s3://b/m" }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const versions = results.map((r) => Number(r.body.model_version.version)).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
  });

  it("resolves runs:/ and models:/ sources to storage locations", async () => {
    await ok("POST", "/registered-models/create", { name: "mv-src" });
    const run = await ok("GET", "/runs/get", { run_id: runId });
    await ok("POST", "/model-versions/create", {
      name: "mv-src",
      source: `runs:/${runId}/model`,
      run_id: runId,
    });
    const uri = await ok("GET", "/model-versions/get-download-uri", { name: "mv-src", version: "1" });
    expect(uri.artifact_uri).toBe(`${run.run.info.artifact_uri}/model`);
    await ok("POST", "/model-versions/create", { name: "mv-src", source: "models:/mv-src/1" });
    const uri2 = await ok("GET", "/model-versions/get-download-uri", { name: "mv-src", version: "2" });
    expect(uri2.artifact_uri).toBe(`${run.run.info.artifact_uri}/model`);
    const v2 = await ok("GET", "/model-versions/get", { name: "mv-src", version: "2" });
    expect(v2.model_version.source).toBe("models:/mv-src/1");
    await fails(
      "POST",
      "/model-versions/create",
      { name: "mv-src", source: "runs:/0123456789abcdef0123456789abcdef/m" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it.each([
    ["dot-dot", "s3://bucket/models/../../secrets"],
    ["encoded dot-dot", "s3://bucket/models/%2e%2e/secrets"],
    ["double-encoded dot-dot", "s3://bucket/models/%252e%252e/secrets"],
    ["NUL byte", "s3://bucket/models/a%00b"],
    ["backslash", "s3://bucket/models\\..\\x"],
    ["runs path traversal", "runs:/RUN/../../etc"],
    ["local path without run", "/etc/passwd"],
    ["file URI without run", "file:///etc/passwd"],
    ["local path outside a proxied run", "/tmp/model"],
  ])("refuses a %s source (CVE shapes)", async (_label, source) => {
    await ok("POST", "/registered-models/create", { name: `mv-cve-${_label}` }).catch(() => undefined);
    const res = await call<Body>("POST", "/model-versions/create", {
      name: `mv-cve-${_label}`,
      source: source.replace("RUN", runId),
      run_id: source.startsWith("/tmp") ? runId : undefined,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    // Nothing was created.
    const search = await ok("GET", "/model-versions/search", { filter: `name = 'mv-cve-${_label}'` });
    expect(search.model_versions ?? []).toEqual([]);
  });

  it("updates descriptions and tags; a deleted version is invisible and redacted", async () => {
    await ok("POST", "/registered-models/create", { name: "mv-upd" });
    await ok("POST", "/model-versions/create", {
      name: "mv-upd",
      source: "s3://b/m",
      description: "d1",
      tags: [{ key: "k", value: "v" }],
    });
    const up = await ok("PATCH", "/model-versions/update", {
      name: "mv-upd",
      version: "1",
      description: "d2",
    });
    expect(up.model_version.description).toBe("d2");
    await ok("POST", "/model-versions/set-tag", { name: "mv-upd", version: "1", key: "k2", value: "v2" });
    await ok("DELETE", "/model-versions/delete-tag", { name: "mv-upd", version: "1", key: "k" });
    await ok("DELETE", "/model-versions/delete-tag", { name: "mv-upd", version: "1", key: "absent" });
    const got = await ok("GET", "/model-versions/get", { name: "mv-upd", version: "1" });
    expect(got.model_version.tags).toEqual([{ key: "k2", value: "v2" }]);
    await fails(
      "POST",
      "/model-versions/set-tag",
      { name: "mv-upd", version: "9", key: "k", value: "v" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await ok("DELETE", "/model-versions/delete", { name: "mv-upd", version: "1" });
    await fails(
      "DELETE",
      "/model-versions/delete",
      { name: "mv-upd", version: "1" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    const model = await ok("GET", "/registered-models/get", { name: "mv-upd" });
    expect(model.registered_model.latest_versions).toBeUndefined();
  });
});

describe("stages and aliases", () => {
  it("transitions stages case-insensitively and archives existing versions on request", async () => {
    await ok("POST", "/registered-models/create", { name: "st" });
    for (let i = 0; i < 3; i++)
      await ok("POST", "/model-versions/create", { name: "st", source: "s3://b/m" });
    const t1 = await ok("POST", "/model-versions/transition-stage", {
      name: "st",
      version: "1",
      stage: "production",
    });
    expect(t1.model_version.current_stage).toBe("Production");
    await ok("POST", "/model-versions/transition-stage", { name: "st", version: "2", stage: "STAGING" });
    const t3 = await ok("POST", "/model-versions/transition-stage", {
      name: "st",
      version: "3",
      stage: "Production",
      archive_existing_versions: true,
    });
    expect(t3.model_version.current_stage).toBe("Production");
    expect(
      (await ok("GET", "/model-versions/get", { name: "st", version: "1" })).model_version.current_stage,
    ).toBe("Archived");
    // Staging was not touched.
    expect(
      (await ok("GET", "/model-versions/get", { name: "st", version: "2" })).model_version.current_stage,
    ).toBe("Staging");
    const latest = await ok("POST", "/registered-models/get-latest-versions", {
      name: "st",
      stages: ["production"],
    });
    expect(latest.model_versions.map((v: Body) => v.version)).toEqual(["3"]);
    const all = await ok("GET", "/registered-models/get-latest-versions", { name: "st" });
    expect(all.model_versions.map((v: Body) => `${v.current_stage}:${v.version}`).sort()).toEqual([
      "Archived:1",
      "Production:3",
      "Staging:2",
    ]);
    await fails(
      "POST",
      "/model-versions/transition-stage",
      { name: "st", version: "1", stage: "Gold" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    // MLflow answers this with a 500; it is the client's mistake, so we say 400.
    await fails(
      "POST",
      "/model-versions/transition-stage",
      { name: "st", version: "1", stage: "Archived", archive_existing_versions: true },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails(
      "POST",
      "/registered-models/get-latest-versions",
      { name: "st", stages: ["Gold"] },
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("sets, moves, reads and deletes aliases; reserved names are refused", async () => {
    await ok("POST", "/registered-models/create", { name: "al" });
    await ok("POST", "/model-versions/create", { name: "al", source: "s3://b/1" });
    await ok("POST", "/model-versions/create", { name: "al", source: "s3://b/2" });
    await ok("POST", "/registered-models/alias", { name: "al", alias: "champion", version: "1" });
    await ok("POST", "/registered-models/alias", { name: "al", alias: "champion", version: "2" });
    const byAlias = await ok("GET", "/registered-models/alias", { name: "al", alias: "champion" });
    expect(byAlias.model_version.version).toBe("2");
    expect(byAlias.model_version.aliases).toEqual(["champion"]);
    const model = await ok("GET", "/registered-models/get", { name: "al" });
    expect(model.registered_model.aliases).toEqual([{ alias: "champion", version: "2" }]);
    for (const alias of ["latest", "LATEST", "v1", "V12", "bad alias", "a/b"]) {
      await fails(
        "POST",
        "/registered-models/alias",
        { name: "al", alias, version: "1" },
        400,
        "INVALID_PARAMETER_VALUE",
      );
    }
    await fails(
      "POST",
      "/registered-models/alias",
      { name: "al", alias: "x", version: "9" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    // An unknown alias is a 400 in MLflow, not a 404.
    await fails(
      "GET",
      "/registered-models/alias",
      { name: "al", alias: "nope" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await ok("DELETE", "/registered-models/alias", { name: "al", alias: "champion" });
    await ok("DELETE", "/registered-models/alias", { name: "al", alias: "champion" });
    await fails(
      "GET",
      "/registered-models/alias",
      { name: "al", alias: "champion" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    // Deleting a version removes its aliases.
    await ok("POST", "/registered-models/alias", { name: "al", alias: "old", version: "1" });
    await ok("DELETE", "/model-versions/delete", { name: "al", version: "1" });
    const after = await ok("GET", "/registered-models/get", { name: "al" });
    expect(after.registered_model.aliases).toBeUndefined();
  });
});

describe("registry search", () => {
  beforeAll(async () => {
    for (const name of ["srch-alpha", "srch-beta", "srch-Gamma"]) {
      await ok("POST", "/registered-models/create", { name, tags: [{ key: "team", value: name.slice(5) }] });
      await ok("POST", "/model-versions/create", { name, source: `s3://b/${name}`, run_id: runId });
      await ok("POST", "/model-versions/create", { name, source: `s3://b/${name}/2` });
    }
  });

  it("filters registered models by name and tag, ordered by name", async () => {
    const res = await ok("GET", "/registered-models/search", {
      filter: "name LIKE 'srch-%'",
      order_by: ["name DESC"],
    });
    expect(res.registered_models.map((m: Body) => m.name)).toEqual(["srch-beta", "srch-alpha", "srch-Gamma"]);
    const ilike = await ok("GET", "/registered-models/search", { filter: "name ILIKE 'SRCH-g%'" });
    expect(ilike.registered_models.map((m: Body) => m.name)).toEqual(["srch-Gamma"]);
    const tag = await ok("GET", "/registered-models/search", { filter: "tags.team = 'beta'" });
    expect(tag.registered_models.map((m: Body) => m.name)).toEqual(["srch-beta"]);
  });

  it("pages through registered models with tokens", async () => {
    const first = await ok("GET", "/registered-models/search", {
      filter: "name LIKE 'srch-%'",
      max_results: 2,
    });
    expect(first.registered_models).toHaveLength(2);
    expect(first.next_page_token).toBeTruthy();
    const second = await ok("GET", "/registered-models/search", {
      filter: "name LIKE 'srch-%'",
      max_results: 2,
      page_token: first.next_page_token,
    });
    expect(second.registered_models).toHaveLength(1);
    expect(second.next_page_token).toBeUndefined();
    await fails("GET", "/registered-models/search", { max_results: 1001 }, 400, "INVALID_PARAMETER_VALUE");
    await fails(
      "GET",
      "/registered-models/search",
      { page_token: "garbage" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("filters model versions by name, run_id, version number and source", async () => {
    const byName = await ok("GET", "/model-versions/search", {
      filter: "name = 'srch-alpha'",
      order_by: ["version_number ASC"],
    });
    expect(byName.model_versions.map((v: Body) => v.version)).toEqual(["1", "2"]);
    const byRun = await ok("GET", "/model-versions/search", {
      filter: `run_id = '${runId}' AND name LIKE 'srch-%'`,
    });
    expect(byRun.model_versions.map((v: Body) => v.name).sort()).toEqual([
      "srch-Gamma",
      "srch-alpha",
      "srch-beta",
    ]);
    const byIn = await ok("GET", "/model-versions/search", {
      filter: `run_id IN ('${runId}') AND name = 'srch-beta'`,
    });
    expect(byIn.model_versions).toHaveLength(1);
    const byNumber = await ok("GET", "/model-versions/search", {
      filter: "name = 'srch-beta' AND version_number > 1",
    });
    expect(byNumber.model_versions.map((v: Body) => v.version)).toEqual(["2"]);
    const bySource = await ok("GET", "/model-versions/search", {
      filter: "source_path LIKE 's3://b/srch-alpha%'",
    });
    expect(bySource.model_versions).toHaveLength(2);
    await fails(
      "GET",
      "/model-versions/search",
      { filter: "creation_timestamp > 0" },
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await fails("GET", "/model-versions/search", { filter: "name = " }, 400, "INVALID_PARAMETER_VALUE");
    await fails("GET", "/model-versions/search", { max_results: 0 }, 400, "INVALID_PARAMETER_VALUE");
  });
});

describe("file:// sources", () => {
  it("answers a file:// source naming another host with a 400 that says why, not a 500", async () => {
    const local = await startServer({ args: ["--no-serve-artifacts"] });
    try {
      const c = api(local.url);
      const exp = (
        await c<Body>("POST", "/experiments/create", {
          name: "files",
          artifact_location: `file://${local.dir}/art`,
        })
      ).body.experiment_id;
      const run = (await c<Body>("POST", "/runs/create", { experiment_id: exp })).body.run.info;
      expect(run.artifact_uri.startsWith("file://")).toBe(true);
      await c("POST", "/registered-models/create", { name: "files" });
      for (const source of [run.artifact_uri, `${run.artifact_uri}/model`, `${run.artifact_uri}/.`]) {
        const r = await c<Body>("POST", "/model-versions/create", {
          name: "files",
          source,
          run_id: run.run_id,
        });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      }
      for (const source of ["file://123.456.789.123/path/to/source", "file://elsewhere.example/path"]) {
        const r = await c<Body>("POST", "/model-versions/create", {
          name: "files",
          source,
          run_id: run.run_id,
        });
        expect(r.status, JSON.stringify(r.body)).toBe(400);
        expect(r.body.error_code).toBe("INVALID_PARAMETER_VALUE");
        expect(r.body.message).toContain("is not a valid remote uri");
      }
    } finally {
      await local.dispose();
    }
  });
});
