// Replays requests recorded from a real MLflow 2.17.2 server (../shared/conformance) against ours.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer, testBackend } from "../helpers/server.js";

const CHECK = resolve(import.meta.dirname, "../../../shared/conformance/check.mjs");

describe.skipIf(!existsSync(CHECK))(`MLflow conformance (${testBackend()})`, () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server?.dispose());

  it("passes every recorded case", () => {
    const r = spawnSync(process.execPath, [CHECK, server.url], { encoding: "utf8", timeout: 120_000 });
    expect(r.stdout, r.stderr).toMatch(/\d+ passed, 0 failed/);
    expect(r.status).toBe(0);
  }, 150_000);
});
