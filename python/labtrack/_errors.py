"""labtrack's exceptions. Every failure names what it concerns and what to do about it."""


class LabtrackError(Exception):
    """Base class of labtrack's own exceptions."""


class NoRunError(LabtrackError, RuntimeError):
    """A logging call without a run: no ``run_id=`` and no ``MLFLOW_RUN_ID`` in the environment."""


class InvalidValueError(LabtrackError, ValueError):
    """A key or value MLflow would refuse, caught before it is queued (MLflow's message style)."""


class ApiError(LabtrackError):
    """The tracking server answered an error: its HTTP status and MLflow's ``{error_code, message}``."""

    def __init__(self, status, error_code, message, endpoint=""):
        self.status = status
        self.error_code = error_code
        self.message = message
        self.endpoint = endpoint
        code = f"{error_code}: " if error_code else ""
        where = f" ({endpoint})" if endpoint else ""
        super().__init__(f"HTTP {status}{where}: {code}{message}")


class Rejection:
    """Values the server refused (a 4xx that retrying cannot fix), set aside from the queue."""

    __slots__ = ("run_id", "metrics", "params", "tags", "keys", "error")

    def __init__(self, run_id, entries, error):
        self.run_id = run_id
        self.metrics = sum(1 for e in entries if e[0] == 0)
        self.params = sum(1 for e in entries if e[0] == 1)
        self.tags = sum(1 for e in entries if e[0] == 2)
        kinds = ("metric", "param", "tag")
        seen = []
        for e in entries:
            label = f"{kinds[e[0]]} '{e[2]}'"
            if label not in seen:
                seen.append(label)
                if len(seen) == 5:
                    break
        self.keys = seen
        self.error = error

    def __repr__(self):
        return (
            f"Rejection(run_id={self.run_id!r}, metrics={self.metrics}, params={self.params}, "
            f"tags={self.tags}, error={str(self.error)!r})"
        )


def counts_text(metrics, params, tags):
    parts = []
    for n, word in ((metrics, "metric"), (params, "param"), (tags, "tag")):
        if n:
            parts.append(f"{n:,} {word}{'' if n == 1 else 's'}")
    return ", ".join(parts) or "nothing"


class UnsentDataError(LabtrackError):
    """``flush()`` could not get everything onto the server. Nothing is dropped silently:

    - ``rejected``: list of :class:`Rejection` — values the server refused (e.g. a param logged again
      with another value, a run that does not exist); they were set aside, everything else was sent.
    - ``unsent``: ``{"metrics": n, "params": n, "tags": n}`` still queued because the server could not
      be reached, kept answering 5xx/429 after every retry, refused the credentials, or the timeout
      passed. They stay queued: the background thread keeps trying and the next ``flush()`` sends them.
    - ``reason``: why ``unsent`` is not empty (the last error), or None.
    """

    def __init__(self, rejected, unsent, reason):
        self.rejected = list(rejected)
        self.unsent = dict(unsent)
        self.reason = reason
        super().__init__(self.describe())

    def describe(self, exiting=False):
        lines = []
        for r in self.rejected:
            what = counts_text(r.metrics, r.params, r.tags)
            keys = ", ".join(r.keys)
            lines.append(f"the server refused {what} of run {r.run_id} ({keys}): {r.error}")
        if any(self.unsent.values()):
            what = counts_text(self.unsent["metrics"], self.unsent["params"], self.unsent["tags"])
            if exiting:
                lines.append(f"{what} could not be sent before the process exited ({self.reason})")
            else:
                lines.append(
                    f"{what} not sent yet ({self.reason}); kept in the queue: labtrack.flush() sends "
                    "them once the server takes them"
                )
        return "labtrack: " + "; ".join(lines)
