// The artifact proxy against the real server process, on a local directory and on a real
// S3-compatible server.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Server, startS3 } from "../helpers/s3.js";
import { api, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;

/** A request with the path exactly as given: no client-side normalisation of `..` or `%2e`. */
function raw(
  base: string,
  method: string,
  path: string,
  body?: Buffer | Readable,
  headers: Record<string, string> = {},
) {
  const url = new URL(base);
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on("error", reject);
      if (body instanceof Readable) body.pipe(req);
      else req.end(body);
    },
  );
}

const json = (r: { body: Buffer }) => JSON.parse(r.body.toString()) as Body;
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

let s3: S3Server;
const local = mkdtempSync(join(tmpdir(), "labtrack-artifacts-"));
beforeAll(async () => {
  s3 = await startS3("labtrack-test");
});
afterAll(async () => {
  await s3?.stop();
  rmSync(local, { recursive: true, force: true });
});

describe.each([
  { name: "local directory", destination: () => join(local, "store"), env: () => ({}) },
  { name: "S3", destination: () => "s3://labtrack-test/team/artifacts", env: () => s3.env },
])("artifact proxy on $name", ({ name, destination, env }) => {
  let server: RunningServer;
  let runId: string;
  let root: string;

  beforeAll(async () => {
    server = await startServer({ args: ["--artifacts-destination", destination()], env: env() });
    const run = await api(server.url)<Body>("POST", "/runs/create", { experiment_id: "0" });
    runId = run.body.run.info.run_id;
    expect(run.body.run.info.artifact_uri).toBe(`mlflow-artifacts:/0/${runId}/artifacts`);
    root = `0/${runId}/artifacts`;
  });
  afterAll(async () => server?.dispose());

  it("uploads, lists, downloads with a content type, and deletes", async () => {
    const put = await raw(
      server.url,
      "PUT",
      `${ARTIFACTS}/${root}/model/MLmodel`,
      Buffer.from("flavors: {}\n"),
      {
        "content-type": "application/octet-stream",
      },
    );
    expect(put.status, put.body.toString()).toBe(200);
    expect(json(put)).toEqual({});
    await raw(server.url, "PUT", `${ARTIFACTS}/${root}/metrics.json`, Buffer.from('{"a":1}'));
    await raw(server.url, "PUT", `${ARTIFACTS}/${root}/plot.png`, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await raw(
      server.url,
      "PUT",
      `${ARTIFACTS}/${root}/report.html`,
      Buffer.from("<script>alert(1)</script>"),
    );
    await raw(
      server.url,
      "PUT",
      `${ARTIFACTS}/${root}/${encodeURIComponent("ünï name.txt")}`,
      Buffer.from("x"),
    );

    const listing = json(await raw(server.url, "GET", `${ARTIFACTS}?path=${encodeURIComponent(root)}`));
    expect(listing.files).toEqual([
      { path: "metrics.json", is_dir: false, file_size: 7 },
      { path: "model", is_dir: true },
      { path: "plot.png", is_dir: false, file_size: 4 },
      { path: "report.html", is_dir: false, file_size: 25 },
      { path: "ünï name.txt", is_dir: false, file_size: 1 },
    ]);
    const runList = await api(server.url)<Body>("GET", "/artifacts/list", { run_id: runId, path: "model" });
    expect(runList.body).toEqual({
      root_uri: `mlflow-artifacts:/0/${runId}/artifacts`,
      files: [{ path: "model/MLmodel", is_dir: false, file_size: 12 }],
    });
    expect(
      (await api(server.url)<Body>("GET", "/artifacts/list", { run_id: runId, path: "nope" })).body,
    ).toEqual({
      root_uri: `mlflow-artifacts:/0/${runId}/artifacts`,
    });

    const png = await raw(server.url, "GET", `${ARTIFACTS}/${root}/plot.png`);
    expect(png.headers["content-type"]).toBe("image/png");
    expect(png.headers["x-content-type-options"]).toBe("nosniff");
    expect(png.headers["content-disposition"]).toContain('filename="plot.png"');
    const html = await raw(server.url, "GET", `${ARTIFACTS}/${root}/report.html`);
    expect(html.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(html.headers["content-security-policy"]).toBe("sandbox");
    expect((await raw(server.url, "GET", `${ARTIFACTS}/${root}/metrics.json`)).headers["content-type"]).toBe(
      "application/json; charset=utf-8",
    );
    const ui = await raw(server.url, "GET", `/get-artifact?run_id=${runId}&path=model/MLmodel`);
    expect(ui.body.toString()).toBe("flavors: {}\n");

    const missing = await raw(server.url, "GET", `${ARTIFACTS}/${root}/missing.txt`);
    expect(missing.status).toBe(404);
    expect(json(missing).error_code).toBe("RESOURCE_DOES_NOT_EXIST");

    expect((await raw(server.url, "DELETE", `${ARTIFACTS}/${root}/model`)).status).toBe(200);
    const after = json(await raw(server.url, "GET", `${ARTIFACTS}?path=${encodeURIComponent(root)}`));
    expect(after.files.map((f: Body) => f.path)).not.toContain("model");
  });

  it("accepts UI uploads up to 10 MB", async () => {
    const ok = await raw(
      server.url,
      "POST",
      `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=ui/note.txt`,
      Buffer.from("hi"),
    );
    expect(ok.status, ok.body.toString()).toBe(200);
    const got = await raw(server.url, "GET", `${ARTIFACTS}/${root}/ui/note.txt`);
    expect(got.body.toString()).toBe("hi");
    const empty = await raw(
      server.url,
      "POST",
      `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=ui/e.txt`,
      Buffer.alloc(0),
    );
    expect(empty.status).toBe(400);
    const big = await raw(
      server.url,
      "POST",
      `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=ui/big.bin`,
      Buffer.alloc(10 * 1024 * 1024 + 1),
    );
    expect(big.status).toBe(400);
    const noRun = await raw(
      server.url,
      "POST",
      `/ajax-api/2.0/mlflow/upload-artifact?path=x.txt`,
      Buffer.from("x"),
    );
    expect(noRun.status).toBe(400);
  });

  // The path-traversal shapes of MLflow's CVEs, on every route that takes a path.
  const ATTACKS = [
    "../../../etc/passwd",
    "a/../../b",
    "%2e%2e/%2e%2e/etc/passwd",
    "%2E%2E%2Fx",
    "%252e%252e%252fetc",
    "..%2fsecret",
    "a%5c..%5c..%5cb",
    "a\\..\\b",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "C:%5cwindows",
    "a%00.txt",
    "./x",
  ];

  it.each(ATTACKS)("refuses the traversal %s on every route", async (attack) => {
    const expect400 = (r: { status: number; body: Buffer }) => {
      expect(r.status, r.body.toString()).toBe(400);
      expect(json(r).error_code).toBe("INVALID_PARAMETER_VALUE");
    };
    expect400(await raw(server.url, "PUT", `${ARTIFACTS}/${attack}`, Buffer.from("pwned")));
    expect400(await raw(server.url, "GET", `${ARTIFACTS}/${attack}`));
    expect400(await raw(server.url, "DELETE", `${ARTIFACTS}/${attack}`));
    expect400(await raw(server.url, "GET", `${ARTIFACTS}?path=${attack}`));
    expect400(await raw(server.url, "GET", `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${attack}`));
    expect400(await raw(server.url, "GET", `/get-artifact?run_id=${runId}&path=${attack}`));
    expect400(
      await raw(
        server.url,
        "POST",
        `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=${attack}`,
        Buffer.from("x"),
      ),
    );
  });

  if (name === "local directory") {
    it("refuses symlinks that lead outside the root", async () => {
      const outside = join(local, "outside");
      mkdirSync(outside, { recursive: true });
      writeFileSync(join(outside, "secret.txt"), "secret");
      const inside = join(destination(), root);
      mkdirSync(inside, { recursive: true });
      symlinkSync(outside, join(inside, "escape"));
      const read = await raw(server.url, "GET", `${ARTIFACTS}/${root}/escape/secret.txt`);
      expect(read.status).toBe(400);
      expect(read.body.toString()).not.toContain('secret"');
      const write = await raw(server.url, "PUT", `${ARTIFACTS}/${root}/escape/new.txt`, Buffer.from("x"));
      expect(write.status).toBe(400);
      const list = await raw(server.url, "GET", `${ARTIFACTS}?path=${root}/escape`);
      expect(list.status).toBe(400);
      expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
    });

    it("answers multipart requests with MLflow's 501 on a local store", async () => {
      const r = await raw(
        server.url,
        "POST",
        `/api/2.0/mlflow-artifacts/mpu/create/${root}`,
        Buffer.from('{"path":"f.bin","num_parts":2}'),
        {
          "content-type": "application/json",
        },
      );
      expect(r.status).toBe(501);
      expect(json(r).message).toMatch(
        /^Multipart upload is not supported for the current artifact repository/,
      );
    });
  } else {
    it("uploads in parts straight to S3 through presigned URLs", async () => {
      const part1 = Buffer.alloc(5 * 1024 * 1024, 1);
      const part2 = Buffer.from("tail");
      const created = json(
        await raw(
          server.url,
          "POST",
          `/api/2.0/mlflow-artifacts/mpu/create/${root}/big`,
          Buffer.from('{"path":"f.bin","num_parts":2}'),
          {
            "content-type": "application/json",
          },
        ),
      );
      expect(created.credentials).toHaveLength(2);
      const parts = [];
      for (const [i, data] of [part1, part2].entries()) {
        const res = await fetch(created.credentials[i].url, { method: "PUT", body: data });
        expect(res.status).toBe(200);
        parts.push({ part_number: i + 1, etag: res.headers.get("etag") });
      }
      const done = await raw(
        server.url,
        "POST",
        `/api/2.0/mlflow-artifacts/mpu/complete/${root}/big`,
        Buffer.from(JSON.stringify({ path: "f.bin", upload_id: created.upload_id, parts })),
        { "content-type": "application/json" },
      );
      expect(done.status, done.body.toString()).toBe(200);
      const got = await raw(server.url, "GET", `${ARTIFACTS}/${root}/big/f.bin`);
      expect(got.body.length).toBe(part1.length + part2.length);
      expect(got.body.subarray(-4).toString()).toBe("tail");
      const aborted = await raw(
        server.url,
        "POST",
        `/api/2.0/mlflow-artifacts/mpu/create/${root}/big`,
        Buffer.from('{"path":"g.bin"}'),
        {
          "content-type": "application/json",
        },
      );
      const abort = await raw(
        server.url,
        "POST",
        `/api/2.0/mlflow-artifacts/mpu/abort/${root}/big`,
        Buffer.from(JSON.stringify({ path: "g.bin", upload_id: json(aborted).upload_id })),
        { "content-type": "application/json" },
      );
      // s3rver has no AbortMultipartUpload (real S3 has): the store's refusal reaches the client as
      // MLflow's NOT_IMPLEMENTED with the reason, not as a bare 500.
      expect([200, 501]).toContain(abort.status);
      if (abort.status === 501) expect(json(abort).message).toContain("artifact store does not support");
    });
  }

  it("streams a large file both ways with flat server memory", async () => {
    const size = 256 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const hwm = () => {
      const status = readFileSync(`/proc/${server.process.pid}/status`, "utf8");
      return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
    };
    const before = hwm();
    const body = Readable.from(
      (function* () {
        for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
      })(),
    );
    const put = await raw(server.url, "PUT", `${ARTIFACTS}/${root}/large.bin`, body, {
      "content-length": String(size),
    });
    expect(put.status, put.body.toString()).toBe(200);
    const hash = createHash("sha256");
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const url = new URL(server.url);
      http
        .get({ host: url.hostname, port: url.port, path: `${ARTIFACTS}/${root}/large.bin` }, (res) => {
          res.on("data", (c: Buffer) => {
            received += c.length;
            hash.update(c);
          });
          res.on("end", resolve);
        })
        .on("error", reject);
    });
    expect(received).toBe(size);
    const expected = createHash("sha256");
    for (let sent = 0; sent < size; sent += chunk.length) expected.update(chunk);
    expect(hash.digest("hex")).toBe(expected.digest("hex"));
    // The server never held the file: its peak memory grew by far less than the file's size (256 MB;
    // the S3 SDK keeps a few 5 MB parts in flight and V8 collects garbage lazily: 35–75 MB measured).
    expect(hwm() - before).toBeLessThan(120);
  }, 120_000);
});

describe("without --serve-artifacts", () => {
  it("answers the proxy routes with a clear 503 and gives runs a direct artifact location", async () => {
    const server = await startServer({ args: ["--no-serve-artifacts"] });
    try {
      const r = await raw(server.url, "GET", `${ARTIFACTS}?path=x`);
      expect(r.status).toBe(503);
      expect(json(r).message).toContain("does not serve artifacts");
      const run = await api(server.url)<Body>("POST", "/runs/create", {});
      expect(run.body.run.info.artifact_uri).toMatch(/^\/.*\/artifacts\/0\/[0-9a-f]{32}\/artifacts$/);
      const list = await api(server.url)<Body>("GET", "/artifacts/list", {
        run_id: run.body.run.info.run_id,
      });
      expect(list.status).toBe(200);
    } finally {
      await server.dispose();
    }
  });
});
