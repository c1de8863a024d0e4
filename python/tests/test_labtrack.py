"""The `labtrack` Python module against a real `labtrack server` (node bin/labtrack.js server): what is
logged lands on the server and is read back over REST; batches stay within MLflow's limits; refused
values, unreachable servers and missing runs are reported, never dropped silently."""

import base64
import json
import math
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))

import labtrack  # noqa: E402

NODE = os.environ.get("NODE", "node")
BIN = os.path.join(ROOT, "bin", "labtrack.js")
ENV_KEYS = [k for k in os.environ if k.startswith("MLFLOW_")]


class Server:
    """`labtrack server` as a subprocess; start() waits for its 'listening at' line (bounded)."""

    def __init__(self, data_dir, port=0, args=(), env=None):
        self.data_dir = data_dir
        self.port = port
        self.args = list(args)
        self.env = env or {}
        self.process = None
        self.url = None

    def start(self, timeout=30):
        cmd = [NODE, BIN, "server", "--port", str(self.port), "--data-dir", self.data_dir, *self.args]
        self.process = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            text=True,
        )
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True).start()
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            seen.append(line)
            m = re.search(r"listening at (http://\S+)", line)
            if m:
                self.url = m.group(1)
                self.port = int(self.url.rsplit(":", 1)[1])
                return self
        self.stop()
        raise RuntimeError("labtrack server did not start:\n" + "".join(seen))

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process and self.process.stdout:
            self.process.stdout.close()


def api(url, method, endpoint, body=None, query=None, headers=None):
    full = f"{url}/api/2.0/mlflow/{endpoint}"
    if query:
        full += "?" + urllib.parse.urlencode(query)
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        full, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


class ServerTest(unittest.TestCase):
    """One server for the class; each test gets MLflow's variables pointing at it and no others."""

    server_args = ()
    server_env = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="labtrack-py-")
        cls.server = Server(cls.tmp.name, args=cls.server_args, env=cls.server_env).start()
        cls.url = cls.server.url

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def setUp(self):
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        self.addCleanup(patcher.stop)
        for key in ENV_KEYS:
            os.environ.pop(key, None)
        os.environ["MLFLOW_TRACKING_URI"] = self.url
        # Short retries: every test is bounded.
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "2"
        os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] = "0.05"
        self.addCleanup(self._drain)

    def _drain(self):
        # Nothing a test left queued may leak into the next one.
        try:
            labtrack.flush(timeout=10)
        except labtrack.UnsentDataError:
            pass
        self.assertTrue(labtrack._sender.idle(), "labtrack's queue is empty after the test")

    def api(self, method, endpoint, body=None, query=None):
        return api(self.url, method, endpoint, body, query, getattr(self, "headers", None))

    def new_run(self, experiment_id="0"):
        run = self.api("POST", "runs/create", {"experiment_id": experiment_id, "start_time": int(time.time() * 1000)})
        return run["run"]["info"]["run_id"]

    def history(self, run_id, key):
        answer = self.api(
            "GET", "metrics/get-history", query={"run_id": run_id, "metric_key": key, "max_results": 100000}
        )
        return answer.get("metrics", [])

    def data(self, run_id):
        data = self.api("GET", "runs/get", query={"run_id": run_id})["run"]["data"]
        return (
            {m["key"]: m for m in data.get("metrics", [])},
            {p["key"]: p["value"] for p in data.get("params", [])},
            {t["key"]: t["value"] for t in data.get("tags", [])},
        )


class LoggingTest(ServerTest):
    def test_metrics_params_and_tags_land_in_the_cells_run(self):
        run = self.new_run()
        os.environ["MLFLOW_RUN_ID"] = run  # what %%track sets before the cell's code
        for epoch in range(5):
            labtrack.log_metric("loss", 1.0 / (epoch + 1), step=epoch)
        labtrack.log_metric("acc", 0.9)  # MLflow's defaults: step 0, timestamp now
        labtrack.log_metric("nan", float("nan"))
        labtrack.log_metric("big", math.inf)
        labtrack.log_metric("count", 3)
        labtrack.log_metrics({"a/b": 1.5, "c": 2}, step=7)
        self.assertEqual(labtrack.log_param("lr", 0.1), 0.1)
        labtrack.log_params({"epochs": 5, "flag": True, "opt": "adam"})
        labtrack.set_tag("team", "vision")
        labtrack.set_tags({"stage": "dev", "n": 2})
        before = int(time.time() * 1000)
        labtrack.flush()
        metrics, params, tags = self.data(run)
        self.assertEqual([m["step"] for m in self.history(run, "loss")], [0, 1, 2, 3, 4])
        self.assertEqual([m["value"] for m in self.history(run, "loss")], [1.0, 0.5, 1 / 3, 0.25, 0.2])
        self.assertEqual(metrics["acc"]["step"], 0)
        self.assertLessEqual(abs(metrics["acc"]["timestamp"] - before), 60_000)
        self.assertEqual(metrics["nan"]["value"], "NaN")
        self.assertEqual(metrics["big"]["value"], 1.7976931348623157e308)  # MLflow's SQL store clamps inf
        self.assertEqual(metrics["count"]["value"], 3)
        self.assertEqual((metrics["a/b"]["value"], metrics["a/b"]["step"]), (1.5, 7))
        self.assertEqual(params, {"lr": "0.1", "epochs": "5", "flag": "True", "opt": "adam"})
        self.assertEqual({k: tags[k] for k in ("team", "stage", "n")}, {"team": "vision", "stage": "dev", "n": "2"})

    def test_an_explicit_run_id_wins_over_the_cells_run(self):
        cell_run, other = self.new_run(), self.new_run()
        os.environ["MLFLOW_RUN_ID"] = cell_run
        labtrack.log_metric("loss", 0.5, step=1, run_id=other)
        labtrack.log_param("lr", "0.3", run_id=other)
        labtrack.set_tag("where", "other", run_id=other)
        labtrack.log_metric("loss", 0.7, step=1)
        labtrack.flush()
        self.assertEqual([m["value"] for m in self.history(other, "loss")], [0.5])
        self.assertEqual([m["value"] for m in self.history(cell_run, "loss")], [0.7])
        self.assertEqual(self.data(other)[1], {"lr": "0.3"})
        self.assertEqual(self.data(cell_run)[1], {})

    def test_the_run_is_read_at_each_call(self):
        first, second = self.new_run(), self.new_run()
        os.environ["MLFLOW_RUN_ID"] = first
        labtrack.log_metric("x", 1)
        os.environ["MLFLOW_RUN_ID"] = second  # the next tracked cell
        labtrack.log_metric("x", 2)
        labtrack.flush()
        self.assertEqual([m["value"] for m in self.history(first, "x")], [1])
        self.assertEqual([m["value"] for m in self.history(second, "x")], [2])

    def test_no_run_is_a_clear_error_and_queues_nothing(self):
        for call in (
            lambda: labtrack.log_metric("loss", 1.0),
            lambda: labtrack.log_param("lr", 1),
            lambda: labtrack.set_tags({"a": "b"}),
        ):
            with self.assertRaises(labtrack.NoRunError) as caught:
                call()
            self.assertIn("%%track", str(caught.exception))
            self.assertIn("run_id=", str(caught.exception))
        self.assertTrue(labtrack._sender.idle())

    def test_invalid_values_are_refused_at_the_call_in_mlflows_words(self):
        run = self.new_run()
        os.environ["MLFLOW_RUN_ID"] = run
        cases = [
            (lambda: labtrack.log_metric("bad#key", 1.0), "Invalid metric name: 'bad#key'. Names may only contain"),
            (lambda: labtrack.log_param("a//b", 1), "Invalid param name: 'a//b'. Names cannot be empty"),
            (lambda: labtrack.set_tag("", 1), "Invalid tag name: ''"),
            (lambda: labtrack.log_metric("k" * 251, 1.0), "had length 251, which exceeded length limit of 250"),
            (lambda: labtrack.log_metric("acc", True), "Got invalid value True for metric 'acc'"),
            (lambda: labtrack.log_metric("acc", "0.9"), "Please specify value as a valid double"),
            (lambda: labtrack.log_metric("acc", 0.9, step=1.5), "Step must be a valid long"),
            (lambda: labtrack.log_metric("acc", 0.9, timestamp=-1), "Timestamp must be a nonnegative long"),
            (lambda: labtrack.log_metrics({"ok": 1.0, "bad": None}), "Got invalid value None for metric 'bad'"),
        ]
        for call, message in cases:
            with self.assertRaises(labtrack.InvalidValueError) as caught:
                call()
            self.assertIn(message, str(caught.exception))
        with self.assertRaises(TypeError):
            labtrack.log_metric(3, 1.0)
        # log_metrics checks everything before it queues anything.
        self.assertTrue(labtrack._sender.idle())
        labtrack.flush()
        self.assertEqual(self.data(run)[0], {})

    def test_batches_stay_within_mlflows_limits_and_arrive_in_order(self):
        run = self.new_run()
        os.environ["MLFLOW_RUN_ID"] = run
        sent = []
        http = labtrack._sender.http
        real = http.request

        def spy(method, url, body=None, headers=None, timeout=30.0):
            if url.endswith("/runs/log-batch"):
                sent.append(json.loads(body))
            return real(method, url, body, headers, timeout)

        http.request = spy
        self.addCleanup(lambda: http.__dict__.pop("request", None))
        for i in range(2500):
            labtrack.log_metric("loss", i / 10, step=i)
        for i in range(150):
            labtrack.log_param(f"p{i}", i)
            labtrack.set_tag(f"t{i}", i)
        labtrack.flush()
        self.assertGreaterEqual(len(sent), 4)  # 3 for the metrics, the last with 100 params; 1 more
        totals = [sum(len(b.get(k, [])) for b in sent) for k in ("metrics", "params", "tags")]
        self.assertEqual(totals, [2500, 150, 150])
        for batch in sent:
            metrics, params, tags = (len(batch.get(k, [])) for k in ("metrics", "params", "tags"))
            self.assertLessEqual(metrics, 1000)
            self.assertLessEqual(params, 100)
            self.assertLessEqual(tags, 100)
            self.assertLessEqual(metrics + params + tags, 1000)
        steps = [m["step"] for b in sent for m in b.get("metrics", [])]
        self.assertEqual(steps, list(range(2500)))
        history = self.history(run, "loss")
        self.assertEqual([m["step"] for m in history], list(range(2500)))
        self.assertEqual([m["value"] for m in history], [i / 10 for i in range(2500)])
        _, params, tags = self.data(run)
        self.assertEqual(len(params), 150)
        self.assertEqual(params["p149"], "149")
        self.assertEqual(tags["t149"], "149")

    def test_a_tag_set_twice_keeps_the_last_value(self):
        run = self.new_run()
        for value in ("a", "b", "c"):
            labtrack.set_tag("state", value, run_id=run)
        labtrack.flush()
        self.assertEqual(self.data(run)[2]["state"], "c")

    def test_a_refused_param_is_reported_with_the_servers_message_and_nothing_else_is_lost(self):
        run = self.new_run()
        os.environ["MLFLOW_RUN_ID"] = run
        labtrack.log_param("lr", 0.1)
        labtrack.flush()
        for i in range(500):
            labtrack.log_metric("loss", float(i), step=i)
        labtrack.log_param("lr", 0.2)  # params are write-once: the server answers 400
        labtrack.log_param("epochs", 10)
        for i in range(500, 1000):
            labtrack.log_metric("loss", float(i), step=i)
        with self.assertRaises(labtrack.UnsentDataError) as caught:
            labtrack.flush()
        e = caught.exception
        self.assertEqual(len(e.rejected), 1)
        self.assertEqual((e.rejected[0].params, e.rejected[0].metrics), (1, 0))
        self.assertEqual(e.rejected[0].keys, ["param 'lr'"])
        self.assertIn("Changing param values is not allowed", str(e))
        self.assertIn("Attempted logging new value '0.2'", str(e))
        self.assertEqual(e.unsent, {"metrics": 0, "params": 0, "tags": 0})
        self.assertEqual([m["step"] for m in self.history(run, "loss")], list(range(1000)))
        self.assertEqual(self.data(run)[1], {"lr": "0.1", "epochs": "10"})
        labtrack.flush()  # reported once

    def test_a_run_that_does_not_exist_is_reported_and_other_runs_get_their_data(self):
        run = self.new_run()
        missing = "0123456789abcdef0123456789abcdef"
        for i in range(300):
            labtrack.log_metric("loss", float(i), step=i, run_id=run)
            labtrack.log_metric("loss", float(i), step=i, run_id=missing)
        with self.assertRaises(labtrack.UnsentDataError) as caught:
            labtrack.flush()
        e = caught.exception
        self.assertEqual([r.run_id for r in e.rejected], [missing])
        self.assertEqual(e.rejected[0].metrics, 300)
        self.assertIn(f"Run with id={missing} not found", str(e))
        self.assertEqual([m["step"] for m in self.history(run, "loss")], list(range(300)))

    def test_many_threads_log_at_once(self):
        run = self.new_run()
        os.environ["MLFLOW_RUN_ID"] = run

        def worker(n):
            for i in range(500):
                labtrack.log_metric(f"w{n}", float(i), step=i)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        labtrack.flush()
        for n in range(4):
            self.assertEqual([m["step"] for m in self.history(run, f"w{n}")], list(range(500)))

    def test_a_forked_child_has_its_own_queue_and_thread(self):
        run = self.new_run()
        os.environ["MLFLOW_RUN_ID"] = run
        for i in range(100):
            labtrack.log_metric("parent", float(i), step=i)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report, log its own, flush, and leave without the parent's atexit
            code = 1
            try:
                empty = labtrack._sender.idle() and labtrack._sender.thread is None
                labtrack.log_metric("child", 1.0)
                labtrack.flush(timeout=20)
                code = 0 if empty else 2
            finally:
                os.write(write, str(code).encode())
                os._exit(code)
        os.close(write)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.read(read, 10), b"0", "the child started empty, sent its own and flushed")
        os.close(read)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        labtrack.flush()
        self.assertEqual(len(self.history(run, "parent")), 100)
        self.assertEqual(len(self.history(run, "child")), 1)

    def test_artifacts_go_through_the_server(self):
        run = self.new_run()
        os.environ["MLFLOW_RUN_ID"] = run
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "weights.json")
            with open(path, "w") as f:
                json.dump({"w": [1, 2, 3]}, f)
            os.makedirs(os.path.join(d, "plots", "sub"))
            for name in ("plots/a.txt", "plots/sub/b.txt"):
                with open(os.path.join(d, name), "w") as f:
                    f.write(name)
            labtrack.log_artifact(path, "model")
            labtrack.log_artifact(path)
            labtrack.log_artifacts(os.path.join(d, "plots"), "figures")
            with self.assertRaises(labtrack.LabtrackError):
                labtrack.log_artifact(os.path.join(d, "plots"))
            with self.assertRaises(FileNotFoundError):
                labtrack.log_artifact(os.path.join(d, "missing.txt"))
        listed = self.api("GET", "artifacts/list", query={"run_id": run, "path": "model"})
        self.assertEqual([f["path"] for f in listed["files"]], ["model/weights.json"])
        root = self.api("GET", "artifacts/list", query={"run_id": run})
        self.assertEqual(sorted(f["path"] for f in root["files"]), ["figures", "model", "weights.json"])
        info = self.api("GET", "runs/get", query={"run_id": run})["run"]["info"]
        path = urllib.parse.urlsplit(info["artifact_uri"]).path.strip("/")
        for rel, content in (("model/weights.json", b'{"w": [1, 2, 3]}'), ("figures/sub/b.txt", b"plots/sub/b.txt")):
            url = f"{self.url}/api/2.0/mlflow-artifacts/artifacts/{path}/{rel}"
            with urllib.request.urlopen(url, timeout=30) as response:
                self.assertEqual(response.read(), content)

    def test_artifacts_elsewhere_are_a_clear_error(self):
        with tempfile.TemporaryDirectory() as d:
            exp = self.api(
                "POST", "experiments/create", {"name": f"local-{time.time()}", "artifact_location": f"file://{d}"}
            )["experiment_id"]
            run = self.new_run(exp)
            path = os.path.join(d, "x.txt")
            with open(path, "w") as f:
                f.write("x")
            with self.assertRaises(labtrack.LabtrackError) as caught:
                labtrack.log_artifact(path, run_id=run)
        self.assertIn("mlflow-artifacts:/", str(caught.exception))
        self.assertIn(f"file://{d}", str(caught.exception))

    def test_the_process_exit_flushes(self):
        run = self.new_run()
        code = (
            "import labtrack\n"
            "for i in range(2000): labtrack.log_metric('loss', float(i), step=i)\n"
        )
        env = {**os.environ, "MLFLOW_RUN_ID": run, "PYTHONPATH": os.path.join(ROOT, "python")}
        done = subprocess.run([sys.executable, "-c", code], env=env, timeout=60, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stderr, "")
        self.assertEqual([m["step"] for m in self.history(run, "loss")], list(range(2000)))

    def test_the_process_exit_says_what_it_could_not_send(self):
        env = {
            **os.environ,
            "MLFLOW_RUN_ID": "abc",
            "MLFLOW_TRACKING_URI": "http://127.0.0.1:9",
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
            "PYTHONPATH": os.path.join(ROOT, "python"),
        }
        code = "import labtrack\nlabtrack.log_metric('loss', 1.0)\nlabtrack.log_param('lr', 1)\n"
        done = subprocess.run([sys.executable, "-c", code], env=env, timeout=60, capture_output=True, text=True)
        self.assertIn("labtrack: 1 metric, 1 param could not be sent before the process exited", done.stderr)
        self.assertIn("http://127.0.0.1:9 did not answer", done.stderr)

    def test_it_does_not_import_mlflow(self):
        code = "import sys, labtrack\nprint('mlflow' in sys.modules)\n"
        env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "python")}
        done = subprocess.run([sys.executable, "-c", code], env=env, timeout=60, capture_output=True, text=True)
        self.assertEqual(done.stdout.strip(), "False")

    def test_logging_only_queues(self):
        # The bench measures the figure (≤ 5 µs a call); here only a bound that a call doing I/O breaks.
        run = self.new_run()
        os.environ["MLFLOW_RUN_ID"] = run
        start = time.perf_counter()
        for i in range(20_000):
            labtrack.log_metric("loss", 0.5, step=i)
        per_call = (time.perf_counter() - start) / 20_000
        labtrack.flush()
        self.assertLess(per_call, 50e-6)
        self.assertEqual(len(self.history(run, "loss")), 20_000)


class ServerDownTest(unittest.TestCase):
    """The server goes away and comes back on the same port with the same data."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="labtrack-py-")
        self.addCleanup(self.tmp.cleanup)
        self.server = Server(self.tmp.name).start()
        self.addCleanup(lambda: self.server.stop())
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        self.addCleanup(patcher.stop)
        for key in ENV_KEYS:
            os.environ.pop(key, None)
        os.environ["MLFLOW_TRACKING_URI"] = self.server.url
        self.run_id = api(self.server.url, "POST", "runs/create", {"experiment_id": "0"})["run"]["info"]["run_id"]
        os.environ["MLFLOW_RUN_ID"] = self.run_id

    def restart(self):
        self.server = Server(self.tmp.name, port=self.server.port).start()

    def steps(self):
        answer = api(
            self.server.url,
            "GET",
            "metrics/get-history",
            query={"run_id": self.run_id, "metric_key": "loss", "max_results": 10000},
        )
        return [m["step"] for m in answer.get("metrics", [])]

    def test_retried_and_delivered_when_the_server_comes_back(self):
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "8"
        os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] = "0.2"  # 0.2 + 0.4 + 0.8 + 1.6 + … s
        self.server.stop()
        for i in range(1500):
            labtrack.log_metric("loss", float(i), step=i)
        back = threading.Timer(1.0, self.restart)
        back.start()
        labtrack.flush(timeout=60)
        back.join()
        self.assertEqual(self.steps(), list(range(1500)))

    def test_kept_and_reported_when_retries_run_out_then_sent_by_the_next_flush(self):
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "1"
        os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] = "0.05"
        self.server.stop()
        for i in range(1200):
            labtrack.log_metric("loss", float(i), step=i)
        labtrack.set_tag("k", "v")
        with self.assertRaises(labtrack.UnsentDataError) as caught:
            labtrack.flush(timeout=30)
        e = caught.exception
        self.assertEqual(e.unsent, {"metrics": 1200, "params": 0, "tags": 1})
        self.assertEqual(e.rejected, [])
        self.assertIn("did not answer", str(e))
        self.assertIn("Connection refused", str(e))
        self.restart()
        labtrack.flush(timeout=30)
        self.assertEqual(self.steps(), list(range(1200)))

    def test_a_flush_timeout_reports_what_is_still_queued(self):
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "50"
        os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] = "0.5"
        self.server.stop()
        labtrack.log_metric("loss", 1.0, step=0)
        start = time.monotonic()
        with self.assertRaises(labtrack.UnsentDataError) as caught:
            labtrack.flush(timeout=0.5)
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(caught.exception.unsent["metrics"], 1)
        self.assertIn("flush(timeout=0.5)", str(caught.exception))
        self.restart()
        labtrack.flush(timeout=60)
        self.assertEqual(self.steps(), [0])


class AuthTest(ServerTest):
    """A server with authentication on: MLflow's variables carry the credentials."""

    server_args = ("--app-name", "basic-auth")
    server_env = {"LABTRACK_ADMIN_USERNAME": "admin", "LABTRACK_ADMIN_PASSWORD": "a long secret"}
    headers = basic("admin", "a long secret")

    def test_basic_credentials_from_the_environment(self):
        run = self.new_run()
        os.environ.update({"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": "a long secret"})
        labtrack.log_metric("loss", 0.25, step=2, run_id=run)
        labtrack.flush()
        self.assertEqual([(m["value"], m["step"]) for m in self.history(run, "loss")], [(0.25, 2)])

    def test_a_bearer_token_from_the_environment(self):
        run = self.new_run()
        token = subprocess.run(
            [NODE, BIN, "users", "create-token", "--username", "admin", "--data-dir", self.tmp.name],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        os.environ["MLFLOW_TRACKING_TOKEN"] = token
        labtrack.log_metric("loss", 0.5, run_id=run)
        labtrack.flush()
        self.assertEqual([m["value"] for m in self.history(run, "loss")], [0.5])

    def test_refused_credentials_keep_the_data_and_say_so(self):
        run = self.new_run()
        os.environ.update({"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": "wrong"})
        labtrack.log_metric("loss", 0.5, run_id=run)
        with self.assertRaises(labtrack.UnsentDataError) as caught:
            labtrack.flush(timeout=30)
        self.assertEqual(caught.exception.unsent["metrics"], 1)
        self.assertIn("HTTP 401", str(caught.exception))
        os.environ["MLFLOW_TRACKING_PASSWORD"] = "a long secret"
        labtrack.flush(timeout=30)
        self.assertEqual([m["value"] for m in self.history(run, "loss")], [0.5])


if __name__ == "__main__":
    unittest.main()
