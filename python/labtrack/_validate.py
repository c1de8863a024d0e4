"""MLflow's checks on keys and values, in MLflow's message style, made before anything is queued so
that a mistake surfaces at the line that made it rather than later in the background thread."""

import math
import numbers
import posixpath
import re

from ._errors import InvalidValueError

MAX_KEY_LENGTH = 250
RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
# MLflow's _VALID_PARAM_AND_METRIC_NAMES: Python's \w is Unicode-aware, as in MLflow.
_KEY_CHARS = re.compile(r"^[/\w.\- :]*$")
_INT64 = (-(2**63), 2**63 - 1)

# Keys already checked. Keys are few and repeated in a training loop, so this keeps the check off the
# hot path; it is cleared if a program invents keys without end.
_valid_keys = set()


def check_key(kind, key):
    """Raises InvalidValueError/TypeError unless `key` is a valid metric/param/tag key."""
    if not isinstance(key, str):
        raise TypeError(f"{kind} key must be a str, not {type(key).__name__}: {key!r}")
    if key in _valid_keys:
        return key
    if not _KEY_CHARS.match(key):
        raise InvalidValueError(
            f"Invalid {kind} name: '{key}'. Names may only contain alphanumerics, underscores (_), "
            "dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)."
        )
    norm = posixpath.normpath(key) if key else key
    if key == "" or norm != key or norm == "." or norm.startswith("..") or norm.startswith("/"):
        raise InvalidValueError(
            f"Invalid {kind} name: '{key}'. Names cannot be empty, contain '..' or '.' segments, "
            "start with '/' or end with '/'."
        )
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidValueError(
            f"{kind.capitalize()} key '{key[:40]}…' had length {len(key)}, which exceeded length "
            f"limit of {MAX_KEY_LENGTH}"
        )
    if len(_valid_keys) > 100_000:
        _valid_keys.clear()
    _valid_keys.add(key)
    return key


def metric_value(key, value, timestamp):
    """A metric value as a float: any real number (NaN and ±inf included), not a bool — as MLflow."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        hint = ""
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):
            hint = " (a one-element array or tensor: pass value.item())"
        raise InvalidValueError(
            f"Got invalid value {value!r} for metric '{key}' (timestamp={timestamp}). Please specify "
            f"value as a valid double (64-bit floating point){hint}"
        )
    try:
        return float(value)
    except OverflowError:
        # An int beyond a double's range: MLflow's SQL store clamps infinities to the largest double.
        return math.inf if value > 0 else -math.inf


def step_value(key, value, step):
    """A step as an int (64-bit); MLflow's default step is 0, set by the caller."""
    if not isinstance(step, bool) and isinstance(step, numbers.Integral):
        step = int(step)
        if _INT64[0] <= step <= _INT64[1]:
            return step
    elif isinstance(step, float) and step.is_integer():
        return step_value(key, value, int(step))
    raise InvalidValueError(
        f"Got invalid step {step!r} for metric '{key}' (value={value}). Step must be a valid long "
        "(64-bit integer)."
    )


def timestamp_value(key, value, timestamp):
    """Milliseconds since the epoch, an integer ≥ 0."""
    if not isinstance(timestamp, bool) and isinstance(timestamp, numbers.Real):
        if isinstance(timestamp, numbers.Integral) or math.isfinite(timestamp):
            ms = int(timestamp)
            if 0 <= ms <= _INT64[1]:
                return ms
    raise InvalidValueError(
        f"Got invalid timestamp {timestamp!r} for metric '{key}' (value={value}). Timestamp must be "
        "a nonnegative long (64-bit integer) in milliseconds"
    )


def run_id(value):
    if not isinstance(value, str) or not RUN_ID.match(value):
        raise InvalidValueError(f"Invalid run ID: {value!r}. Run IDs are letters, digits, '_' and '-'.")
    return value
