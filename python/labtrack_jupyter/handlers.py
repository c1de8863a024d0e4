"""Tornado handlers: /labtrack/config and /labtrack/proxy/<path> (forwarded to the tracking server)."""

import functools
import getpass
import json
import os
from typing import NamedTuple
from urllib.parse import quote, urlsplit

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import httputil

from . import target, upstream

# Headers that describe one hop, or carry the Jupyter session, never go to the tracking server.
DROPPED_REQUEST = {
    "host", "connection", "keep-alive", "proxy-authorization", "te", "trailer", "transfer-encoding",
    "upgrade", "cookie", "authorization", "x-xsrftoken", "x-labtrack-tracking-uri", "origin", "referer",
    "content-length", "accept-encoding",
}
DROPPED_RESPONSE = {
    "connection", "keep-alive", "transfer-encoding", "content-length", "set-cookie", "server", "date",
    "content-encoding", "access-control-allow-origin", "access-control-allow-credentials",
    "x-consumed-content-encoding",
}
TIMEOUT_S = 60.0


def mlflow_error(handler, status, code, message):
    handler.set_status(status)
    handler.set_header("Content-Type", "application/json")
    handler.finish(json.dumps({"error_code": code, "message": message}))


def current_user():
    """The OS user the Jupyter server runs as: what MLflow's Python client records as mlflow.user."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry (some containers): the table just has no "Mine"
        return None


def config_payload():
    configured = target.default_tracking_uri()
    return {
        "trackingUri": target.redact(configured) or target.DEFAULT_URI,
        "fromEnvironment": bool(configured),
        "credentials": bool(target.auth_headers()),
        "user": current_user(),
    }


class ConfigHandler(APIHandler):
    @tornado.web.authenticated
    def get(self):
        self.finish(json.dumps(config_payload()))


# RFC 3986 path characters that need no escaping (unreserved, sub-delims, ":", "@", "/").
PATH_SAFE = "/:@!$&'()*+,;=-._~"
# Where the web application keeps its connections to tracking servers.
POOL_SETTING = "labtrack_upstream"
# A streamed answer goes to the browser whenever this much has come; a smaller one goes whole, in one
# write with its Content-Length.
FLUSH_BYTES = 64 * 1024


class Route(NamedTuple):
    base: str  # the tracking URI, for messages
    origin: upstream.Origin
    prefix: str  # the URI's path, before the API's
    auth: tuple  # (name, value) headers from the server's environment


@functools.lru_cache(maxsize=64)
def _route(requested, configured, token, user, password):
    env = {"MLFLOW_TRACKING_URI": configured or ""}
    for name, value in (
        ("MLFLOW_TRACKING_TOKEN", token),
        ("MLFLOW_TRACKING_USERNAME", user),
        ("MLFLOW_TRACKING_PASSWORD", password),
    ):
        if value is not None:
            env[name] = value
    base, auth = target.resolve(requested, env)
    parts = urlsplit(base)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as e:  # out of range, not a number
        raise target.TargetError(f"The tracking URI {target.redact(base)!r} has an invalid port: {e}.") from None
    origin = upstream.Origin(parts.scheme, parts.hostname, port, parts.netloc)
    return Route(base, origin, parts.path, tuple(auth.items()))


def route(requested, env=os.environ):
    """Where a request goes and with which credentials: parsed once per tracking URI and environment
    (the environment is read on each request, so a change to it is seen)."""
    return _route(
        requested or None,
        env.get("MLFLOW_TRACKING_URI"),
        env.get("MLFLOW_TRACKING_TOKEN"),
        env.get("MLFLOW_TRACKING_USERNAME"),
        env.get("MLFLOW_TRACKING_PASSWORD"),
    )


class _Answer(httputil.HTTPMessageDelegate):
    """The tracking server's answer, passed on: status and headers, then the body as it comes."""

    def __init__(self, handler):
        self.handler = handler
        self.buffered = 0
        self.flushed = False

    def headers_received(self, start_line, headers):
        h = self.handler
        h.set_status(start_line.code)
        h.clear_header("Content-Type")
        seen = set()
        for name, value in headers.get_all():
            key = name.lower()
            if key in DROPPED_RESPONSE:
                continue
            if key in seen:
                h.add_header(name, value)  # a repeated header (Vary, Link) keeps every value
            else:
                seen.add(key)
                h.set_header(name, value)  # replaces the Jupyter handler's default, as the server's
        h.forwarded_type = headers.get("Content-Type")

    def data_received(self, chunk):
        self.handler.write(chunk)
        self.buffered += len(chunk)
        if self.buffered >= FLUSH_BYTES:
            self.buffered = 0
            self.flushed = True
            # Awaited by the reader: a slow browser slows the reading, nothing piles up in memory.
            return self.handler.flush()
        return None


class ProxyHandler(APIHandler):
    """Streams the tracking server's answer back, so artifact downloads never sit whole in memory."""

    SUPPORTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
    forwarded_type = None

    def compute_etag(self):
        # The tracking server's answer goes as it is: no ETag (and no 304) of the proxy's own.
        return None

    def finish(self, chunk=None):
        if self.forwarded_type is None:
            return super().finish(chunk)
        # APIHandler.finish labels every answer application/json: a forwarded one keeps the type the
        # tracking server gave it (an artifact's text/plain, a web server's text/html).
        self.update_api_activity()
        self.set_header("Content-Type", self.forwarded_type)
        return tornado.web.RequestHandler.finish(self, chunk)

    async def _forward(self, path):
        try:
            to = route(self.request.headers.get("X-Labtrack-Tracking-Uri"))
        except target.TargetError as e:
            return mlflow_error(self, 400, "INVALID_PARAMETER_VALUE", str(e))
        # Tornado hands over the path decoded: encoded again, an artifact named "a b <1>.txt" or
        # "50%.csv" reaches the server as the name it is, not as a malformed URL.
        url = f"{to.prefix}/{quote(path, safe=PATH_SAFE)}"
        if self.request.query:
            url += "?" + self.request.query
        headers = httputil.HTTPHeaders()
        for name, value in self.request.headers.get_all():
            if name.lower() not in DROPPED_REQUEST:
                headers.add(name, value)
        for name, value in to.auth:
            headers[name] = value
        method = self.request.method
        body = self.request.body if method in ("POST", "PUT", "PATCH", "DELETE") else None
        if body is not None and method == "DELETE" and not body:
            body = None
        answer = _Answer(self)
        try:
            await self.settings[POOL_SETTING].fetch(
                to.origin, method, url, headers, body, answer, timeout=TIMEOUT_S, connect_timeout=10.0
            )
        except upstream.UpstreamError as e:
            if answer.flushed:
                raise  # the browser has part of the answer: the connection is cut, as the server's was
            self.clear()
            self.forwarded_type = None
            return mlflow_error(
                self,
                504 if e.timed_out else 502,
                "TEMPORARILY_UNAVAILABLE",
                f"Labtrack could not reach the tracking server at {target.redact(to.base)}: {e}",
            )
        self.finish()

    @tornado.web.authenticated
    async def get(self, path):
        await self._forward(path)

    @tornado.web.authenticated
    async def head(self, path):
        await self._forward(path)

    @tornado.web.authenticated
    async def post(self, path):
        await self._forward(path)

    @tornado.web.authenticated
    async def put(self, path):
        await self._forward(path)

    @tornado.web.authenticated
    async def patch(self, path):
        await self._forward(path)

    @tornado.web.authenticated
    async def delete(self, path):
        await self._forward(path)


def setup_handlers(web_app, log=None):
    base_url = web_app.settings["base_url"]
    web_app.settings.setdefault(POOL_SETTING, upstream.Pool())
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base_url, "labtrack", "config"), ConfigHandler),
            (url_path_join(base_url, "labtrack", "proxy", "(.*)"), ProxyHandler),
        ],
    )
