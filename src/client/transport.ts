// HTTP to an MLflow-compatible server with global fetch (Node 20, browsers, tslab): JSON in and out,
// MLflow's error body turned into MlflowApiError, retries with backoff where MLflow's client retries.
import { MlflowApiError, TrackingUnreachableError } from "./errors.js";

export type Auth = { token: string } | { username: string; password: string };

export interface TransportOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:5000`, or a same-origin proxy path in a browser. */
  trackingUri: string;
  auth?: Auth | undefined;
  headers?: Record<string, string> | undefined;
  fetch?: typeof fetch | undefined;
  /** Retries after the first attempt, for network errors, 408, 429 and 5xx. Default 5. */
  retries?: number | undefined;
  /** First backoff delay; doubles each retry, with jitter. Default 250 ms. */
  backoffMs?: number | undefined;
  maxBackoffMs?: number | undefined;
  /** Per-attempt timeout. Default 120 s, as MLflow's client. */
  timeoutMs?: number | undefined;
}

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function authHeader(auth: Auth | undefined): Record<string, string> {
  if (!auth) return {};
  if ("token" in auth) return { authorization: `Bearer ${auth.token}` };
  return { authorization: `Basic ${base64Utf8(`${auth.username}:${auth.password}`)}` };
}

export function toQueryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;

  constructor(options: TransportOptions) {
    this.baseUrl = options.trackingUri.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = { ...options.headers, ...authHeader(options.auth) };
    this.retries = options.retries ?? 5;
    this.backoffMs = options.backoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** Sends a request and returns the raw response once it is not retryable (or retries are spent). */
  async send(path: string, init: RequestInit & { retry?: boolean }): Promise<Response> {
    const url = this.baseUrl + path;
    const attempts = init.retry === false ? 1 : this.retries + 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(this.delay(attempt, lastError));
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          ...init,
          headers: { ...this.headers, ...(init.headers as Record<string, string> | undefined) },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        lastError = e;
        continue;
      }
      if (!RETRY_STATUSES.has(response.status) || attempt === attempts - 1) return response;
      lastError = response;
      await response.body?.cancel();
    }
    if (lastError instanceof Response) {
      throw new MlflowApiError(
        "TEMPORARILY_UNAVAILABLE",
        lastError.status,
        `${url} kept answering HTTP ${lastError.status}`,
      );
    }
    throw new TrackingUnreachableError(
      `Cannot reach the tracking server at ${this.baseUrl} (${init.method ?? "GET"} ${path}) after ${attempts} attempt(s): ${describe(lastError)}`,
      lastError,
    );
  }

  private delay(attempt: number, last: unknown): number {
    if (last instanceof Response) {
      const retryAfter = Number(last.headers.get("retry-after"));
      if (Number.isFinite(retryAfter) && retryAfter > 0)
        return Math.min(retryAfter * 1000, this.maxBackoffMs);
    }
    const exp = Math.min(this.backoffMs * 2 ** (attempt - 1), this.maxBackoffMs);
    return exp / 2 + Math.random() * (exp / 2);
  }

  /** A JSON RPC: GET sends `payload` as query parameters, other methods as a JSON body. */
  async json<T>(
    method: "GET" | "POST" | "PATCH" | "DELETE",
    path: string,
    payload: Query | object = {},
  ): Promise<T> {
    const isGet = method === "GET";
    const response = await this.send(isGet ? path + toQueryString(payload as Query) : path, {
      method,
      headers: isGet ? {} : { "content-type": "application/json" },
      body: isGet ? null : JSON.stringify(payload),
    });
    return readJson<T>(response, method, path);
  }
}

export async function readJson<T>(response: Response, method: string, path: string): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    const snippet = text.slice(0, 120).replace(/\s+/g, " ");
    throw new MlflowApiError(
      response.ok ? "MALFORMED_RESPONSE" : statusCode(response.status),
      response.status,
      `${method} ${path}: the server answered HTTP ${response.status} with a non-JSON body: ${snippet}`,
    );
  }
  if (!response.ok) {
    const error = body as { error_code?: unknown; message?: unknown };
    throw new MlflowApiError(
      typeof error.error_code === "string" ? error.error_code : statusCode(response.status),
      response.status,
      typeof error.message === "string" ? error.message : `${method} ${path}: HTTP ${response.status}`,
    );
  }
  return body as T;
}

/** The error code MLflow's client derives from a status when the body is not MLflow's (reference §1.1). */
function statusCode(status: number): string {
  const codes: Record<number, string> = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    429: "REQUEST_LIMIT_EXCEEDED",
    503: "TEMPORARILY_UNAVAILABLE",
  };
  return codes[status] ?? (status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST");
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}
