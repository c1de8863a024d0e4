// The Lab that `npm start` serves (app/main.py, started by app/launch.mjs as npm start does): its static
// files go out gzipped to browsers that accept it, content-hashed ones are cached for a year, the page
// and the unhashed files are revalidated; the settings listing and language packs, which every load
// waits for, are answered from what was read before while their files are unchanged (issue 19).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM module without types
import { startLabtrack } from "../../app/launch.mjs";

const ROOT = resolve(import.meta.dirname, "../..");
const IMMUTABLE = "public, max-age=31536000, immutable";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One GET, bytes as sent (fetch would decode gzip and hide what the server did). */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end();
  });
}

interface Lab {
  labBase: string;
  token: string;
  stop(): Promise<void>;
}

let lab: Lab;
let dataDir: string;
let base: string;
let page: Answer;
let pageConfig: {
  fullStaticUrl: string;
  fullLabextensionsUrl: string;
  federated_extensions: { name: string; load: string }[];
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "labtrack-assets-"));
  lab = await startLabtrack({ dataDir, trackingPort: 0, labPort: 0, quiet: true });
  base = lab.labBase.replace(/\/$/, "");
  page = await get(`${base}/lab?token=${lab.token}`);
  const config = /<script id="jupyter-config-data" type="application\/json">(.*?)<\/script>/s.exec(
    page.body.toString(),
  );
  if (!config) throw new Error(`no page config in the Lab's page:\n${page.body}`);
  pageConfig = JSON.parse(config[1] as string);
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const origin = () => new URL(base).origin;

describe("the Lab's assets", () => {
  it("the page is revalidated at every load and names the hashed main script", () => {
    expect(page.status).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-cache");
    expect(page.body.toString()).toMatch(/\/main\.[0-9a-f]{16}\.js"/);
  });

  it("the main script: gzip when accepted, the same bytes as on disk, cached for a year", async () => {
    const name = /\/(main\.[0-9a-f]{16}\.js)"/.exec(page.body.toString())?.[1] as string;
    const onDisk = readFileSync(join(ROOT, "app", "build", "static", name));
    const url = `${origin()}${pageConfig.fullStaticUrl}/${name}`;

    const gz = await get(url, { "accept-encoding": "gzip, deflate" });
    expect(gz.status).toBe(200);
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers["cache-control"]).toBe(IMMUTABLE);
    expect(gz.headers.vary).toBe("Accept-Encoding");
    expect(Number(gz.headers["content-length"])).toBe(gz.body.length);
    expect(gz.body.length).toBeLessThan(onDisk.length / 2);
    expect(gunzipSync(gz.body).equals(onDisk)).toBe(true);

    // A client that does not take gzip (or refuses it) gets the file as is.
    for (const accept of [undefined, "identity", "gzip;q=0"]) {
      const plain = await get(url, accept ? { "accept-encoding": accept } : {});
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.headers["cache-control"]).toBe(IMMUTABLE);
      expect(plain.body.equals(onDisk)).toBe(true);
    }
  });

  it("every chunk and font of the build is served with its cache lifetime; text is gzipped", async () => {
    const files = readdirSync(join(ROOT, "app", "build", "static")).filter((f) => !f.endsWith(".gz"));
    const font = files.find((f) => f.endsWith(".woff2")) as string;
    const chunk = files.find((f) => /^\d+\.[0-9a-f]{16}\.js$/.test(f)) as string;
    expect(font).toBeDefined();
    expect(chunk).toBeDefined();
    const woff2 = await get(`${origin()}${pageConfig.fullStaticUrl}/${font}`, { "accept-encoding": "gzip" });
    expect(woff2.status).toBe(200);
    expect(woff2.headers["content-encoding"]).toBeUndefined(); // compressed already
    expect(woff2.headers["cache-control"]).toBe(IMMUTABLE);
    const js = await get(`${origin()}${pageConfig.fullStaticUrl}/${chunk}`, { "accept-encoding": "gzip" });
    expect(js.headers["cache-control"]).toBe(IMMUTABLE);
    if (readFileSync(join(ROOT, "app", "build", "static", chunk)).length >= 512)
      expect(js.headers["content-encoding"]).toBe("gzip");
  });

  it("Labtrack's federated extension: hashed entry gzipped and immutable, its package.json revalidated", async () => {
    const labtrack = pageConfig.federated_extensions.find((e) => e.name === "labtrack");
    expect(labtrack).toBeDefined();
    const entryUrl = `${origin()}${pageConfig.fullLabextensionsUrl}/labtrack/${labtrack?.load}`;
    const entry = await get(entryUrl, { "accept-encoding": "gzip" });
    expect(entry.status).toBe(200);
    expect(entry.headers["content-encoding"]).toBe("gzip");
    expect(entry.headers["cache-control"]).toBe(IMMUTABLE);
    const onDisk = readFileSync(
      join(ROOT, "python", "labtrack_jupyter", "labextension", labtrack?.load as string),
    );
    expect(gunzipSync(entry.body).equals(onDisk)).toBe(true);

    const pkgUrl = `${origin()}${pageConfig.fullLabextensionsUrl}/labtrack/package.json`;
    const pkg = await get(pkgUrl, { "accept-encoding": "gzip" });
    expect(pkg.status).toBe(200);
    expect(pkg.headers["cache-control"]).toBe("no-cache");
    const etag = pkg.headers.etag as string;
    expect(etag).toBeTruthy();
    const again = await get(pkgUrl, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it("nothing outside the static folders is served", async () => {
    for (const path of ["..%2Fmain.py", "..%2F..%2Fpackage.json", "no-such-file.js"]) {
      const r = await get(`${origin()}${pageConfig.fullStaticUrl}/${path}`);
      expect([403, 404]).toContain(r.status);
    }
  });

  it("settings' ids alone when only the ids are asked for: the same ids as the full listing", async () => {
    const auth = { authorization: `token ${lab.token}` };
    const full = JSON.parse((await get(`${base}/lab/api/settings`, auth)).body.toString());
    const idsAnswer = await get(`${base}/lab/api/settings?ids_only=true`, auth);
    expect(idsAnswer.status).toBe(200);
    const ids = JSON.parse(idsAnswer.body.toString());
    const fullIds = full.settings.map((s: { id: string }) => s.id).sort();
    expect(ids.settings.map((s: { id: string }) => s.id)).toEqual(fullIds);
    expect(fullIds).toContain("labtrack:plugin");
    expect(idsAnswer.body.length).toBeLessThan(JSON.stringify(full).length / 10);
    // Asking without a token is still refused.
    expect((await get(`${base}/lab/api/settings?ids_only=true`)).status).toBe(403);
  });

  it("the settings listing follows a setting written meanwhile", async () => {
    const auth = { authorization: `token ${lab.token}` };
    const labtrackRaw = async () => {
      const full = JSON.parse((await get(`${base}/lab/api/settings`, auth)).body.toString());
      return full.settings.find((s: { id: string }) => s.id === "labtrack:plugin").raw as string;
    };
    const before = await labtrackRaw();
    expect(await labtrackRaw()).toBe(before);
    for (const refreshInterval of [7, 9]) {
      const raw = JSON.stringify({ refreshInterval });
      const put = await new Promise<number>((done, fail) => {
        const req = request(
          `${base}/lab/api/settings/labtrack:plugin`,
          { method: "PUT", headers: { ...auth, "content-type": "application/json" } },
          (res) => {
            res.resume();
            res.on("end", () => done(res.statusCode ?? 0));
          },
        );
        req.on("error", fail);
        req.end(JSON.stringify({ raw }));
      });
      expect(put).toBe(204);
      expect(JSON.parse(await labtrackRaw())).toEqual({ refreshInterval });
    }
  });

  it("language packs: the same answers, asked again", async () => {
    const auth = { authorization: `token ${lab.token}` };
    for (const path of ["translations", "translations/default", "translations/en"]) {
      const first = await get(`${base}/lab/api/${path}`, auth);
      const again = await get(`${base}/lab/api/${path}`, auth);
      expect(first.status).toBe(200);
      expect(again.body.toString()).toBe(first.body.toString());
    }
    const list = JSON.parse((await get(`${base}/lab/api/translations`, auth)).body.toString());
    expect(list.data.en.displayName).toBe("English");
    const en = JSON.parse((await get(`${base}/lab/api/translations/en`, auth)).body.toString());
    expect(en).toEqual({ data: {}, message: "Language pack 'en' not installed!" });
    expect((await get(`${base}/lab/api/translations`)).status).toBe(403);
  });
});
