// Failed logins lock a user name (from the client they came from), never another user; the lock ends
// by itself after the window or when an admin lifts it; X-Forwarded-For names the client only when it
// comes from a trusted proxy.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { api, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;
const PASSWORD = "pass-word-123";
const basic = (user: string, password = PASSWORD) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.dispose();
});

async function server(args: string[] = []) {
  const s = await startServer({
    args: ["--auth", ...args],
    env: { LABTRACK_ADMIN_USERNAME: "root", LABTRACK_ADMIN_PASSWORD: PASSWORD },
  });
  servers.push(s);
  const as = (user: string, password = PASSWORD, headers: Record<string, string> = {}) =>
    api(s.url)<Body>(
      "GET",
      "/experiments/get",
      { experiment_id: "0" },
      {
        headers: { authorization: basic(user, password), ...headers },
      },
    );
  for (const name of ["alice", "bob"]) {
    const r = await api(s.url)<Body>(
      "POST",
      "/users/create",
      { username: name, password: PASSWORD },
      { headers: { authorization: basic("root") } },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  return { s, as };
}

describe("login limits", () => {
  it("alice's wrong passwords lock alice only: the admin and bob log in from the same address", async () => {
    const { s, as } = await server();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await as("alice", `wrong-${i}`)).status);
    // The default limit: 10 failures of one name from one address in a minute.
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    // bob has never logged in to this server: nothing is cached, his password is checked now.
    expect((await as("bob")).status).toBe(200);
    expect((await as("root")).status).toBe(200);
    const locked = await fetch(`${s.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, {
      headers: { authorization: basic("alice") },
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await locked.json()) as Body).error_code).toBe("REQUEST_LIMIT_EXCEEDED");

    // Only an admin lifts a lock.
    const unlock = (user: string) =>
      api(s.url)<Body>(
        "PATCH",
        "/users/unlock",
        { username: "alice" },
        { headers: { authorization: basic(user) } },
      );
    expect((await unlock("bob")).status).toBe(403);
    expect((await as("alice")).status).toBe(429);
    expect((await unlock("root")).status).toBe(200);
    expect((await as("alice")).status).toBe(200);
  });

  it("a locked name unlocks by itself once the configured window has passed", async () => {
    // A window long enough for three bcrypt checks on a busy machine, short enough for a test.
    const { as } = await server(["--login-max-failures", "3", "--login-window-seconds", "4"]);
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect((await as("alice", `wrong-${i}`)).status).toBe(401);
    expect((await as("alice")).status).toBe(429);
    let status = 429;
    while (status === 429 && Date.now() - started < 20_000) {
      await new Promise((done) => setTimeout(done, 200));
      status = (await as("alice")).status;
    }
    expect(status).toBe(200);
    // Not before the window: the first failure was at or after `started`.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
  });

  it("behind a trusted proxy X-Forwarded-For separates clients; from an untrusted socket it is ignored", async () => {
    const forwarded = (address: string) => ({ "x-forwarded-for": address });
    const trusted = await server([
      "--login-max-failures",
      "3",
      "--trusted-proxies",
      "10.9.0.0/16, 127.0.0.1",
    ]);
    for (let i = 0; i < 3; i++)
      expect((await trusted.as("alice", `wrong-${i}`, forwarded("192.0.2.1"))).status).toBe(401);
    expect((await trusted.as("alice", PASSWORD, forwarded("192.0.2.1"))).status).toBe(429);
    // An address the client wrote in front of the proxy's entry changes nothing.
    expect((await trusted.as("alice", PASSWORD, forwarded("192.0.2.2, 192.0.2.1"))).status).toBe(429);
    // A trusted hop between client and proxy is skipped: the client is still 192.0.2.1.
    expect((await trusted.as("alice", PASSWORD, forwarded("192.0.2.1, 10.9.1.1"))).status).toBe(429);
    // alice at another client, and the proxy's own address, are not locked.
    expect((await trusted.as("alice", PASSWORD, forwarded("192.0.2.2"))).status).toBe(200);
    expect((await trusted.as("alice", PASSWORD)).status).toBe(200);

    const untrusted = await server(["--login-max-failures", "3", "--trusted-proxies", "10.9.0.0/16"]);
    for (let i = 0; i < 3; i++)
      expect((await untrusted.as("alice", `wrong-${i}`, forwarded("192.0.2.1"))).status).toBe(401);
    // The socket (127.0.0.1) is no trusted proxy: every X-Forwarded-For is the same client.
    expect((await untrusted.as("alice", PASSWORD, forwarded("192.0.2.2"))).status).toBe(429);
    expect((await untrusted.as("bob", PASSWORD, forwarded("192.0.2.1"))).status).toBe(200);
  });

  it.each([
    [["--trusted-proxies", "10.0.0.0/33"], /--trusted-proxies.*10\.0\.0\.0\/33/],
    [["--trusted-proxies", "proxy.local"], /--trusted-proxies.*proxy\.local/],
    [["--login-max-failures", "0"], /--login-max-failures/],
    [["--login-window-seconds", "1.5"], /--login-window-seconds/],
  ])("refuses %j at start", async (args, message) => {
    await expect(startServer({ args: ["--auth", ...args] })).rejects.toThrow(message);
  });
});

describe("the admin password from the environment", () => {
  it("creates the first admin only; a changed one is said on start, not applied", async () => {
    const first = await startServer({
      args: ["--auth"],
      env: { LABTRACK_ADMIN_USERNAME: "root", LABTRACK_ADMIN_PASSWORD: PASSWORD },
    });
    expect(first.startupOutput).not.toContain("LABTRACK_ADMIN_PASSWORD");
    await first.stop();
    const again = await startServer({
      dir: first.dir,
      args: ["--auth"],
      env: { LABTRACK_ADMIN_USERNAME: "root", LABTRACK_ADMIN_PASSWORD: "another-password" },
    });
    servers.push(again, first);
    expect(again.startupOutput).toContain(
      "LABTRACK_ADMIN_PASSWORD is not root's password in the database and is not applied",
    );
    const get = (password: string) =>
      api(again.url)<Body>(
        "GET",
        "/experiments/get",
        { experiment_id: "0" },
        {
          headers: { authorization: basic("root", password) },
        },
      );
    expect((await get(PASSWORD)).status).toBe(200);
    expect((await get("another-password")).status).toBe(401);

    // The rotation the line points to: a password piped on stdin, in force on the running server.
    const set = spawnSync(
      process.execPath,
      [BIN, "users", "set-password", "--username", "root", "--backend-store-uri", again.backendStoreUri],
      { input: "another-password\n", encoding: "utf8", timeout: 60_000 },
    );
    expect(set.status, set.stderr).toBe(0);
    await expect.poll(async () => (await get("another-password")).status, { timeout: 10_000 }).toBe(200);
    expect((await get(PASSWORD)).status).toBe(401);
  });
});
