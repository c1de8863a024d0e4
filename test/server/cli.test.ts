// The `labtrack server` command as users run it.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServer } from "../helpers/server.js";

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");
const dir = mkdtempSync(join(tmpdir(), "labtrack-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000, cwd: dir });

describe("labtrack CLI", () => {
  it("prints help and version", () => {
    const help = run("server", "--help");
    expect(help.status).toBe(0);
    for (const flag of ["--backend-store-uri", "--default-artifact-root", "--host", "--port", "--workers"]) {
      expect(help.stdout).toContain(flag);
    }
    const version = run("--version");
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("refuses a bad store URI, a bad port and an unwritable path with one clear line", () => {
    const bad = run("server", "--backend-store-uri", "foo://x");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain("unsupported --backend-store-uri 'foo://x'");
    const port = run("server", "--port", "99999");
    expect(port.status).not.toBe(0);
    expect(port.stderr).toContain("invalid --port");
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const unwritable = run("server", "--backend-store-uri", `sqlite:///${file}/sub/db.sqlite`);
    expect(unwritable.status).not.toBe(0);
    expect(unwritable.stderr).toContain("cannot write the database");
    const pg = run("server", "--backend-store-uri", "postgresql://nobody@127.0.0.1:1/none", "--db-wait", "0");
    expect(pg.status).not.toBe(0);
    expect(pg.stderr).toContain("cannot open the database at postgresql://nobody@127.0.0.1:1/none");
  });

  it("says so when the port is in use", async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, "127.0.0.1", done));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const busy = spawnSync(process.execPath, [BIN, "server", "--port", String(port), "--data-dir", dir], {
      encoding: "utf8",
      timeout: 20_000,
    });
    blocker.close();
    expect(busy.status).not.toBe(0);
    expect(busy.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
  });

  it.each(["SIGINT", "SIGTERM"] as const)("shuts down cleanly on %s and keeps its data", async (signal) => {
    const data = mkdtempSync(join(tmpdir(), "labtrack-sig-"));
    const server = await startServer({ dir: data });
    const created = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: `kept-${signal}` }),
    });
    expect(created.status).toBe(200);
    expect(await server.stop(signal)).toBe(0);
    // Restarting migrates nothing twice and finds the data.
    const again = await startServer({ dir: data });
    const got = await fetch(
      `${again.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=kept-${signal}`,
    );
    expect(got.status).toBe(200);
    await again.dispose();
    rmSync(data, { recursive: true, force: true });
  });

  it("accepts a bare database path", async () => {
    const child = spawn(process.execPath, [BIN, "server", "--port", "0", "--backend-store-uri", "bare.db"], {
      cwd: dir,
    });
    const line = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error("no output")), 15_000);
      child.stdout.on("data", (b: Buffer) => {
        clearTimeout(timer);
        done(b.toString());
      });
    });
    child.kill("SIGTERM");
    expect(line).toMatch(/listening at http:\/\/127\.0\.0\.1:\d+/);
  });
});
