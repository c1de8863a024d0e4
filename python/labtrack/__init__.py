"""Log metrics, params, tags and artifacts to an MLflow-compatible tracking server (Labtrack's, or
MLflow's) from Python with nothing to install: the standard library only.

In Labtrack's Lab, a ``%%track`` cell is a run, and its code logs into it::

    %%track baseline --params lr
    import labtrack
    lr = 0.1
    for epoch in range(20):
        loss = train_one_epoch(lr)
        labtrack.log_metric("loss", loss, step=epoch)   # only queues: the loop never waits

Calls check their arguments the way MLflow does and queue them; a background thread sends them as
``runs/log-batch`` requests within MLflow's limits, in order, retrying transient failures with backoff.
The ``%%track`` magic flushes before the cell's run ends; elsewhere call :func:`flush`, which blocks until
everything is on the server and raises :class:`UnsentDataError` for anything that is not (the process's
exit flushes too). Nothing is dropped silently.

Configuration is MLflow's, read at each call: ``MLFLOW_RUN_ID`` (the default run; ``%%track`` sets it),
``MLFLOW_TRACKING_URI``, ``MLFLOW_TRACKING_TOKEN`` or ``MLFLOW_TRACKING_USERNAME`` /
``MLFLOW_TRACKING_PASSWORD``, ``MLFLOW_TRACKING_INSECURE_TLS``, ``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` /
``_BACKOFF_FACTOR`` / ``_TIMEOUT``. Every call takes ``run_id=`` to write into another run.

It is not ``mlflow`` and never imports or patches it: both can be used in one process.
"""

import atexit
import os
import sys
import time

from . import _artifacts, _config, _queue
from ._errors import ApiError, InvalidValueError, LabtrackError, NoRunError, Rejection, UnsentDataError
from ._validate import _valid_keys, check_key, metric_value, run_id as _check_run_id, step_value
from ._validate import timestamp_value

__version__ = "0.1.0"
__all__ = [
    "ApiError",
    "InvalidValueError",
    "LabtrackError",
    "NoRunError",
    "Rejection",
    "UnsentDataError",
    "active_run_id",
    "flush",
    "log_artifact",
    "log_artifacts",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "set_tag",
    "set_tags",
]

_METRIC, _PARAM, _TAG = _queue.METRIC, _queue.PARAM, _queue.TAG
_sender = _queue.Sender()
_put = _sender.put
_environ = os.environ
_now = time.time
# The last run written to: (the run id as given or read, its (tracking URI, run id) target).
_last = (None, None)


def _target(run_id, what):
    """(tracking URI, run id) of the run a call writes to; one shared tuple per run."""
    rid = _environ.get("MLFLOW_RUN_ID") if run_id is None else run_id
    last = _last
    if rid is not None and rid == last[0]:
        return last[1]
    return _new_target(rid, what)


def _new_target(rid, what):
    global _last
    if rid is None or (isinstance(rid, str) and not rid.strip()):
        raise NoRunError(
            f"labtrack.{what}: no run to log to. Put %%track on the cell's first line (Labtrack then "
            "sets MLFLOW_RUN_ID for the cell's code), set MLFLOW_RUN_ID, or pass run_id=…"
        )
    target = (_config.tracking_uri(), _check_run_id(rid.strip() if isinstance(rid, str) else rid))
    _last = (rid, target)
    return target


def active_run_id():
    """The run calls without ``run_id=`` write to (``MLFLOW_RUN_ID``), or None."""
    return _environ.get("MLFLOW_RUN_ID") or None


def log_metric(key, value, step=None, timestamp=None, *, run_id=None):
    """Queues one metric point: ``value`` a real number (NaN and ±inf allowed, not a bool), ``step`` an
    int (default 0, as in MLflow), ``timestamp`` in ms since the epoch (default now)."""
    if key.__class__ is not str or key not in _valid_keys:
        check_key("metric", key)
    if timestamp is None:
        timestamp = int(_now() * 1000)
    else:
        timestamp = timestamp_value(key, value, timestamp)
    if value.__class__ is not float:
        value = metric_value(key, value, timestamp)
    if step is None:
        step = 0
    elif step.__class__ is not int:
        step = step_value(key, value, step)
    _put((_METRIC, _target(run_id, "log_metric"), key, value, timestamp, step))


def log_metrics(metrics, step=None, timestamp=None, *, run_id=None):
    """Queues several metrics at one step and time. All are checked before any is queued."""
    if timestamp is None:
        timestamp = int(_now() * 1000)
    entries = []
    for key, value in dict(metrics).items():
        check_key("metric", key)
        ts = timestamp_value(key, value, timestamp)
        v = metric_value(key, value, ts)
        entries.append((key, v, ts, 0 if step is None else step_value(key, v, step)))
    target = _target(run_id, "log_metrics")
    for key, value, ts, st in entries:
        _put((_METRIC, target, key, value, ts, st))


def log_param(key, value, *, run_id=None):
    """Queues a param (stringified, as MLflow does; params are write-once). Returns ``value``."""
    check_key("param", key)
    _put((_PARAM, _target(run_id, "log_param"), key, str(value), 0, 0))
    return value


def log_params(params, *, run_id=None):
    """Queues several params. All are checked before any is queued."""
    entries = [(check_key("param", k), str(v)) for k, v in dict(params).items()]
    target = _target(run_id, "log_params")
    for key, text in entries:
        _put((_PARAM, target, key, text, 0, 0))


def set_tag(key, value, *, run_id=None):
    """Queues a tag (stringified); the last value set wins."""
    check_key("tag", key)
    _put((_TAG, _target(run_id, "set_tag"), key, str(value), 0, 0))


def set_tags(tags, *, run_id=None):
    """Queues several tags. All are checked before any is queued."""
    entries = [(check_key("tag", k), str(v)) for k, v in dict(tags).items()]
    target = _target(run_id, "set_tags")
    for key, text in entries:
        _put((_TAG, target, key, text, 0, 0))


def flush(timeout=None):
    """Blocks until everything queued so far is on the server (``timeout`` in seconds: None waits
    through every retry). Raises :class:`UnsentDataError` naming what the server refused (set aside)
    and what could not be sent yet (still queued: a later flush() sends it)."""
    _sender.flush(timeout)


def log_artifact(local_path, artifact_path=None, *, run_id=None):
    """Uploads one file into the run's artifacts (under ``artifact_path``), now, through the tracking
    server (runs whose artifact URI is ``mlflow-artifacts:/…``: Labtrack's server, ``mlflow server
    --serve-artifacts``)."""
    target = _target(run_id, "log_artifact")
    _artifacts.upload_file(_sender.http, target, local_path, artifact_path)


def log_artifacts(local_dir, artifact_path=None, *, run_id=None):
    """Uploads the files of a directory (recursively) into the run's artifacts, now."""
    target = _target(run_id, "log_artifacts")
    _artifacts.upload_dir(_sender.http, target, local_dir, artifact_path)


def _at_exit():
    if _sender.idle():
        return
    try:
        _sender.flush(timeout=60)
    except UnsentDataError as e:
        print(e.describe(exiting=True), file=sys.stderr)


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    # A forked child (DataLoader workers, multiprocessing) must not share the parent's thread, locks or
    # queue: it starts with an empty queue and starts its own thread if it logs.
    os.register_at_fork(after_in_child=_sender.after_fork_in_child)

