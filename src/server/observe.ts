// What operators see of a running server: one JSON line per request (the access log, off unless
// asked for), one JSON line on stderr for every answer of 500 and more with its cause (always on),
// and Prometheus' text exposition of request counts, latencies, errors and the database pool.
//
// The lines are written by hand rather than with fastify's pino: pino is only fastify's own
// dependency here, and its default line (reqId, res, responseTime…) is not the shape asked for.
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Where access log lines go: `-` is stderr, anything else a file appended to. */
export function openAccessLog(destination: string): Writable {
  if (destination === "-") return process.stderr;
  const stream = createWriteStream(destination, { flags: "a" });
  // A log that cannot be written must not take the server down; say it once.
  stream.on("error", (e) => process.stderr.write(`labtrack: access log ${destination}: ${e.message}\n`));
  return stream;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface ObserveOptions {
  accessLog?: Writable | null;
  /** Where error lines go (stderr unless a test says otherwise). */
  errorLog?: Writable | undefined;
  /** Serve `GET /metrics`. */
  metrics?: boolean | undefined;
  /** The database's connection pool, when it has one (PostgreSQL). */
  pool?: (() => PoolStats) | undefined;
  /** Who a request authenticated as, once it has. */
  userOf?: (request: FastifyRequest) => string | undefined;
}

/** Why a request failed, noted by the error handler for the error line. */
const causes = new WeakMap<FastifyRequest, unknown>();
export const noteCause = (request: FastifyRequest, error: unknown): void => {
  causes.set(request, error);
};

/** Seconds: Prometheus' default buckets, which fit an API answering in milliseconds to seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Series {
  labels: string;
  count: number;
  sum: number;
  buckets: number[];
}

/** Label values escaped as the exposition format wants: backslash, double quote, newline. */
const label = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Series>();
  private readonly errors = new Map<string, number>();
  /** Escaped labels per method and route pattern (a fixed set), so that no request escapes them again. */
  private readonly labels = new Map<string, string>();

  constructor(private readonly pool?: () => PoolStats) {}

  observe(route: string, method: string, status: number, seconds: number): void {
    const id = `${method} ${route}`;
    let r = this.labels.get(id);
    if (r === undefined) {
      r = `route="${label(route)}",method="${label(method)}"`;
      this.labels.set(id, r);
    }
    const key = `${r},status="${Math.floor(status / 100)}xx"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let series = this.durations.get(r);
    if (!series) {
      series = { labels: r, count: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
      this.durations.set(r, series);
    }
    series.count++;
    series.sum += seconds;
    const buckets = series.buckets;
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) buckets[i] = (buckets[i] ?? 0) + 1;
    });
    if (status >= 500) {
      const e = `${r},status="${status}"`;
      this.errors.set(e, (this.errors.get(e) ?? 0) + 1);
    }
  }

  /** The text exposition format, version 0.0.4. */
  render(): string {
    const out: string[] = [];
    out.push(
      "# HELP labtrack_http_requests_total Requests answered, by route pattern, method and status class.",
      "# TYPE labtrack_http_requests_total counter",
    );
    for (const [k, n] of this.requests) out.push(`labtrack_http_requests_total{${k}} ${n}`);
    out.push(
      "# HELP labtrack_http_request_duration_seconds Time to answer, by route pattern and method.",
      "# TYPE labtrack_http_request_duration_seconds histogram",
    );
    for (const s of this.durations.values()) {
      BUCKETS.forEach((le, i) => {
        out.push(`labtrack_http_request_duration_seconds_bucket{${s.labels},le="${le}"} ${s.buckets[i]}`);
      });
      out.push(`labtrack_http_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      out.push(`labtrack_http_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      out.push(`labtrack_http_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }
    out.push(
      "# HELP labtrack_http_errors_total Answers of 500 and more (each has a line on stderr), by status.",
      "# TYPE labtrack_http_errors_total counter",
    );
    for (const [k, n] of this.errors) out.push(`labtrack_http_errors_total{${k}} ${n}`);
    if (this.pool) {
      const p = this.pool();
      out.push(
        "# HELP labtrack_db_pool_connections PostgreSQL connections of this process: total, idle, and requests waiting for one.",
        "# TYPE labtrack_db_pool_connections gauge",
        `labtrack_db_pool_connections{state="total"} ${p.total}`,
        `labtrack_db_pool_connections{state="idle"} ${p.idle}`,
        `labtrack_db_pool_connections{state="waiting"} ${p.waiting}`,
      );
    }
    const memory = process.memoryUsage();
    out.push(
      "# HELP process_resident_memory_bytes Resident memory size in bytes.",
      "# TYPE process_resident_memory_bytes gauge",
      `process_resident_memory_bytes ${memory.rss}`,
      "# HELP process_start_time_seconds Start time of the process since the epoch, in seconds.",
      "# TYPE process_start_time_seconds gauge",
      `process_start_time_seconds ${Math.round(Date.now() / 1000 - process.uptime())}`,
    );
    return `${out.join("\n")}\n`;
  }
}

/** The route pattern (`/api/2.0/mlflow/runs/get`), never the URL: ids and queries stay out of labels. */
const routeOf = (request: FastifyRequest): string => request.routeOptions.url ?? "(no route)";

function causeOf(request: FastifyRequest, reply: FastifyReply): Record<string, string> {
  const cause = causes.get(request);
  if (cause === undefined) {
    // fastify answers 503 by itself only while the server is closing (return503OnClosing).
    return { message: reply.statusCode === 503 ? "the server is shutting down" : "no error recorded" };
  }
  const e = cause as { code?: unknown; message?: unknown; stack?: unknown };
  const fields: Record<string, string> = { message: String(e.message ?? cause) };
  if (typeof e.code === "string") fields.error_code = e.code;
  // A 500 is a bug: its stack is what a report needs. A 503 is an outage: its message says which.
  if (reply.statusCode === 500 && typeof e.stack === "string") fields.stack = e.stack;
  return fields;
}

export function installObservability(app: FastifyInstance, options: ObserveOptions): Metrics | null {
  const metrics = options.metrics ? new Metrics(options.pool) : null;
  const errorLog = options.errorLog ?? process.stderr;
  const accessLog = options.accessLog ?? null;
  // Hooks in callback style: they run on every request, and an async hook costs a promise each time.
  // The id of the log lines, on the answer too: a client's report can name the line to look for.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const status = reply.statusCode;
    // By default (no metrics, no access log) a successful answer has nothing to record: the route
    // pattern and the time are read only for a line or a series that needs them.
    if (metrics === null && accessLog === null && status < 500) {
      done();
      return;
    }
    const ms = reply.elapsedTime;
    const route = routeOf(request);
    metrics?.observe(route, request.method, status, ms / 1000);
    const time = new Date().toISOString();
    const user = options.userOf?.(request);
    if (accessLog) {
      const line: Record<string, string | number> = {
        time,
        method: request.method,
        route,
        status,
        duration_ms: Math.round(ms * 10) / 10,
        request_id: request.id,
      };
      if (user !== undefined) line.user = user;
      accessLog.write(`${JSON.stringify(line)}\n`);
    }
    if (status >= 500) {
      const line = {
        time,
        level: "error",
        method: request.method,
        route,
        status,
        request_id: request.id,
        ...(user === undefined ? {} : { user }),
        ...causeOf(request, reply),
      };
      errorLog.write(`${JSON.stringify(line)}\n`);
    }
    done();
  });
  return metrics;
}
