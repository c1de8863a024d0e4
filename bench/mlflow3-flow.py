"""MLflow 3's tutorial flow, with the real MLflow 3 client, against MLFLOW_TRACKING_URI.

Run by bench/mlflow3-flow.mjs (which starts `labtrack server` on SQLite and on PostgreSQL), or alone:
    source /tmp/mlflow3dev/env.sh
    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python3 bench/mlflow3-flow.py

Each step prints `ok <step>` or `FAIL <step>: <why>` and the script goes on with the next one; it exits 1
when a step failed. Not part of CI (CI has no MLflow): the wire exchanges it found wrong are vitest
protocol tests in test/server/.
"""

import json
import os
import sys
import tempfile
import traceback
import urllib.parse
import urllib.request
import uuid

import mlflow
import numpy as np
from mlflow import MlflowClient

failures = []


def step(name):
    def run(fn):
        try:
            fn()
            print(f"ok   {name}", flush=True)
        except Exception as e:  # every step reports and the flow goes on
            failures.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            if os.environ.get("FLOW_VERBOSE"):
                traceback.print_exc()
        return fn

    return run


def check(condition, what):
    if not condition:
        raise AssertionError(what)


state = {}
suffix = uuid.uuid4().hex[:8]
client = MlflowClient()
mlflow.set_experiment(f"mlflow3-flow-{suffix}")
experiment_id = mlflow.get_experiment_by_name(f"mlflow3-flow-{suffix}").experiment_id
registered = f"flow-clf-{suffix}"


class AddN(mlflow.pyfunc.PythonModel):
    """The smallest custom model: adds `n` to its input."""

    def __init__(self, n):
        self.n = n

    def predict(self, context, model_input, params=None):
        return model_input + self.n


def rest(endpoint, query):
    """GET one REST endpoint, for what this early client does not parse (it is the wire that matters)."""
    url = f"{mlflow.get_tracking_uri()}/api/2.0/mlflow/{endpoint}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url) as res:
        return json.load(res)


def iris():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


@step("run: params, metrics, artifacts")
def _():
    with mlflow.start_run(run_name="tutorial") as run:
        state["run_id"] = run.info.run_id
        mlflow.log_params({"C": 0.5, "max_iter": 200})
        mlflow.log_param("solver", "lbfgs")
        for i in range(5):
            mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
        mlflow.set_tag("stage", "tutorial")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "notes.txt")
            with open(path, "w") as f:
                f.write("hello")
            mlflow.log_artifact(path, artifact_path="docs")
        mlflow.log_dict({"a": 1}, "config.json")
    got = client.get_run(state["run_id"])
    check(got.data.params == {"C": "0.5", "max_iter": "200", "solver": "lbfgs"}, got.data.params)
    check(got.data.metrics["loss"] == 0.2, got.data.metrics)
    check([m.step for m in client.get_metric_history(state["run_id"], "loss")] == list(range(5)), "history")
    paths = sorted(a.path for a in client.list_artifacts(state["run_id"]))
    check(paths == ["config.json", "docs"], paths)
    local = mlflow.artifacts.download_artifacts(run_id=state["run_id"], artifact_path="docs/notes.txt")
    with open(local) as f:
        check(f.read() == "hello", "artifact content")


@step("sklearn.log_model(..., registered_model_name=...)")
def _():
    from sklearn.linear_model import LogisticRegression

    X, y = iris()
    model = LogisticRegression(max_iter=200).fit(X, y)
    state["X"] = X
    state["expected"] = model.predict(X[:5])
    with mlflow.start_run(run_id=state["run_id"]):
        info = mlflow.sklearn.log_model(
            model, name="model", registered_model_name=registered, input_example=X[:2]
        )
        mlflow.log_metric("accuracy", float(model.score(X, y)), model_id=info.model_id)
    state["info"] = info
    check(info.model_id.startswith("m-"), info.model_id)
    check(info.model_uri == f"models:/{info.model_id}", info.model_uri)
    check(str(info.registered_model_version) == "1", info.registered_model_version)
    logged = mlflow.get_logged_model(info.model_id)
    check(logged.status.to_proto() == 2 or str(logged.status).endswith("READY"), logged.status)
    check(logged.source_run_id == state["run_id"], logged.source_run_id)
    check(any(m.key == "accuracy" for m in logged.metrics or []), logged.metrics)
    # This client's Run does not read `outputs` yet (later ones do): read the wire.
    outputs = rest("runs/get", {"run_id": state["run_id"]})["run"].get("outputs", {})
    check([o["model_id"] for o in outputs.get("model_outputs", [])] == [info.model_id], outputs)


@step("pyfunc.log_model(python_model=...)")
def _():
    with mlflow.start_run(run_id=state["run_id"]):
        info = mlflow.pyfunc.log_model(name="adder", python_model=AddN(2))
    state["adder"] = info
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    check(list(loaded.predict(np.array([1, 2]))) == [3, 4], "adder predicts")


@step("load from runs:/<run>/model")
def _():
    loaded = mlflow.pyfunc.load_model(f"runs:/{state['run_id']}/model")
    check(list(loaded.predict(state["X"][:5])) == list(state["expected"]), "runs:/ predictions")


@step("load from the returned model URI (models:/m-...)")
def _():
    loaded = mlflow.sklearn.load_model(state["info"].model_uri)
    check(list(loaded.predict(state["X"][:5])) == list(state["expected"]), "models:/ predictions")


@step("registry: version from the logged model, alias and tags on it")
def _():
    mv = client.get_model_version(registered, "1")
    check(mv.run_id == state["run_id"], mv.run_id)
    # This early MLflow 3 client's ModelVersion message has no model_id (later ones do): read the wire.
    raw = rest("model-versions/get", {"name": registered, "version": "1"})
    check(raw["model_version"].get("model_id") == state["info"].model_id, raw)
    client.set_registered_model_alias(registered, "champion", "1")
    client.set_model_version_tag(registered, "1", "validated", "yes")
    by_alias = client.get_model_version_by_alias(registered, "champion")
    check(by_alias.version == "1", by_alias.version)
    check(by_alias.tags.get("validated") == "yes", by_alias.tags)
    uri = client.get_model_version_download_uri(registered, "1")
    check(uri.rstrip("/").endswith(f"models/{state['info'].model_id}/artifacts"), uri)
    logged = mlflow.get_logged_model(state["info"].model_id)
    check("mlflow.modelVersions" in logged.tags, logged.tags)
    rm = client.get_registered_model(registered)
    check(rm.aliases == {"champion": "1"}, rm.aliases)


@step("load the registered version from its download URI")
def _():
    # `models:/<name>/<version>` and `models:/<name>@<alias>` hit a known parsing bug of this early MLflow
    # 3 branch (read as logged-model ids); the version's storage location is what those URIs resolve to.
    uri = client.get_model_version_download_uri(registered, "1")
    loaded = mlflow.pyfunc.load_model(uri)
    check(list(loaded.predict(state["X"][:5])) == list(state["expected"]), "download-uri predictions")


@step("search_logged_models")
def _():
    found = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
    ids = {m.model_id for m in found}
    check(ids == {state["info"].model_id, state["adder"].model_id}, ids)
    by_metric = mlflow.search_logged_models(
        experiment_ids=[experiment_id], filter_string="metrics.accuracy > 0.5", output_format="list"
    )
    check([m.model_id for m in by_metric] == [state["info"].model_id], by_metric)
    by_name = mlflow.search_logged_models(
        experiment_ids=[experiment_id],
        filter_string="name = 'adder'",
        order_by=[{"field_name": "creation_timestamp", "ascending": False}],
        output_format="list",
    )
    check([m.model_id for m in by_name] == [state["adder"].model_id], by_name)
    frame = mlflow.search_logged_models(experiment_ids=[experiment_id])
    check(len(frame) == 2, len(frame))


@step("logged model tags and params")
def _():
    client.set_logged_model_tags(state["adder"].model_id, {"owner": "flow"})
    got = mlflow.get_logged_model(state["adder"].model_id)
    check(got.tags.get("owner") == "flow", got.tags)
    client.delete_logged_model_tag(state["adder"].model_id, "owner")
    got = mlflow.get_logged_model(state["adder"].model_id)
    check("owner" not in got.tags, got.tags)


@step("sklearn.autolog()")
def _():
    from sklearn.linear_model import LogisticRegression

    X, y = iris()
    mlflow.sklearn.autolog()
    try:
        with mlflow.start_run() as run:
            LogisticRegression(max_iter=150).fit(X, y)
    finally:
        mlflow.sklearn.autolog(disable=True)
    got = client.get_run(run.info.run_id)
    check(got.data.params.get("max_iter") == "150", got.data.params)
    check("training_score" in got.data.metrics, got.data.metrics)
    models = [
        m
        for m in mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
        if m.source_run_id == run.info.run_id
    ]
    check(len(models) == 1, models)
    loaded = mlflow.pyfunc.load_model(f"models:/{models[0].model_id}")
    check(len(loaded.predict(X[:3])) == 3, "autologged model predicts")


@step("@mlflow.trace + mlflow.search_traces()")
def _():
    @mlflow.trace
    def add(a, b):
        return inner(a) + b

    @mlflow.trace(name="inner-span")
    def inner(a):
        return a * 2

    with mlflow.start_run() as run:
        check(add(1, 2) == 4, "traced function result")
    with mlflow.start_span(name="manual") as span:
        span.set_inputs({"q": "hi"})
        span.set_outputs({"a": "there"})
    traces = mlflow.search_traces(experiment_ids=[experiment_id])
    check(len(traces) == 2, len(traces))
    in_run = mlflow.search_traces(experiment_ids=[experiment_id], run_id=run.info.run_id)
    check(len(in_run) == 1, len(in_run))
    trace = client.get_trace(in_run.iloc[0]["request_id"])
    names = sorted(s.name for s in trace.data.spans)
    check(names == ["add", "inner-span"], names)


print(f"{len(failures)} failed" if failures else "all steps passed", flush=True)
sys.exit(1 if failures else 0)
