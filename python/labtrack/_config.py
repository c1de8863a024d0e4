"""MLflow's environment variables, read when they are needed: Labtrack's ``%%track`` magic changes
MLFLOW_RUN_ID (and may change MLFLOW_TRACKING_URI) in the kernel's ``os.environ`` before each tracked
cell, so nothing here is read once at import."""

import base64
import os
import ssl
import urllib.parse

from ._errors import LabtrackError

# The same default as Labtrack's TypeScript client and `labtrack server`.
DEFAULT_TRACKING_URI = "http://127.0.0.1:5000"


def _env(name):
    value = os.environ.get(name, "").strip()
    return value or None


def _number(name, default, cast):
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = cast(raw)
    except ValueError:
        return default
    return value if value >= 0 else default


class Settings:
    """How requests are sent: read from the environment at the start of each send cycle."""

    __slots__ = ("max_retries", "backoff", "timeout")

    def __init__(self):
        # MLflow's names. Defaults are shorter than MLflow's (7 retries, factor 2, 120 s) so that a
        # tracked cell whose server is down reports it in seconds rather than minutes.
        self.max_retries = _number("MLFLOW_HTTP_REQUEST_MAX_RETRIES", 5, int)
        # First wait in seconds, doubled after each failure (urllib3's backoff_factor, as in MLflow).
        self.backoff = _number("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", 0.5, float)
        self.timeout = _number("MLFLOW_HTTP_REQUEST_TIMEOUT", 30.0, float) or 30.0

    def delay(self, failures):
        return min(self.backoff * 2 ** (failures - 1), 30.0)


def tracking_uri():
    """MLFLOW_TRACKING_URI without a trailing slash; only http(s) servers speak the REST API."""
    uri = _env("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    scheme = uri.split(":", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise LabtrackError(
            f"MLFLOW_TRACKING_URI is {uri!r}: labtrack talks to a tracking server over HTTP, so it "
            "must be http://… or https://… (Labtrack's %%track magic sets it for tracked cells)"
        )
    return uri.rstrip("/")


def split_credentials(uri):
    """(uri without user:password@, Basic credentials from it or None)."""
    parts = urllib.parse.urlsplit(uri)
    if parts.username is None:
        return uri, None
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    return clean, (user, password)


def authorization(uri_credentials=None):
    """The Authorization header MLflow's client would send: a token first, then user/password."""
    token = _env("MLFLOW_TRACKING_TOKEN")
    if token:
        return f"Bearer {token}"
    user = _env("MLFLOW_TRACKING_USERNAME")
    password = os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password is not None:
        pair = (user, password)
    elif uri_credentials is not None:
        pair = uri_credentials
    else:
        return None
    raw = f"{pair[0]}:{pair[1]}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def ssl_context():
    """MLFLOW_TRACKING_INSECURE_TLS=true skips verification; MLFLOW_TRACKING_SERVER_CERT_PATH adds a CA."""
    if (_env("MLFLOW_TRACKING_INSECURE_TLS") or "").lower() == "true":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    cert = _env("MLFLOW_TRACKING_SERVER_CERT_PATH")
    return ssl.create_default_context(cafile=cert) if cert else ssl.create_default_context()
