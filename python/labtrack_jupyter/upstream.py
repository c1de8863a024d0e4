"""Kept-alive HTTP/1.1 connections from the proxy to tracking servers.

Tornado's default AsyncHTTPClient (simple_httpclient) sends ``Connection: close``: every request
resolved the host on a thread, opened a TCP connection (and a TLS session for https), and the tracking
server accepted and tore down a connection for one small JSON answer; its curl client needs pycurl,
which a Jupyter server does not always have. A tracked cell makes five requests through the proxy, so
here each takes an open connection to its server when one is idle: one write, one read, on the Jupyter
server's own event loop. Standard library and tornado only.

Connections are per (scheme, host, port) and per Pool (one per Jupyter web application). An idle one
is given up when the server closes it (tornado's close callback, and a poll of the socket when it is
taken), after IDLE_S, or beyond MAX_IDLE per server. A request whose kept connection turns out closed
before any answer is sent again on a new one only when it is idempotent (GET, HEAD, PUT, DELETE): a
POST such as runs/create might then be created twice, so it fails as an unreachable server would.
"""

import select
import ssl
import time
from typing import NamedTuple, Optional

from tornado import gen, httputil, iostream
from tornado.http1connection import HTTP1Connection, HTTP1ConnectionParameters
from tornado.ioloop import IOLoop
from tornado.tcpclient import TCPClient

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
MAX_IDLE = 8
# Longer than a cell's pauses between requests. A server's shorter keep-alive limit (gunicorn's 2 s)
# needs no guess here: its closing is noticed. This bounds how long a connection that a NAT or a
# firewall dropped without a word can still be picked.
IDLE_S = 30.0
PARAMS = HTTP1ConnectionParameters(
    decompress=True,
    # The answer is streamed to the browser as it comes, never held whole: an artifact may be larger
    # than the stream's 100 MB read buffer (simple_httpclient's limit for the whole body).
    max_body_size=1 << 62,
)


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int
    netloc: str  # the Host header


class UpstreamError(Exception):
    """The tracking server could not be reached, or did not answer; ``timed_out`` when it was too slow."""

    def __init__(self, reason: str, timed_out: bool = False):
        super().__init__(reason)
        self.timed_out = timed_out


class _Exchange(httputil.HTTPMessageDelegate):
    """Passes the answer to the caller's delegate and notes whether the connection can serve another."""

    def __init__(self, delegate: httputil.HTTPMessageDelegate, stream: iostream.IOStream, method: str):
        self.delegate = delegate
        self.stream = stream
        self.method = method
        self.answered = False
        self.reusable = False
        # The browser went away while the answer was being passed on: the rest is not read.
        self.receiver_gone = False
        # Why no answer came (None when one did, or the browser went away).
        self.failure: Optional[str] = None

    def headers_received(self, start_line, headers):
        if 100 <= start_line.code < 200:
            return None  # an interim answer (never asked for: no Expect header is sent)
        self.answered = True
        tokens = {t.strip().lower() for t in headers.get("Connection", "").split(",")}
        framed = (
            "Content-Length" in headers
            or headers.get("Transfer-Encoding", "").lower() == "chunked"
            or self.method == "HEAD"
            or start_line.code in (204, 304)
        )
        persistent = "keep-alive" in tokens if start_line.version == "HTTP/1.0" else "close" not in tokens
        self.reusable = framed and persistent
        return self.delegate.headers_received(start_line, headers)

    async def data_received(self, chunk):
        if self.receiver_gone:
            return
        try:
            pending = self.delegate.data_received(chunk)
            if pending is not None:
                await pending
        except iostream.StreamClosedError:
            self.receiver_gone = True
            self.stream.close()

    def finish(self):
        self.delegate.finish()

    def on_connection_close(self):
        self.delegate.on_connection_close()


def _readable(stream: iostream.IOStream) -> bool:
    """True when an idle connection has something to read: the server closed it (or sent what it
    should not have); either way it cannot carry a request."""
    try:
        poller = select.poll()
        poller.register(stream.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


class Pool:
    def __init__(self) -> None:
        self._idle: dict = {}  # Origin -> list of (stream, idle since)
        self._tcp = TCPClient()
        self._tls: Optional[ssl.SSLContext] = None

    def idle_count(self, origin: Origin) -> int:
        return len(self._idle.get(origin, ()))

    def close(self) -> None:
        """Closes the idle connections (those in use close when their exchange ends)."""
        for idle in list(self._idle.values()):
            for stream, _ in list(idle):
                stream.close()
        self._idle.clear()

    async def fetch(
        self,
        origin: Origin,
        method: str,
        target: str,
        headers: httputil.HTTPHeaders,
        body: Optional[bytes],
        delegate: httputil.HTTPMessageDelegate,
        timeout: float,
        connect_timeout: float,
    ) -> None:
        """Sends one request and passes its answer to ``delegate`` as it arrives.

        Raises UpstreamError when no connection could be made, or the connection failed or the time
        ran out; ``delegate`` may have had the start of the answer by then.
        """
        deadline = IOLoop.current().time() + timeout
        headers["Host"] = origin.netloc
        if body is not None:
            headers["Content-Length"] = str(len(body))
        elif method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = "0"
        # What simple_httpclient did: the answer may come gzipped and is decoded here.
        headers["Accept-Encoding"] = "gzip"
        if method == "POST" and "Content-Type" not in headers:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start_line = httputil.RequestStartLine(method, target, "HTTP/1.1")
        stream = self._take(origin)
        kept = stream is not None
        if stream is None:
            stream = await self._connect(origin, deadline, connect_timeout)
        exchange = await self._exchange(origin, stream, start_line, headers, body, delegate, deadline)
        if exchange.failure is not None and kept and method in IDEMPOTENT:
            # The server had closed the kept connection: it never saw the request.
            stream = await self._connect(origin, deadline, connect_timeout)
            exchange = await self._exchange(origin, stream, start_line, headers, body, delegate, deadline)
        if exchange.failure is not None:
            raise UpstreamError(exchange.failure)

    async def _exchange(self, origin, stream, start_line, headers, body, delegate, deadline) -> "_Exchange":
        """One request on ``stream``; its ``failure`` says why no answer came, if none did. Raises
        UpstreamError when the time ran out, or the answer broke off after it had started."""
        exchange = _Exchange(delegate, stream, start_line.method)
        connection = HTTP1Connection(stream, True, PARAMS)
        try:
            # The body goes with the head, in one write.
            connection.write_headers(start_line, headers, body or None)
            connection.finish()
            complete = await gen.with_timeout(
                deadline, connection.read_response(exchange), quiet_exceptions=(iostream.StreamClosedError,)
            )
        except gen.TimeoutError:
            stream.close()
            raise UpstreamError("timed out", timed_out=True) from None
        except Exception as e:  # noqa: BLE001 - a reset, a failed gzip stream: one clear reason
            stream.close()
            if exchange.receiver_gone:
                return exchange
            if not exchange.answered:
                exchange.failure = _reason(e)
                return exchange
            raise UpstreamError(_reason(e)) from e
        if not complete:
            # tornado read something that is not an HTTP answer (and logged it).
            stream.close()
            if exchange.answered:
                raise UpstreamError("the answer was not valid HTTP")
            exchange.failure = "the answer was not valid HTTP"
        elif exchange.reusable and not stream.closed():
            self._put(origin, stream)
        else:
            stream.close()
        return exchange

    async def _connect(self, origin: Origin, deadline: float, connect_timeout: float) -> iostream.IOStream:
        tls = None
        if origin.scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
            tls = self._tls
        loop = IOLoop.current()
        try:
            stream = await self._tcp.connect(
                origin.host,
                origin.port,
                ssl_options=tls,
                timeout=min(deadline, loop.time() + connect_timeout),
            )
        except gen.TimeoutError:
            raise UpstreamError("timed out while connecting", timed_out=True) from None
        except Exception as e:  # noqa: BLE001 - refused, unknown host, TLS: said as it is
            raise UpstreamError(_reason(e)) from e
        stream.set_nodelay(True)
        return stream

    def _take(self, origin: Origin) -> Optional[iostream.IOStream]:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            stream, since = idle.pop()  # the most recently used: the one least likely to have timed out
            stream.set_close_callback(None)
            if stream.closed() or now - since > IDLE_S or _readable(stream):
                stream.close()
                continue
            return stream
        return None

    def _put(self, origin: Origin, stream: iostream.IOStream) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= MAX_IDLE:
            stream.close()
            return
        entry = (stream, time.monotonic())
        idle.append(entry)

        def closed():
            if entry in idle:
                idle.remove(entry)

        # Tornado watches a stream with a close callback for the server's closing it.
        stream.set_close_callback(closed)


def _reason(e: BaseException) -> str:
    if isinstance(e, iostream.StreamClosedError) and e.real_error is not None:
        e = e.real_error
    return str(e) or type(e).__name__
