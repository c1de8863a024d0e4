// The error line of a 500 (a bug, which no real route can be made to produce on purpose) and the
// exposition's escaping, on a fastify app of its own.
import { Writable } from "node:stream";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { installObservability, Metrics, noteCause } from "./observe.js";

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(
      ...chunk
        .toString()
        .split("\n")
        .filter((l) => l !== ""),
    );
    done();
  }
}

describe("observe", () => {
  it("writes one error line with the stack for a 500, none for a 4xx, and counts both", async () => {
    const app = Fastify();
    const errors = new Lines();
    const access = new Lines();
    const metrics = installObservability(app, { accessLog: access, errorLog: errors, metrics: true });
    app.setErrorHandler((error, request, reply) => {
      noteCause(request, error);
      return reply
        .code((error as { statusCode?: number }).statusCode ?? 500)
        .send({ message: error.message });
    });
    app.get("/boom/:id", async () => {
      throw new Error("a bug");
    });
    app.get("/teapot", async (_req, reply) => reply.code(418).send("no"));
    expect((await app.inject("/boom/7")).statusCode).toBe(500);
    expect((await app.inject("/teapot")).statusCode).toBe(418);
    expect(errors.lines).toHaveLength(1);
    const line = JSON.parse(errors.lines[0] as string) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "error",
      method: "GET",
      route: "/boom/:id",
      status: 500,
      message: "a bug",
    });
    expect(String(line.stack)).toContain("observe.test.ts");
    expect(access.lines.map((l) => (JSON.parse(l) as { route: string }).route)).toEqual([
      "/boom/:id",
      "/teapot",
    ]);
    const text = metrics?.render() ?? "";
    expect(text).toContain('labtrack_http_errors_total{route="/boom/:id",method="GET",status="500"} 1');
    expect(text).toContain('labtrack_http_requests_total{route="/teapot",method="GET",status="4xx"} 1');
    await app.close();
  });

  it("escapes label values and keeps histogram buckets cumulative", () => {
    const m = new Metrics(() => ({ total: 3, idle: 2, waiting: 1 }));
    m.observe('/a"b\\c\n', "GET", 200, 0.02);
    m.observe('/a"b\\c\n', "GET", 200, 3);
    const text = m.render();
    const labels = 'route="/a\\"b\\\\c\\n",method="GET"';
    expect(text).toContain(`labtrack_http_request_duration_seconds_bucket{${labels},le="0.01"} 0`);
    expect(text).toContain(`labtrack_http_request_duration_seconds_bucket{${labels},le="0.025"} 1`);
    expect(text).toContain(`labtrack_http_request_duration_seconds_bucket{${labels},le="5"} 2`);
    expect(text).toContain(`labtrack_http_request_duration_seconds_bucket{${labels},le="+Inf"} 2`);
    expect(text).toContain(`labtrack_http_request_duration_seconds_count{${labels}} 2`);
    expect(text).toContain('labtrack_db_pool_connections{state="waiting"} 1');
  });
});
