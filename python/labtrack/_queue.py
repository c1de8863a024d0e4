"""The queue behind log_metric/log_param/set_tag and the thread that empties it.

Logging appends a tuple to a deque (atomic in CPython, so safe from any thread) and at most sets an
Event; a daemon thread takes the queue's head, sends it as runs/log-batch calls within MLflow's limits,
in order, one request at a time, and drops entries only once the server acknowledged them. Transient
failures (network, timeouts, 5xx, 408, 429) are retried with exponential backoff; after the last retry
the data stays queued and flush() reports it. Values the server refuses (a 4xx that retrying cannot
fix) are isolated by halving the batch, set aside and reported by the next flush(): nothing is dropped
silently, and one bad value does not cost the good ones around it.

Entries are tuples (kind, target, key, value, timestamp, step): `target` is (tracking URI, run id),
one shared tuple per run, so that a batch is the longest run of entries with the same target.
"""

import collections
import threading
import time

from . import _config, _rest
from ._errors import ApiError, Rejection, UnsentDataError

METRIC, PARAM, TAG = 0, 1, 2

# MLflow's runs/log-batch limits (src/store/rules.ts LIMITS, reference §7), and under its documented
# 1 MB request size.
MAX_METRICS, MAX_PARAMS, MAX_TAGS, MAX_TOTAL = 1000, 100, 100, 1000
MAX_BODY_BYTES = 900_000
# A full batch is sent at once; fewer values wait at most INTERVAL seconds.
FLUSH_AT = MAX_TOTAL
INTERVAL = 0.2
# After the last retry failed: how long the thread waits before trying again on its own.
STALL_PAUSE = 30.0
# Entries moved from the deque to the thread's own list at a time.
TAKE = 5000


def _verdict(error):
    """'retry' later, 'keep' (not the data's fault: stop and report), 'run' (the run can never take
    data), or 'data' (the server refused these values)."""
    if isinstance(error, ApiError):
        status = error.status
        if status >= 500 or status in (408, 429):
            return "retry"
        if status in (401, 403):
            return "keep"
        if error.error_code == "RESOURCE_DOES_NOT_EXIST" or "must be in the 'active' state" in error.message:
            return "run"
        if status == 404:
            return "keep"  # a wrong tracking URI, not bad data
        return "data" if status >= 400 else "keep"
    return "retry" if _rest.transient(error) else "keep"


def _describe(uri, error):
    if isinstance(error, ApiError):
        return f"{uri} answered {error}"
    return f"{uri} did not answer: {error}"


def _wire(value):
    """A metric value in MLflow's JSON: non-finite doubles as the strings the Python client sends."""
    if value - value == 0:
        return value
    if value != value:
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


class Sender:
    def __init__(self):
        self.queue = collections.deque()
        self._reset()

    def _reset(self):
        # Only the sender thread changes `pending`, always under `lock`; flush() reads it under `lock`.
        self.pending = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.wake = threading.Event()  # something is queued
        self.now = threading.Event()  # send now: a full batch is queued, or flush() waits
        self.retry_now = threading.Event()  # flush() wants a stalled thread to try again
        self.stopping = threading.Event()
        self.thread = None
        self.http = _rest.Http()
        self.done = 0  # entries acknowledged or set aside since the start
        self.rejections = []
        self.stalls = 0
        self.stall_error = None
        self.crashed = None
        self.bisect = 0  # while isolating a refused value: the batch size to try
        self.suspect = 0  # and how many entries are still under suspicion

    def after_fork_in_child(self):
        """The child starts empty, with its own locks and no thread: the parent sends its own data."""
        self.queue.clear()
        inherited = self.http
        self._reset()
        inherited.close_all()

    # ---- producers (any thread) -------------------------------------------------------------------

    def put(self, entry):
        queue = self.queue
        queue.append(entry)
        if not self.wake.is_set():
            self._kick()
        elif len(queue) >= FLUSH_AT and not self.now.is_set():
            self.now.set()

    def _kick(self):
        thread = self.thread
        if thread is None or not thread.is_alive():
            with self.lock:
                self._start_locked()
        self.wake.set()

    def _start_locked(self):
        thread = self.thread
        if thread is not None and thread.is_alive():
            return True
        thread = threading.Thread(target=self._run, name="labtrack-sender", daemon=True)
        try:
            thread.start()
        except RuntimeError:
            return False  # interpreter shutdown: flush() sends from its own thread
        self.thread = thread
        self.crashed = None
        return True

    # ---- the thread ----------------------------------------------------------------------------------

    def _run(self):
        try:
            while not self.stopping.is_set():
                self.wake.wait()
                if len(self.queue) < FLUSH_AT:
                    self.now.wait(INTERVAL)
                self.wake.clear()
                self.now.clear()
                self._cycle(inline=False)
        except BaseException as e:  # a bug: flush() must say so rather than wait forever
            with self.cond:
                self.crashed = e
                self.cond.notify_all()
            raise

    def _cycle(self, inline):
        """Sends until nothing is queued. Returns early only when inline and the server cannot take it."""
        settings = _config.Settings()
        failures = 0
        while True:
            with self.lock:
                self._take_queued(TAKE)
                if not self.pending:
                    self.cond.notify_all()
                    return
                target, n, payload = self._batch()
            try:
                _rest.call(
                    self.http, target[0], "POST", "runs/log-batch", payload, timeout=settings.timeout
                )
            except Exception as e:
                verdict = _verdict(e)
                if verdict == "retry" and failures < settings.max_retries:
                    failures += 1
                    if self.stopping.wait(settings.delay(failures)):
                        return
                    continue
                if verdict in ("retry", "keep"):
                    with self.cond:
                        self.stalls += 1
                        self.stall_error = _describe(target[0], e)
                        self.retry_now.clear()
                        self.cond.notify_all()
                    if inline:
                        return
                    # Try again when a flush() asks, or on its own after a pause.
                    self.retry_now.wait(STALL_PAUSE)
                    settings = _config.Settings()
                    failures = 0
                    continue
                with self.cond:
                    if verdict == "run":
                        self._drop_run(target, e)
                    elif n > 1:
                        # One bad value must not cost the good ones around it: halve until it is alone.
                        self.bisect = (n + 1) // 2
                        self.suspect = n
                    else:
                        self._set_aside(1, e)
                    self.cond.notify_all()
                continue
            with self.cond:
                self._advance(n)
                failures = 0
                self.cond.notify_all()

    def _take_queued(self, limit):
        pending = self.pending
        queue = self.queue
        room = limit - len(pending)
        while room > 0 and queue:
            pending.append(queue.popleft())
            room -= 1

    def _batch(self):
        """The longest head of `pending` for one run within the limits, without a repeated param or tag
        key (a tag set twice goes in two requests, so the later value wins as it would call by call)."""
        pending = self.pending
        target = pending[0][1]
        limit = min(self.bisect or MAX_TOTAL, len(pending))
        metrics, params, tags = [], [], []
        seen_params, seen_tags = set(), set()
        size = 0
        n = 0
        while n < limit:
            kind, t, key, value, timestamp, step = pending[n]
            if t is not target and t != target:
                break
            if kind == METRIC:
                if len(metrics) == MAX_METRICS:
                    break
                size += len(key) + 80
                if size > MAX_BODY_BYTES and n:
                    break
                metrics.append({"key": key, "value": _wire(value), "timestamp": timestamp, "step": step})
            else:
                size += len(key) + len(value) * 2 + 40
                if size > MAX_BODY_BYTES and n:
                    break
                if kind == PARAM:
                    if len(params) == MAX_PARAMS or key in seen_params:
                        break
                    seen_params.add(key)
                    params.append({"key": key, "value": value})
                else:
                    if len(tags) == MAX_TAGS or key in seen_tags:
                        break
                    seen_tags.add(key)
                    tags.append({"key": key, "value": value})
            n += 1
        payload = {"run_id": target[1]}
        if metrics:
            payload["metrics"] = metrics
        if params:
            payload["params"] = params
        if tags:
            payload["tags"] = tags
        return target, n, payload

    def _advance(self, n):
        del self.pending[:n]
        self.done += n
        if self.suspect > 0:
            self.suspect -= n
            if self.suspect <= 0:
                self.bisect = self.suspect = 0

    def _set_aside(self, n, error):
        entries = self.pending[:n]
        self.rejections.append(Rejection(entries[0][1][1], entries, error))
        self._advance(n)

    def _drop_run(self, target, error):
        """The run is gone or not active: none of its values can ever be stored."""
        self._take_queued(len(self.queue) + len(self.pending) + 1)
        dropped = [e for e in self.pending if e[1] == target]
        self.pending = [e for e in self.pending if e[1] != target]
        self.done += len(dropped)
        self.bisect = self.suspect = 0
        self.rejections.append(Rejection(target[1], dropped, error))

    # ---- flush ---------------------------------------------------------------------------------------

    def counts(self):
        c = [0, 0, 0]
        for e in self.pending:
            c[e[0]] += 1
        for e in tuple(self.queue):
            c[e[0]] += 1
        return {"metrics": c[METRIC], "params": c[PARAM], "tags": c[TAG]}

    def idle(self):
        return not self.queue and not self.pending and not self.rejections

    def flush(self, timeout=None):
        """Waits until everything queued before the call is on the server; raises UnsentDataError
        when some of it could not be sent (still queued) or was refused (set aside)."""
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0)
        reason = None
        inline = False
        with self.cond:
            goal = self.done + len(self.pending) + len(self.queue)
            stalls = self.stalls
            if self.done < goal:
                if not self._start_locked():
                    inline = True
                else:
                    self.retry_now.set()
                    self.now.set()
                    self.wake.set()
                while not inline and self.done < goal:
                    if self.stalls > stalls:
                        reason = self.stall_error
                        break
                    if self.crashed is not None or not self.thread.is_alive():
                        reason = f"labtrack's sender thread stopped: {self.crashed!r}"
                        break
                    wait = 1.0
                    if deadline is not None:
                        wait = min(wait, deadline - time.monotonic())
                        if wait <= 0:
                            reason = f"flush(timeout={timeout}) ran out of time"
                            break
                    self.cond.wait(wait)
        if inline:
            self._cycle(inline=True)
            with self.cond:
                if self.done < goal:
                    reason = self.stall_error
        with self.cond:
            rejections, self.rejections = self.rejections, []
            unsent = self.counts() if reason is not None else {"metrics": 0, "params": 0, "tags": 0}
        if rejections or any(unsent.values()):
            raise UnsentDataError(rejections, unsent, reason)
