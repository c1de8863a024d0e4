"""Artifact uploads through the tracking server: MLflow's PUT
/api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<path>, for runs whose artifact URI
is mlflow-artifacts:/… (the server stores the file where it keeps artifacts; no storage credentials
here). Files are streamed, not read into memory."""

import os
import posixpath
import threading
import urllib.parse

from . import _config, _rest
from ._errors import LabtrackError

# run id → artifact URI (it never changes for a run).
_uris = {}
_lock = threading.Lock()


def _artifact_uri(http, target):
    base, run_id = target
    with _lock:
        uri = _uris.get(target)
    if uri is None:
        settings = _config.Settings()
        answer = _rest.with_retries(
            settings,
            lambda: _rest.call(http, base, "GET", "runs/get", query={"run_id": run_id}, timeout=settings.timeout),
        )
        uri = answer["run"]["info"].get("artifact_uri") or ""
        with _lock:
            _uris[target] = uri
    return uri


def _upload_base(http, target):
    """The URL under which the run's artifacts are PUT."""
    uri = _artifact_uri(http, target)
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme != "mlflow-artifacts":
        raise LabtrackError(
            f"run {target[1]} keeps its artifacts at {uri!r}, which this server does not serve: "
            "labtrack uploads artifacts only through a tracking server that serves them (artifact URIs "
            "mlflow-artifacts:/…, as `labtrack server` and `mlflow server --serve-artifacts` give). "
            "Use mlflow.log_artifact with the storage's credentials for this run."
        )
    base = target[0]
    if parts.netloc:
        scheme = urllib.parse.urlsplit(base).scheme
        base = f"{scheme}://{parts.netloc}"
    return f"{base}/api/2.0/mlflow-artifacts/artifacts/{parts.path.strip('/')}"


def _clean(artifact_path):
    if artifact_path is None or artifact_path in ("", "."):
        return ""
    path = str(artifact_path).replace("\\", "/").strip("/")
    norm = posixpath.normpath(path)
    if norm.startswith("..") or norm != path or "\0" in path:
        raise LabtrackError(f"artifact_path {artifact_path!r} must be a relative path without '..'")
    return path


def _put(http, url, local_path):
    settings = _config.Settings()
    size = os.path.getsize(local_path)
    with open(local_path, "rb") as f:

        def attempt():
            f.seek(0)
            status, data = http.request(
                "PUT",
                url,
                f,
                {"Content-Type": "application/octet-stream", "Content-Length": str(size)},
                settings.timeout,
            )
            if status >= 300:
                raise _rest.api_error(status, data, "mlflow-artifacts")

        _rest.with_retries(settings, attempt)


def _quote(path):
    return "/".join(urllib.parse.quote(part, safe="") for part in path.split("/"))


def upload_file(http, target, local_path, artifact_path):
    local_path = os.fspath(local_path)
    if os.path.isdir(local_path):
        raise LabtrackError(f"{local_path!r} is a directory: use labtrack.log_artifacts for directories")
    if not os.path.isfile(local_path):
        raise FileNotFoundError(f"labtrack.log_artifact: no such file: {local_path!r}")
    dest = posixpath.join(_clean(artifact_path), os.path.basename(local_path))
    _put(http, f"{_upload_base(http, target)}/{_quote(dest)}", local_path)


def upload_dir(http, target, local_dir, artifact_path):
    local_dir = os.fspath(local_dir)
    if not os.path.isdir(local_dir):
        raise FileNotFoundError(f"labtrack.log_artifacts: no such directory: {local_dir!r}")
    base = _upload_base(http, target)
    prefix = _clean(artifact_path)
    for root, _dirs, files in os.walk(local_dir):
        rel = os.path.relpath(root, local_dir).replace(os.sep, "/")
        for name in sorted(files):
            dest = posixpath.join(prefix, "" if rel == "." else rel, name)
            _put(http, f"{base}/{_quote(dest)}", os.path.join(root, name))
