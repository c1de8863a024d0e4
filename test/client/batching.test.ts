// The batching queue end to end (Tracker → queue → RestClient → Transport → HTTP) against a real local
// server that fails on purpose.
import { afterEach, describe, expect, it } from "vitest";
import { RejectedDataError, Tracker, UnsentDataError } from "../../src/client/index.js";
import { type FailingServer, type ReceivedBatch, startFailingServer } from "./failing-server.js";

const RUN = "a".repeat(32);
const OTHER = "b".repeat(32);

let server: FailingServer | undefined;
const trackers: Tracker[] = [];

afterEach(async () => {
  for (const t of trackers.splice(0)) t.close();
  await server?.close();
  server = undefined;
});

function tracker(url: string, extra: ConstructorParameters<typeof Tracker>[0] = {}): Tracker {
  const t = new Tracker({
    trackingUri: url,
    env: {},
    retries: 3,
    backoffMs: 5,
    maxBackoffMs: 50,
    exitHook: false,
    ...extra,
  });
  trackers.push(t);
  return t;
}

const metricsOf = (batches: ReceivedBatch[], runId = RUN) =>
  batches.filter((b) => b.runId === runId).flatMap((b) => b.metrics);

function expectWithinLimits(batches: ReceivedBatch[]) {
  for (const b of batches) {
    expect(b.metrics.length).toBeLessThanOrEqual(1000);
    expect(b.params.length).toBeLessThanOrEqual(100);
    expect(b.tags.length).toBeLessThanOrEqual(100);
    expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(1000);
  }
}

describe("batching", () => {
  it("sends everything once, in order, within MLflow's limits, one batch at a time", async () => {
    server = await startFailingServer();
    const t = tracker(server.url);
    for (let i = 0; i < 2500; i++) {
      t.logMetric("loss", i / 10, i, { runId: RUN });
      if (i % 10 === 0) t.logParam(`p${i}`, i, { runId: RUN });
      if (i % 20 === 0) t.setTag(`t${i}`, `v${i}`, { runId: RUN });
    }
    await t.flush();
    expect(t.pending).toBe(0);
    expectWithinLimits(server.batches);
    expect(server.maxInFlight).toBe(1);
    expect(metricsOf(server.batches).map((m) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    const params = server.batches.flatMap((b) => b.params);
    expect(params.map((p) => p.key)).toEqual(Array.from({ length: 250 }, (_, i) => `p${i * 10}`));
    expect(params[3]).toEqual({ key: "p30", value: "30" });
    expect(server.batches.flatMap((b) => b.tags)).toHaveLength(125);
    // 2500 metrics + 250 params + 125 tags: 250 params need at least 3 batches, 2875 values at least 3.
    expect(server.batches.length).toBeGreaterThanOrEqual(3);
    expect(server.batches.length).toBeLessThanOrEqual(6);
  });

  it("keeps per-run batches and the last value of a tag set twice", async () => {
    server = await startFailingServer();
    const t = tracker(server.url);
    t.setTag("phase", "one", { runId: RUN });
    t.logMetric("m", 1, 0, { runId: OTHER });
    t.setTag("phase", "two", { runId: RUN });
    t.setTag("phase", "three", { runId: RUN });
    await t.flush();
    expect(server.batches.every((b) => b.runId === RUN || b.runId === OTHER)).toBe(true);
    const phases = server.batches.filter((b) => b.runId === RUN).flatMap((b) => b.tags.map((x) => x.value));
    expect(phases).toEqual(["one", "two", "three"]);
    for (const b of server.batches) expect(new Set(b.tags.map((x) => x.key)).size).toBe(b.tags.length);
  });

  it("sends non-finite values as MLflow's strings", async () => {
    server = await startFailingServer();
    const t = tracker(server.url);
    t.logMetric("x", Number.NaN, 0, { runId: RUN });
    t.logMetric("x", Number.POSITIVE_INFINITY, 1, { runId: RUN });
    t.logMetric("x", Number.NEGATIVE_INFINITY, 2, { runId: RUN, timestamp: 123 });
    await t.flush();
    const ms = metricsOf(server.batches);
    expect(ms.map((m) => m.value)).toEqual(["NaN", "Infinity", "-Infinity"]);
    expect(ms[2]?.timestamp).toBe(123);
  });

  it("flushes in the background: at 1000 values at once, and below that on a timer", async () => {
    server = await startFailingServer();
    const t = tracker(server.url, { flushIntervalMs: 10_000 });
    for (let i = 0; i < 1000; i++) t.logMetric("m", i, i, { runId: RUN });
    await expect.poll(() => metricsOf(server!.batches).length, { timeout: 5000 }).toBe(1000);

    const timed = tracker(server.url, { flushIntervalMs: 50 });
    timed.logMetric("m", 1, 0, { runId: OTHER });
    await expect.poll(() => metricsOf(server!.batches, OTHER).length, { timeout: 5000 }).toBe(1);
  });

  it("retries 503s and connection resets without losing or duplicating data", async () => {
    server = await startFailingServer();
    server.script = (_b, n) => (n % 3 === 0 ? { status: 503 } : n % 3 === 1 ? "reset" : "ok");
    const t = tracker(server.url);
    for (let i = 0; i < 3000; i++) t.logMetric("m", i, i, { runId: RUN });
    await t.flush();
    expect(metricsOf(server.batches).map((m) => m.step)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(server.requests).toBe(9);
  });

  it("waits for Retry-After on 429", async () => {
    server = await startFailingServer();
    server.script = (_b, n) =>
      n === 0
        ? { status: 429, headers: { "retry-after": "1" }, body: { error_code: "REQUEST_LIMIT_EXCEEDED" } }
        : "ok";
    const t = tracker(server.url, { maxBackoffMs: 5000 });
    t.logMetric("m", 1, 0, { runId: RUN });
    const start = performance.now();
    await t.flush();
    expect(performance.now() - start).toBeGreaterThanOrEqual(900);
    expect(metricsOf(server.batches)).toHaveLength(1);
  });

  it("reports an UnsentDataError while the server stays down, keeps the data, and sends it later", async () => {
    server = await startFailingServer();
    let down = true;
    server.script = () => (down ? { status: 503 } : "ok");
    const t = tracker(server.url);
    for (let i = 0; i < 1500; i++) t.logMetric("m", i, i, { runId: RUN });
    t.logParam("lr", 0.1, { runId: RUN });
    t.setTag("k", "v", { runId: RUN });
    const error = await t.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsentDataError);
    expect((error as UnsentDataError).unsent).toEqual({ metrics: 1500, params: 1, tags: 1 });
    expect((error as UnsentDataError).message).toMatch(/1500 metric\(s\), 1 param\(s\), 1 tag\(s\) not sent/);
    expect(t.pending).toBe(1502);
    // Still down: still an error, nothing dropped.
    await expect(t.flush()).rejects.toBeInstanceOf(UnsentDataError);
    expect(t.pending).toBe(1502);

    down = false;
    await t.flush();
    expect(t.pending).toBe(0);
    expect(metricsOf(server.batches).map((m) => m.step)).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    expect(server.batches.flatMap((b) => b.params)).toEqual([{ key: "lr", value: "0.1" }]);
  });

  it("survives a server that is gone entirely and comes back on the same port", async () => {
    server = await startFailingServer();
    const port = server.port;
    const t = tracker(server.url);
    t.logMetric("m", 1, 0, { runId: RUN });
    await t.flush();
    await server.close();
    for (let i = 1; i <= 10; i++) t.logMetric("m", i, i, { runId: RUN });
    const error = await t.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsentDataError);
    expect((error as Error).message).toMatch(/Cannot reach the tracking server/);
    expect((error as UnsentDataError).unsent.metrics).toBe(10);

    server = await startFailingServer(port);
    await t.flush();
    expect(metricsOf(server.batches).map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("sets aside only a value the server refuses, and reports it once", async () => {
    server = await startFailingServer();
    server.script = (b) =>
      b.params.some((p) => p.key === "bad")
        ? {
            status: 400,
            body: { error_code: "INVALID_PARAMETER_VALUE", message: "Changing param values is not allowed" },
          }
        : "ok";
    const t = tracker(server.url);
    for (let i = 0; i < 600; i++) {
      t.logMetric("m", i, i, { runId: RUN });
      if (i === 300) t.logParam("bad", "x", { runId: RUN });
      if (i === 301) t.logParam("good", "y", { runId: RUN });
    }
    const error = await t.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedDataError);
    expect((error as RejectedDataError).rejected).toEqual({ metrics: 0, params: 1, tags: 0 });
    expect((error as Error).message).toMatch(/Changing param values/);
    expect(metricsOf(server.batches).map((m) => m.step)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(server.batches.flatMap((b) => b.params)).toEqual([{ key: "good", value: "y" }]);
    // Reported once; the next flush is clean.
    await t.flush();
  });

  it("drops the queued data of a run the server does not know, and keeps other runs'", async () => {
    server = await startFailingServer();
    server.script = (b) =>
      b.runId === OTHER
        ? {
            status: 404,
            body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: `Run '${OTHER}' not found` },
          }
        : "ok";
    const t = tracker(server.url);
    for (let i = 0; i < 50; i++) {
      t.logMetric("m", i, i, { runId: OTHER });
      t.logMetric("m", i, i, { runId: RUN });
    }
    const error = await t.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedDataError);
    expect((error as RejectedDataError).rejected.metrics).toBe(50);
    expect(metricsOf(server.batches)).toHaveLength(50);
    // One refused request for the whole run, not one per value.
    expect(server.requests).toBeLessThan(60);
  });

  it("keeps the data when the server refuses the credentials", async () => {
    server = await startFailingServer();
    let allowed = false;
    server.script = () =>
      allowed ? "ok" : { status: 401, body: { error_code: "UNAUTHENTICATED", message: "who are you" } };
    const t = tracker(server.url);
    t.logMetric("m", 1, 0, { runId: RUN });
    await expect(t.flush()).rejects.toBeInstanceOf(UnsentDataError);
    allowed = true;
    await t.flush();
    expect(metricsOf(server.batches)).toHaveLength(1);
  });

  it("sends MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and _PASSWORD", async () => {
    server = await startFailingServer();
    const withToken = tracker(server.url, { env: { MLFLOW_TRACKING_TOKEN: "s3cret" } });
    withToken.logMetric("m", 1, 0, { runId: RUN });
    await withToken.flush();
    expect(server.batches[0]?.authorization).toBe("Bearer s3cret");

    const basic = tracker(server.url, {
      env: { MLFLOW_TRACKING_USERNAME: "ada", MLFLOW_TRACKING_PASSWORD: "pässword" },
    });
    basic.logMetric("m", 1, 0, { runId: RUN });
    await basic.flush();
    expect(server.batches[1]?.authorization).toBe(`Basic ${Buffer.from("ada:pässword").toString("base64")}`);
  });

  it("logMetric only enqueues", async () => {
    // No server at all: logging must neither throw nor wait.
    const t = tracker("http://127.0.0.1:9", { flushIntervalMs: 60_000 });
    const start = performance.now();
    for (let i = 0; i < 100_000; i++) t.logMetric("m", i, i, { runId: RUN });
    const ms = performance.now() - start;
    expect(t.pending).toBe(100_000);
    // Generous bound (≈ 10 µs a call) so that a loaded machine does not fail it; the bench measures.
    expect(ms).toBeLessThan(1000);
  });

  it("refuses to log without a run", () => {
    const t = tracker("http://127.0.0.1:9");
    expect(() => t.logMetric("m", 1)).toThrow(/no active run/);
    expect(() => t.logMetric("m", "1" as unknown as number, 0, { runId: RUN })).toThrow(TypeError);
  });
});
