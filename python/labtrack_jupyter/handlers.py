"""Tornado handlers: /labtrack/config and /labtrack/proxy/<path> (forwarded to the tracking server)."""

import getpass
import json
from urllib.parse import quote

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from . import target

# Headers that describe one hop, or carry the Jupyter session, never go to the tracking server.
DROPPED_REQUEST = {
    "host", "connection", "keep-alive", "proxy-authorization", "te", "trailer", "transfer-encoding",
    "upgrade", "cookie", "authorization", "x-xsrftoken", "x-labtrack-tracking-uri", "origin", "referer",
    "content-length", "accept-encoding",
}
DROPPED_RESPONSE = {
    "connection", "keep-alive", "transfer-encoding", "content-length", "set-cookie", "server", "date",
    "content-encoding", "access-control-allow-origin", "access-control-allow-credentials",
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


class ProxyHandler(APIHandler):
    """Streams the tracking server's answer back, so artifact downloads never sit whole in memory."""

    SUPPORTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")

    async def _forward(self, path):
        try:
            base, auth = target.resolve(self.request.headers.get("X-Labtrack-Tracking-Uri"))
        except target.TargetError as e:
            return mlflow_error(self, 400, "INVALID_PARAMETER_VALUE", str(e))
        # Tornado hands over the path decoded: encoded again, an artifact named "a b <1>.txt" or
        # "50%.csv" reaches the server as the name it is, not as a malformed URL.
        url = f"{base}/{quote(path, safe=PATH_SAFE)}"
        if self.request.query:
            url += "?" + self.request.query
        headers = {k: v for k, v in self.request.headers.get_all() if k.lower() not in DROPPED_REQUEST}
        headers.update(auth)
        body = self.request.body if self.request.method in ("POST", "PUT", "PATCH", "DELETE") else None
        if body is not None and self.request.method == "DELETE" and not body:
            body = None
        started = False

        def on_header(line):
            nonlocal started
            line = line.strip()
            if line.startswith("HTTP/"):
                self.set_status(int(line.split(" ")[1]))
                self.clear_header("Content-Type")
                return
            if ":" in line:
                name, value = line.split(":", 1)
                if name.lower() not in DROPPED_RESPONSE:
                    self.set_header(name.strip(), value.strip())

        def on_chunk(chunk):
            nonlocal started
            started = True
            self.write(chunk)
            self.flush()

        request = HTTPRequest(
            url,
            method=self.request.method,
            headers=headers,
            body=body,
            allow_nonstandard_methods=True,
            follow_redirects=False,
            connect_timeout=10.0,
            request_timeout=TIMEOUT_S,
            header_callback=on_header,
            streaming_callback=on_chunk,
            decompress_response=True,
        )
        try:
            await AsyncHTTPClient().fetch(request, raise_error=False)
        except HTTPClientError as e:  # pragma: no cover - raise_error=False leaves only transport errors
            if not started:
                return mlflow_error(self, 502, "TEMPORARILY_UNAVAILABLE", f"Tracking server error: {e}")
        except Exception as e:  # noqa: BLE001 - every transport failure becomes one clear answer
            if started:
                raise
            reason = "timed out" if "timeout" in str(e).lower() else str(e) or type(e).__name__
            status = 504 if "timeout" in str(e).lower() else 502
            return mlflow_error(
                self,
                status,
                "TEMPORARILY_UNAVAILABLE",
                f"Labtrack could not reach the tracking server at {target.redact(base)}: {reason}",
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
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base_url, "labtrack", "config"), ConfigHandler),
            (url_path_join(base_url, "labtrack", "proxy", "(.*)"), ProxyHandler),
        ],
    )
