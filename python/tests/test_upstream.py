"""The proxy's kept-alive connections (labtrack_jupyter.upstream) against a real HTTP/1.1 server in a
thread: connections are reused, a connection the server closed is never used, a kept connection that
dies before answering is retried only for idempotent requests, answers stream, errors say why."""

import asyncio
import gzip
import http.server
import os
import socketserver
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

try:
    from tornado import httputil

    from labtrack_jupyter import handlers, target, upstream  # noqa: E402
except ImportError:  # pragma: no cover - tornado / jupyter_server missing on this interpreter
    upstream = None


class Recorder(http.server.BaseHTTPRequestHandler):
    """One instance per connection (BaseHTTPRequestHandler loops over its requests)."""

    protocol_version = "HTTP/1.1"
    timeout = None  # the server's idle limit per connection, set by a test

    def setup(self):
        super().setup()
        self.number = self.server.count_connection()
        self.served = 0

    def log_message(self, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.served += 1
        self.server.requests.append(
            {"conn": self.number, "method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        path = self.path.split("?")[0]
        if path == "/drop-if-reused" and self.served > 1:
            self.close_connection = True
            return  # nothing answered: the connection just closes
        if path == "/slow":
            time.sleep(1.5)
        if path == "/no-content":
            self.send_response(204)
            self.end_headers()
            return
        if path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(5):
                part = (str(i) * 70_000).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
                time.sleep(0.01)
            self.wfile.write(b"0\r\n\r\n")
            return
        payload = b'{"ok": true}'
        extra = [("Vary", "Origin"), ("Vary", "Accept")]
        if path == "/gzip":
            payload = gzip.compress(b"x" * 10_000)
            extra.append(("Content-Encoding", "gzip"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra:
            self.send_header(name, value)
        if path == "/close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Recorder)
        self.requests = []
        self.connections = 0
        self.lock = threading.Lock()

    def handle_error(self, request, client_address):
        pass  # a client that timed out and left (test_a_slow_server_times_out): nothing to report

    def count_connection(self):
        with self.lock:
            self.connections += 1
            return self.connections


class Collect(httputil.HTTPMessageDelegate):
    def __init__(self):
        self.code = None
        self.headers = None
        self.chunks = []
        self.finished = False

    def headers_received(self, start_line, headers):
        self.code = start_line.code
        self.headers = headers

    def data_received(self, chunk):
        self.chunks.append(chunk)

    def finish(self):
        self.finished = True

    @property
    def body(self):
        return b"".join(self.chunks)


@unittest.skipIf(upstream is None, "tornado is not installed")
class PoolTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        host, port = self.server.server_address
        self.origin = upstream.Origin("http", host, port, f"{host}:{port}")
        self.pools = []

    def pool(self):
        self.pools.append(upstream.Pool())
        return self.pools[-1]

    def run_loop(self, main):
        """Runs a test's coroutine on a new event loop, closing its pools' idle connections after."""

        async def closing():
            try:
                return await main()
            finally:
                for pool in self.pools:
                    pool.close()

        return asyncio.run(closing())

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        Recorder.timeout = None

    def fetch(self, pool, method, path, body=None, timeout=10.0):
        answer = Collect()

        async def go():
            await pool.fetch(
                self.origin, method, path, httputil.HTTPHeaders(), body, answer, timeout=timeout, connect_timeout=5.0
            )

        return answer, go()

    def test_sequential_requests_share_one_connection(self):
        async def main():
            pool = self.pool()
            bodies = []
            for method, path, body in [
                ("POST", "/api/2.0/mlflow/runs/create", b'{"experiment_id": "0"}'),
                ("GET", "/api/2.0/mlflow/runs/get?run_id=1", None),
                ("POST", "/api/2.0/mlflow/runs/log-batch", b"{}"),
                ("HEAD", "/x", None),
                ("GET", "/no-content", None),
                ("DELETE", "/y", None),
            ]:
                answer, go = self.fetch(pool, method, path, body)
                await go
                bodies.append((answer.code, answer.body, answer.finished))
            return pool, bodies

        pool, bodies = self.run_loop(main)
        self.assertEqual(bodies[0], (200, b'{"ok": true}', True))
        self.assertEqual(bodies[3], (200, b"", True))  # HEAD: headers only
        self.assertEqual(bodies[4][0], 204)
        self.assertEqual(self.server.connections, 1)
        self.assertEqual([r["conn"] for r in self.server.requests], [1] * 6)
        first = self.server.requests[0]
        self.assertEqual(first["body"], b'{"experiment_id": "0"}')
        self.assertEqual(first["headers"]["Host"], self.origin.netloc)
        self.assertEqual(first["headers"]["Content-Length"], "22")
        self.assertEqual(self.server.requests[2]["path"], "/api/2.0/mlflow/runs/log-batch")

    def test_concurrent_requests_each_get_a_connection_then_are_kept(self):
        async def main():
            pool = self.pool()
            pairs = [self.fetch(pool, "GET", f"/r{i}") for i in range(3)]
            await asyncio.gather(*(go for _, go in pairs))
            kept = pool.idle_count(self.origin)
            answer, go = self.fetch(pool, "GET", "/again")
            await go
            return kept, [a.code for a, _ in pairs], answer.code

        kept, codes, again = self.run_loop(main)
        self.assertEqual(codes, [200, 200, 200])
        self.assertEqual(again, 200)
        self.assertEqual(self.server.connections, 3)
        self.assertEqual(kept, 3)

    def test_an_answer_with_connection_close_is_not_kept(self):
        async def main():
            pool = self.pool()
            for path in ["/close", "/after"]:
                answer, go = self.fetch(pool, "GET", path)
                await go
                self.assertEqual(answer.code, 200)
            return pool

        self.run_loop(main)
        self.assertEqual(self.server.connections, 2)

    def test_a_connection_the_server_closed_while_idle_is_not_used(self):
        Recorder.timeout = 0.2  # the server drops a connection idle this long

        async def main():
            pool = self.pool()
            answer, go = self.fetch(pool, "POST", "/first", b"{}")
            await go
            kept = pool.idle_count(self.origin)
            # Bounded wait for the server to close it and tornado to notice.
            for _ in range(100):
                await asyncio.sleep(0.05)
                if pool.idle_count(self.origin) == 0:
                    break
            dropped = pool.idle_count(self.origin) == 0
            answer2, go = self.fetch(pool, "POST", "/second", b"{}")
            await go
            return kept, dropped, answer2.code

        kept, dropped, code = self.run_loop(main)
        self.assertEqual(kept, 1)
        self.assertTrue(dropped)
        self.assertEqual(code, 200)
        self.assertEqual(self.server.connections, 2)
        self.assertEqual([r["path"] for r in self.server.requests], ["/first", "/second"])

    def test_a_kept_connection_that_dies_unanswered_is_retried_for_a_get_only(self):
        async def main():
            pool = self.pool()
            answer, go = self.fetch(pool, "GET", "/warm")
            await go
            get, go = self.fetch(pool, "GET", "/drop-if-reused")
            await go  # the server closes the kept connection: sent again on a new one
            answer, go = self.fetch(pool, "POST", "/warm", b"{}")
            await go
            post, go = self.fetch(pool, "POST", "/drop-if-reused", b'{"name": "once"}')
            try:
                await go
            except upstream.UpstreamError as e:
                return get.code, str(e)
            return get.code, None

        get_code, post_error = self.run_loop(main)
        self.assertEqual(get_code, 200)
        self.assertIsNotNone(post_error, "a POST is never sent twice")
        self.assertIn("closed", post_error)
        posts = [r for r in self.server.requests if r["method"] == "POST" and r["path"] == "/drop-if-reused"]
        self.assertEqual(len(posts), 1)
        gets = [r for r in self.server.requests if r["method"] == "GET" and r["path"] == "/drop-if-reused"]
        self.assertEqual(len(gets), 2)

    def test_a_chunked_answer_streams_and_the_connection_is_kept(self):
        async def main():
            pool = self.pool()
            answer, go = self.fetch(pool, "GET", "/chunked")
            await go
            return answer, pool.idle_count(self.origin)

        answer, kept = self.run_loop(main)
        self.assertEqual(answer.body, b"".join((str(i) * 70_000).encode() for i in range(5)))
        self.assertGreater(len(answer.chunks), 1)
        self.assertEqual(kept, 1)

    def test_a_gzipped_answer_is_decoded(self):
        async def main():
            pool = self.pool()
            answer, go = self.fetch(pool, "GET", "/gzip")
            await go
            return answer

        answer = self.run_loop(main)
        self.assertEqual(answer.body, b"x" * 10_000)
        self.assertNotIn("Content-Encoding", answer.headers)
        self.assertEqual(answer.headers.get_list("Vary"), ["Origin", "Accept"])
        self.assertEqual(self.server.requests[0]["headers"]["Accept-Encoding"], "gzip")

    def test_a_refused_connection_says_so(self):
        with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as closed:
            port = closed.server_address[1]
        origin = upstream.Origin("http", "127.0.0.1", port, f"127.0.0.1:{port}")

        async def main():
            await self.pool().fetch(
                origin, "GET", "/", httputil.HTTPHeaders(), None, Collect(), timeout=5.0, connect_timeout=5.0
            )

        with self.assertRaises(upstream.UpstreamError) as caught:
            self.run_loop(main)
        self.assertRegex(str(caught.exception), "(?i)refused")
        self.assertFalse(caught.exception.timed_out)

    def test_a_slow_server_times_out(self):
        async def main():
            answer, go = self.fetch(self.pool(), "GET", "/slow", timeout=0.3)
            await go

        with self.assertRaises(upstream.UpstreamError) as caught:
            self.run_loop(main)
        self.assertTrue(caught.exception.timed_out)


@unittest.skipIf(upstream is None, "jupyter_server is not installed")
class RouteTest(unittest.TestCase):
    def test_parsed_once_per_uri_and_environment(self):
        env = {"MLFLOW_TRACKING_URI": "http://tracking.internal:5000/mlflow/", "MLFLOW_TRACKING_TOKEN": "t0k"}
        first = handlers.route(None, env)
        self.assertIs(handlers.route("", env), first)
        self.assertEqual(first.origin, upstream.Origin("http", "tracking.internal", 5000, "tracking.internal:5000"))
        self.assertEqual(first.prefix, "/mlflow")
        self.assertEqual(first.auth, (("Authorization", "Bearer t0k"),))
        # Another server named by the browser never gets the credentials; a new token is seen.
        self.assertEqual(handlers.route("https://elsewhere", env).auth, ())
        self.assertEqual(handlers.route("https://elsewhere", env).origin.port, 443)
        env["MLFLOW_TRACKING_TOKEN"] = "new"
        self.assertEqual(handlers.route(None, env).auth, (("Authorization", "Bearer new"),))

    def test_a_bad_port_is_refused_with_the_reason(self):
        with self.assertRaises(target.TargetError) as caught:
            handlers.route("http://host:99999", {})
        self.assertIn("port", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
