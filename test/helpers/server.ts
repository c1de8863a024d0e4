// Starts the real `labtrack server` process from the CLI on a free port with a fresh store: a SQLite
// file, or — when LABTRACK_TEST_BACKEND=postgres — a database of its own in the test run's PostgreSQL
// cluster (test/setup/postgres.ts). A server restarted on the same `dir` finds the same data.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { inject } from "vitest";
import { psqlAt } from "./postgres.js";

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");

export interface RunningServer {
  url: string;
  dir: string;
  dbFile: string;
  /** The `--backend-store-uri` the server was started with. */
  backendStoreUri: string;
  process: ChildProcess;
  /** What the server printed up to its `listening at` line. */
  startupOutput: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops the process and removes its data directory. */
  dispose(): Promise<void>;
}

export async function startServer(
  options: { dir?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "labtrack-test-"));
  const dbFile = join(dir, "labtrack.db");
  const backend = storeFor(dir);
  const child = spawn(
    process.execPath,
    [
      BIN,
      "server",
      "--port",
      "0",
      "--backend-store-uri",
      backend.uri,
      "--data-dir",
      dir,
      ...(options.args ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } },
  );
  let output = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening at (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1] as string);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const stop = (signal: NodeJS.Signals = "SIGTERM") =>
    new Promise<number | null>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
      child.once("exit", (code) => done(code));
      child.kill(signal);
    });
  return {
    url,
    dir,
    dbFile,
    backendStoreUri: backend.uri,
    process: child,
    startupOutput: output,
    stop,
    async dispose() {
      await stop();
      if (!options.dir) {
        rmSync(dir, { recursive: true, force: true });
        backend.drop();
      }
    },
  };
}

export const testBackend = (): "sqlite" | "postgres" =>
  process.env.LABTRACK_TEST_BACKEND === "postgres" ? "postgres" : "sqlite";

function storeFor(dir: string): { uri: string; drop(): void } {
  if (testBackend() === "sqlite")
    return { uri: `sqlite:///${join(dir, "labtrack.db")}`, drop: () => undefined };
  const port = inject("pgPort");
  const database = `lt_${basename(dir)
    .replace(/[^a-zA-Z0-9]/g, "_")
    .toLowerCase()}`;
  try {
    psqlAt(port, `CREATE DATABASE "${database}"`);
  } catch (e) {
    if (!/already exists/.test(String(e))) throw e;
  }
  return {
    uri: `postgresql://postgres@127.0.0.1:${port}/${database}`,
    drop: () => psqlAt(port, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  };
}

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** Calls the MLflow API: GET sends `query` as query parameters, other methods a JSON body. */
export function api(base: string) {
  return async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    payload?: Record<string, unknown>,
    { prefix = "/api/2.0/mlflow", headers = {} }: { prefix?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResult<T>> {
    let url = `${base}${prefix}${path}`;
    const init: RequestInit = { method, headers: { ...headers } };
    if (method === "GET" && payload) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(payload)) {
        for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
      }
      url += `?${q}`;
    } else if (payload !== undefined) {
      init.headers = { ...headers, "content-type": "application/json" };
      init.body = JSON.stringify(payload);
    }
    const res = await fetch(url, init);
    const text = await res.text();
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = { raw: text } as T;
    }
    return { status: res.status, body };
  };
}

type Body = Record<string, any>;

/** `ok` asserts a 200 and returns the body; `fails` asserts MLflow's error shape and returns the message. */
export function checkers(
  client: () => ReturnType<typeof api>,
  expect: (value: unknown, message?: string) => any,
) {
  const ok = async (
    method: string,
    path: string,
    payload?: Body,
    prefix = "/api/2.0/mlflow",
  ): Promise<Body> => {
    const r = await client()<Body>(method, path, payload, { prefix });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const fails = async (
    method: string,
    path: string,
    payload: Body | undefined,
    status: number,
    code: string,
  ) => {
    const r = await client()<Body>(method, path, payload);
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.error_code).toBe(code);
    expect(typeof r.body.message).toBe("string");
    return r.body.message as string;
  };
  return { ok, fails };
}
