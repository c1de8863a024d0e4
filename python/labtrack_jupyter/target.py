"""Where the proxy sends a request, and with which credentials.

The browser may name a tracking URI (from Labtrack's settings); the server's own MLFLOW_TRACKING_URI is
the default. Credentials from the server's environment are attached only when the request goes to
that configured server, so a URI typed into the settings can never collect them.
"""

import base64
import os
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URI = "http://127.0.0.1:5000"


class TargetError(ValueError):
    """A tracking URI the proxy will not use; the message says why."""


def default_tracking_uri(env=os.environ):
    return env.get("MLFLOW_TRACKING_URI", "").strip()


def normalize(uri):
    uri = (uri or "").strip()
    if not uri:
        raise TargetError("No tracking URI is configured: set it in Labtrack's settings or MLFLOW_TRACKING_URI.")
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        raise TargetError(
            f"The tracking URI must be an http:// or https:// URL (got {redact(uri)!r});"
            " file and database URIs are for the tracking server, not for Labtrack's panel."
        )
    if not parts.hostname:
        raise TargetError(f"The tracking URI {redact(uri)!r} has no host.")
    if parts.username or parts.password:
        raise TargetError("Put credentials in MLFLOW_TRACKING_USERNAME/PASSWORD or _TOKEN, not in the URI.")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def resolve(requested, env=os.environ):
    """(base URL, auth headers) for a request; `requested` is the URI the browser asked for, if any."""
    configured = default_tracking_uri(env)
    base = normalize(requested or configured or DEFAULT_URI)
    headers = {}
    same = configured and _same_server(base, normalize(configured))
    if same or (not configured and not requested):
        headers = auth_headers(env)
    return base, headers


def auth_headers(env=os.environ):
    token = env.get("MLFLOW_TRACKING_TOKEN")
    if token:
        return {"Authorization": f"Bearer {token}"}
    user, password = env.get("MLFLOW_TRACKING_USERNAME"), env.get("MLFLOW_TRACKING_PASSWORD")
    if user and password is not None:
        raw = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {raw}"}
    return {}


def _same_server(a, b):
    return a.rstrip("/") == b.rstrip("/")


def redact(uri):
    if not uri:
        return uri
    parts = urlsplit(uri)
    if parts.password or parts.username:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, ""))
    return uri
