"""HTTP to the tracking server with the standard library: one keep-alive connection per thread and
server (a training loop's batches must not each pay a TCP handshake), MLflow's error bodies decoded
into ApiError, and which failures are worth retrying."""

import http.client
import json
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from . import _config
from ._errors import ApiError

USER_AGENT = "labtrack-python/0.1"

# Failures of a reused keep-alive connection the server closed meanwhile: resend once on a new one.
_STALE = (http.client.RemoteDisconnected, http.client.BadStatusLine, BrokenPipeError, ConnectionResetError)


def transient(error):
    """Worth retrying later: the network, a timeout, 5xx, 408 and 429. Not: bad certificates, 4xx."""
    if isinstance(error, ApiError):
        return error.status >= 500 or error.status in (408, 429)
    if isinstance(error, (ssl.SSLCertVerificationError, ValueError)):
        return False
    return isinstance(error, (OSError, http.client.HTTPException))


class Http:
    def __init__(self):
        self._local = threading.local()
        self._contexts = {}
        # Every connection, whichever thread opened it, so that a forked child can let go of them.
        self._opened = []
        self._opened_lock = threading.Lock()

    def _context(self):
        key = (_config._env("MLFLOW_TRACKING_INSECURE_TLS"), _config._env("MLFLOW_TRACKING_SERVER_CERT_PATH"))
        context = self._contexts.get(key)
        if context is None:
            context = self._contexts[key] = _config.ssl_context()
        return context

    def close_all(self):
        """Closes every connection (after a fork: the child's copies; the parent's stay open)."""
        for conn in self._opened:
            conn.close()
        self._opened = []

    def request(self, method, url, body=None, headers=None, timeout=30.0):
        """(status, body bytes). Raises OSError/HTTPException on network failures."""
        url, credentials = _config.split_credentials(url)
        headers = dict(headers or {})
        headers.setdefault("User-Agent", USER_AGENT)
        auth = _config.authorization(credentials)
        if auth:
            headers["Authorization"] = auth
        parts = urllib.parse.urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        if _proxied(parts):
            return self._via_urllib(method, url, body, headers, timeout)
        https = parts.scheme == "https"
        key = (parts.scheme, parts.hostname, parts.port)
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        for attempt in (0, 1):
            conn = conns.get(key)
            fresh = conn is None
            if fresh:
                if https:
                    conn = http.client.HTTPSConnection(
                        parts.hostname, parts.port, timeout=timeout, context=self._context()
                    )
                else:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
                conns[key] = conn
                with self._opened_lock:
                    self._opened = [c for c in self._opened if c.sock is not None] + [conn]
            else:
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
            try:
                if hasattr(body, "seek") and attempt == 1:
                    body.seek(0)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except _STALE:
                conn.close()
                del conns[key]
                if fresh or attempt == 1:
                    raise
                continue
            except BaseException:
                conn.close()
                del conns[key]
                raise
            if response.will_close:
                conn.close()
                del conns[key]
            return response.status, data
        raise AssertionError("unreachable")

    def _via_urllib(self, method, url, body, headers, timeout):
        """Through HTTP(S)_PROXY, as MLflow's requests would go: no keep-alive, but it works."""
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        context = self._context() if url.startswith("https:") else None
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def _proxied(parts):
    proxies = urllib.request.getproxies()
    return parts.scheme in proxies and not urllib.request.proxy_bypass(parts.hostname or "")


def api_error(status, data, endpoint):
    """MLflow's {error_code, message}, or the start of whatever else the server sent."""
    try:
        body = json.loads(data)
        if isinstance(body, dict) and "message" in body:
            return ApiError(status, body.get("error_code", ""), str(body["message"]), endpoint)
    except ValueError:
        pass
    text = data[:300].decode("utf-8", "replace").strip() or http.client.responses.get(status, "")
    return ApiError(status, "", text, endpoint)


def call(http_, base, method, endpoint, payload=None, query=None, timeout=30.0):
    """One MLflow REST call (`endpoint` under /api/2.0/mlflow/); the decoded JSON answer."""
    url = f"{base}/api/2.0/mlflow/{endpoint}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    body = None
    headers = {}
    if payload is not None:
        body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
        headers["Content-Type"] = "application/json"
    status, data = http_.request(method, url, body, headers, timeout)
    if status >= 300:
        raise api_error(status, data, endpoint)
    return json.loads(data) if data.strip() else {}


def with_retries(settings, fn, sleep=time.sleep):
    """fn() again after transient failures, waiting settings.delay(n) between tries."""
    failures = 0
    while True:
        try:
            return fn()
        except Exception as e:
            if not transient(e) or failures >= settings.max_retries:
                raise
            failures += 1
            sleep(settings.delay(failures))
