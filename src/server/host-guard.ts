// DNS-rebinding and cross-site protection (MLflow 3.x's --allowed-hosts / --cors-allowed-origins):
// a Host header must name this server, and a browser page from another origin can neither change
// state nor read answers unless its origin is allowed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export interface HostGuardOptions {
  /** Host names (without port) accepted in the Host header; "*" accepts any. */
  allowedHosts: readonly string[] | "*";
  /** Origins (scheme://host[:port]) allowed to call from a browser; "*" allows any. */
  corsOrigins: readonly string[] | "*";
}

const LOOPBACK = ["localhost", "127.0.0.1", "::1", "[::1]"];

/** Defaults: a server bound to loopback answers loopback names only; one bound elsewhere, any host. */
export function defaultAllowedHosts(bindHost: string): readonly string[] | "*" {
  const loopback = LOOPBACK.includes(bindHost) || bindHost.startsWith("127.");
  return loopback ? [...LOOPBACK, bindHost] : "*";
}

const hostName = (host: string): string => {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  return host.split(":")[0] ?? "";
};

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function deny(reply: FastifyReply, message: string) {
  return reply.code(403).type("application/json").send({ error_code: "PERMISSION_DENIED", message });
}

export function installHostGuard(app: FastifyInstance, options: HostGuardOptions): void {
  const allowed =
    options.allowedHosts === "*" ? null : new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const origins = options.corsOrigins === "*" ? null : new Set(options.corsOrigins);
  const originAllowed = (origin: string) => origins === null || origins.has(origin);

  // A callback-style hook: it runs on every request, and an async one costs a promise each time.
  app.addHook("onRequest", (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const host = request.headers.host ?? "";
    if (allowed && !allowed.has(hostName(host).toLowerCase())) {
      deny(
        reply,
        `Invalid Host header '${host.slice(0, 100)}': this server answers ${[...allowed].join(", ")} (see --allowed-hosts).`,
      );
      return;
    }
    const origin = request.headers.origin;
    // The common case (a client library, not a browser page): nothing more to check.
    if (origin === undefined && request.headers["sec-fetch-site"] === undefined) {
      done();
      return;
    }
    const sameOrigin = origin !== undefined && /^https?:\/\//.test(origin) && new URL(origin).host === host;
    const crossSite = origin !== undefined ? !sameOrigin : request.headers["sec-fetch-site"] === "cross-site";
    if (origin && !sameOrigin && originAllowed(origin)) {
      reply.header("access-control-allow-origin", origin).header("vary", "Origin");
      if (request.method === "OPTIONS") {
        reply
          .code(204)
          .header("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE")
          .header("access-control-allow-headers", "authorization, content-type")
          .header("access-control-max-age", "600")
          .send();
        return;
      }
      done();
      return;
    }
    if (crossSite && STATE_CHANGING.has(request.method)) {
      deny(
        reply,
        `Cross-origin requests from ${origin ?? "another site"} are not allowed (see --cors-allowed-origins).`,
      );
      return;
    }
    done();
  });
}
