// HTTP for `labtrack run`: the REST client's `fetch` over node:http's keep-alive agents. A tracked
// cell waits on its run's requests in turn (created before its code, ended after it), and Node 20's
// global fetch (undici over WHATWG streams) spends about four times the CPU and the latency of
// node:http on each: measured on loopback against `labtrack server`, a runs/search took 1.8–2.4 ms of
// CPU and 4–8 ms of wall time through fetch, 0.5–0.8 ms and 0.8–1.1 ms through node:http (the answer
// wrapped in a Response). One connection per concurrent request is kept open and reused, by every
// execution of a sweep alike.
import http from "node:http";
import https from "node:https";
import { RestClient } from "../client/rest.js";
import type { Auth } from "../client/transport.js";

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/** Statuses whose answer has no body (a Response refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A request body held in memory, or undefined for one that is not (a stream: left to global fetch). */
async function bytesOf(body: BodyInit | null | undefined): Promise<Uint8Array | string | null | undefined> {
  if (body === null || body === undefined) return null;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (body instanceof URLSearchParams) return body.toString();
  return undefined;
}

function once(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Uint8Array | string | null,
  signal: AbortSignal | null | undefined,
): Promise<{ status: number; statusText: string; headers: Headers; body: Uint8Array<ArrayBuffer> }> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const request = (url.protocol === "https:" ? https : http).request(
      url,
      {
        method,
        agent: agents[url.protocol as keyof typeof agents],
        headers: body === null ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("error", reject);
        response.on("end", () => {
          signal?.removeEventListener("abort", abort);
          const answer = new Headers();
          for (const [key, value] of Object.entries(response.headers))
            if (value !== undefined) answer.set(key, Array.isArray(value) ? value.join(", ") : value);
          // A buffer of its own (Buffer.concat may hand out a slice of Node's shared pool).
          const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const c of chunks) {
            whole.set(c, at);
            at += c.length;
          }
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? "",
            headers: answer,
            body: whole,
          });
        });
      },
    );
    const abort = () =>
      request.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    signal?.addEventListener("abort", abort, { once: true });
    request.on("error", (e) => {
      signal?.removeEventListener("abort", abort);
      reject(e);
    });
    request.end(body ?? undefined);
  });
}

/**
 * `fetch` for the REST client over keep-alive connections: bodies held in memory, answers read whole
 * (the client reads JSON and small artifacts), redirects followed as fetch follows them. Anything else
 * (a Request object, a streamed body) goes to the global fetch.
 */
export const keepAliveFetch: typeof fetch = async (input, init = {}) => {
  if (typeof input !== "string" && !(input instanceof URL)) return globalThis.fetch(input, init);
  let body = await bytesOf(init.body);
  if (body === undefined) return globalThis.fetch(input, init);
  let url = new URL(input);
  let method = (init.method ?? "GET").toUpperCase();
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => {
    headers[key] = value;
  });
  if (typeof body === "string" && headers["content-type"] === undefined)
    headers["content-type"] = "text/plain;charset=UTF-8";
  for (let hop = 0; ; hop++) {
    const answer = await once(url, method, headers, body, init.signal);
    const location = answer.headers.get("location");
    if (REDIRECTS.has(answer.status) && location && init.redirect !== "manual" && hop < 20) {
      if (init.redirect === "error") throw new TypeError(`fetch: redirected to ${location}`);
      // As fetch: 303, and 301/302 after a POST, go on as a GET without the body.
      if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === "POST")) {
        if (method !== "HEAD") method = "GET";
        body = null;
        delete headers["content-type"];
      }
      url = new URL(location, url);
      continue;
    }
    return new Response(NULL_BODY.has(answer.status) ? null : answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers,
    });
  }
};

/** The REST client `labtrack run` talks to the tracking server with. */
export function runClient(trackingUri: string, auth?: Auth, retries?: number): RestClient {
  return new RestClient({
    trackingUri,
    auth,
    fetch: keepAliveFetch,
    ...(retries === undefined ? {} : { retries }),
  });
}
