// The pure parts of cell tracking, and the run lifecycle against a real tracking server.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowApiError, TrackingUnreachableError } from "../../src/client/errors.js";
import { RestClient } from "../../src/client/rest.js";
import {
  CellRun,
  expireAbandonedRuns,
  HEARTBEAT_EXPIRE_MS,
  heartbeatValue,
  runError,
  TAGS,
} from "../../src/tracking/cell-run.js";
import { BEFORE_KEY, KernelBridge } from "../../src/tracking/kernel-bridge.js";
import {
  flushClientCode,
  fromJsonValue,
  kernelFamily,
  PYTHON_BEFORE_EXPRESSION,
  PYTHON_ENV_SETUP,
  PYTHON_FLUSH_EXPRESSION,
  parseDisplayedValue,
  pythonEnvLine,
  readVariablesCode,
  setEnvCode,
  variablesFromOutput,
} from "../../src/tracking/kernel-language.js";
import { unreachableSentence } from "../../src/tracking/magic-cell.js";
import { textTable, WRAP_AT, wrapWords } from "../../src/tracking/outputs.js";
import { type RunningServer, startServer } from "../helpers/server.js";

describe("kernel languages", () => {
  it.each([
    ["python", "python"],
    ["Python3", "python"],
    ["typescript", "javascript"],
    ["javascript", "javascript"],
    ["R", "other"],
    [undefined, "other"],
  ] as const)("kernelFamily(%s) = %s", (name, family) => expect(kernelFamily(name)).toBe(family));

  it("sets and unsets environment variables in each language, quoting values safely", () => {
    const py = setEnvCode("python", { A: 'x"y', B: null });
    expect(py).toContain('_labtrack_os.environ.update({"A": "x\\"y"})');
    expect(py).toContain('for _labtrack_k in ["B"]');
    expect(py).not.toContain("\n");
    const js = setEnvCode("javascript", { A: "1", B: null });
    expect(js).toBe('process.env["A"] = "1"; delete process.env["B"];');
    expect(setEnvCode("other", { A: "1" })).toBeNull();
  });

  it("reads variables with a per-language expression that tolerates missing names", () => {
    expect(readVariablesCode("javascript", ["lr"])).toBe(
      'console.log("__labtrack_variables__" + JSON.stringify({ "lr": (() => { try { return lr; } catch { return null; } })() }));',
    );
    expect(readVariablesCode("python", ["lr"])).toBe(
      'print("__labtrack_variables__" + __import__("json").dumps({"lr": globals().get("lr")}, default=str))',
    );
    expect(variablesFromOutput('noise\n__labtrack_variables__{"lr":0.1}\n')).toEqual({ lr: 0.1 });
    expect(variablesFromOutput("nothing")).toBeNull();
  });

  it.each([
    ["0.1", 0.1],
    ["-3e-5", -3e-5],
    ["42", 42],
    ["np.float64(0.93)", 0.93],
    ["nan", Number.NaN],
    ["inf", Infinity],
    ["'adam'", "adam"],
    ['"it\'s"', "it's"],
    ["'a\\nb'", "a\nb"],
    ["True", "True"],
    ["[1, 2]", "[1, 2]"],
  ])("parseDisplayedValue(%j)", (text, value) => {
    const parsed = parseDisplayedValue(text);
    if (typeof value === "number" && Number.isNaN(value)) expect(Number.isNaN(parsed)).toBe(true);
    else expect(parsed).toEqual(value);
  });

  it("flushes each language's client: a statement per kernel, null without a client", () => {
    expect(flushClientCode("javascript")).toBe("await globalThis.__labtrackFlush?.();");
    expect(flushClientCode("python")).toBe(PYTHON_FLUSH_EXPRESSION);
    expect(flushClientCode("other")).toBeNull();
  });

  describe("the Python flush, run by Debian's python3 with Labtrack's python/ on the path", () => {
    // Evaluates the expression the way ipykernel evaluates a user_expression (eval in the user's
    // namespace), after `setup`, and prints what came of it.
    const evaluate = (setup: string, env: Record<string, string> = {}) => {
      const script = [
        "import sys",
        setup,
        "try:",
        `    print("value", repr(eval(${JSON.stringify(PYTHON_FLUSH_EXPRESSION)})))`,
        "except Exception as e:",
        '    print("error", type(e).__name__, str(e))',
        'print("imported", "labtrack" in sys.modules)',
      ].join("\n");
      const r = spawnSync("/usr/bin/python3", ["-c", script], {
        encoding: "utf8",
        timeout: 30_000,
        env: { ...process.env, PYTHONPATH: resolve(import.meta.dirname, "../../python"), ...env },
      });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };

    it("is None and imports nothing when the kernel never imported labtrack", () => {
      expect(evaluate("pass")).toBe("value None\nimported False\n");
    });

    it("is None when everything was sent (nothing queued)", () => {
      expect(evaluate("import labtrack")).toBe("value None\nimported True\n");
    });

    it("raises UnsentDataError, naming what was not sent and why, when the server cannot take it", () => {
      const out = evaluate(
        'import labtrack; labtrack.log_metric("loss", 0.5, step=3, run_id="0123abcd"); labtrack.log_param("lr", 0.1, run_id="0123abcd")',
        // A port nothing listens on, and no retries: the failure is immediate.
        { MLFLOW_TRACKING_URI: "http://127.0.0.1:9", MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" },
      );
      expect(out).toMatch(/^error UnsentDataError labtrack: 1 metric, 1 param not sent yet \(.*refused.*\)/);
    });
  });

  it("IPython: the marker line sets MLFLOW_*, notes the watched values before the code, and leaves no trace in the cell", () => {
    // IPython's own shell, as in a kernel: the transformer installed, then a cell that fails half-way.
    const marker = pythonEnvLine({ MLFLOW_RUN_ID: "r1", MLFLOW_EXPERIMENT_ID: null }, [
      "acc",
      "loss",
      "cfg.lr",
      "name",
      "missing",
    ]);
    const script = [
      "import json, os",
      "from IPython.core.interactiveshell import InteractiveShell",
      "ip = InteractiveShell.instance()",
      `ip.run_cell(${JSON.stringify(PYTHON_ENV_SETUP)})`,
      "os.environ['MLFLOW_EXPERIMENT_ID'] = '7'",
      `ip.run_cell(${JSON.stringify('acc = 0.5\nclass C: lr = 0.1\ncfg = C()\nname = "it\'s \\"x\\""')})`,
      `r = ip.run_cell(${JSON.stringify(`${marker}\nacc = 0.5\nloss = 0.25\nraise ValueError("bad")`)}, store_history=True)`,
      "print(json.dumps({",
      "  'error': type(r.error_in_exec).__name__,",
      "  'run': os.environ.get('MLFLOW_RUN_ID'), 'experiment': os.environ.get('MLFLOW_EXPERIMENT_ID'),",
      "  'compiled': ip.history_manager.input_hist_parsed[-1].splitlines()[0],",
      `  'before': ip.user_expressions({${JSON.stringify(BEFORE_KEY)}: ${JSON.stringify(PYTHON_BEFORE_EXPRESSION)}}),`,
      "}))",
    ].join("\n");
    const r = spawnSync("/usr/bin/python3", ["-c", script], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    expect(out).toMatchObject({ error: "ValueError", run: "r1", experiment: null });
    // What ran (and what tracebacks show) is the user's code: the marker line is blank.
    expect(out.compiled).toBe("");
    // `loss` was not defined before the cell: not in the snapshot, so not taken for a stale value.
    const before = KernelBridge.snapshotFrom({
      status: "ok",
      execution_count: 1,
      user_expressions: out.before,
    });
    expect(before).toEqual({ acc: 0.5, "cfg.lr": 0.1, name: `it's "x"` });
  });

  it("JSON values: numbers stay numbers, the rest becomes text", () => {
    expect(fromJsonValue(3)).toBe(3);
    expect(fromJsonValue("x")).toBe("x");
    expect(fromJsonValue(true)).toBe("true");
    expect(fromJsonValue({ a: 1 })).toBe('{"a":1}');
    expect(fromJsonValue(null)).toBeNull();
  });

  it("wrapWords breaks at spaces only, a word longer than the width on a line of its own", () => {
    expect(wrapWords("aa bb cc", 5)).toEqual(["aa bb", "cc"]);
    expect(wrapWords("a http://very-long-address b", 8)).toEqual(["a", "http://very-long-address", "b"]);
    expect(wrapWords("one\ntwo three", 7)).toEqual(["one", "two", "three"]);
  });

  it("an unreachable tracking server is one sentence: where, why, that the cell did not run, and how to run it untracked", () => {
    const proxied = new MlflowApiError(
      "TEMPORARILY_UNAVAILABLE",
      502,
      "Labtrack could not reach the tracking server at http://127.0.0.1:9: [Errno 111] Connection refused",
    );
    const cell = unreachableSentence(proxied, "http://127.0.0.1:9", "%%track") as string;
    expect(cell).toBe(
      "This cell did not run because Labtrack cannot reach the tracking server at http://127.0.0.1:9 " +
        "(connection refused): start the server or check the tracking URI in Labtrack's settings, " +
        "or remove the %%track line to run the cell untracked.",
    );
    // One sentence, nothing said twice.
    expect(cell.match(/[.!?](\s|$)/g)).toHaveLength(1);
    expect(cell.match(/tracking server/g)).toHaveLength(1);
    expect(unreachableSentence(proxied, "", "%track")).toContain("remove the %track lines to run the code");
    expect(unreachableSentence(proxied, "", null)).toBe(
      "Labtrack cannot reach the tracking server at http://127.0.0.1:9 (connection refused): start the server or check the tracking URI in Labtrack's settings.",
    );
    const timeout = new MlflowApiError(
      "TEMPORARILY_UNAVAILABLE",
      504,
      "Labtrack could not reach the tracking server at http://h:5000: timeout",
    );
    expect(unreachableSentence(timeout, "", "%%track")).toContain("at http://h:5000 (timed out):");
    const proxyGone = new TrackingUnreachableError(
      "Cannot reach the tracking server at /labtrack/proxy (GET /x) after 2 attempt(s): Failed to fetch",
    );
    expect(unreachableSentence(proxyGone, "", "%%track")).toContain(
      "cannot reach Labtrack's proxy on the Jupyter server (failed to fetch):",
    );
    expect(unreachableSentence(new MlflowApiError("PERMISSION_DENIED", 403, "no"), "", "%%track")).toBeNull();
    // In the cell the sentence is wrapped between words, never inside one.
    const lines = wrapWords(`LabtrackError: ${cell}`, WRAP_AT);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((l) => l.length <= WRAP_AT)).toBe(true);
    expect(lines.join(" ")).toBe(`LabtrackError: ${cell}`);
  });

  it("runError: the error's name and message, else why the run was killed", () => {
    expect(runError({ [TAGS.errorName]: "ZeroDivisionError", [TAGS.errorMessage]: "division by zero" })).toBe(
      "ZeroDivisionError: division by zero",
    );
    expect(runError({ [TAGS.errorName]: "KeyboardInterrupt", [TAGS.errorMessage]: "" })).toBe(
      "KeyboardInterrupt",
    );
    expect(runError({ [TAGS.killedReason]: "the kernel restarted or died" })).toBe(
      "the kernel restarted or died",
    );
    expect(runError({ team: "a" })).toBeUndefined();
  });

  it("textTable pads columns and clips long cells", () => {
    expect(textTable(["a", "bb"], [["xyz", "1"]])).toBe("a    bb\n───  ──\nxyz  1");
    expect(textTable(["a"], [["x".repeat(50)]], 10).split("\n")[2]).toBe(`${"x".repeat(9)}…`);
  });
});

describe("cell runs on a real server", () => {
  let server: RunningServer;
  let client: RestClient;
  beforeAll(async () => {
    server = await startServer();
    client = new RestClient({ trackingUri: server.url });
  });
  afterAll(() => server?.dispose());

  it("a cell run carries the notebook's tags and ends with its outcome and duration", async () => {
    const run = await CellRun.start(client, {
      experimentId: "0",
      runName: "cell run",
      notebookPath: "work/iris.ipynb",
      cellId: "cell-1",
      kernelName: "python3",
      previousRunId: "abc",
      user: "ana",
    });
    run.stopHeartbeat();
    await run.log({ params: { lr: "0.1" }, metrics: { loss: 0.5 }, step: 3 });
    expect(await run.uploadText("cell/source.py", "print(1)\n")).toBe(true);
    await run.end("FAILED", { [TAGS.errorName]: "ValueError" });
    const got = await client.getRun(run.runId);
    const tags = Object.fromEntries((got.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(got.info.status).toBe("FAILED");
    expect(tags).toMatchObject({
      "mlflow.source.type": "NOTEBOOK",
      "mlflow.source.name": "work/iris.ipynb",
      "mlflow.user": "ana",
      [TAGS.cellId]: "cell-1",
      [TAGS.kernel]: "python3",
      [TAGS.previousRun]: "abc",
      [TAGS.errorName]: "ValueError",
    });
    expect(Number(tags[TAGS.duration])).toBeGreaterThanOrEqual(0);
    expect(got.data.metrics).toEqual([expect.objectContaining({ key: "loss", value: 0.5, step: 3 })]);
    const files = await client.listArtifacts(run.runId, "cell");
    expect(files.files.map((f) => f.path)).toEqual(["cell/source.py"]);
  });

  it("re-runs of a named cell are NAME, NAME #2, NAME #3 per notebook and experiment; a tag keeps the base name", async () => {
    const experimentId = await client.createExperiment(`numbered-${Date.now()}`);
    const start = async (notebookPath: string, runName?: string) => {
      const run = await CellRun.start(client, { experimentId, runName, notebookPath });
      run.stopHeartbeat();
      await run.end("FINISHED");
      const got = await client.getRun(run.runId);
      const tags = Object.fromEntries((got.data.tags ?? []).map((t) => [t.key, t.value]));
      expect(got.info.run_name).toBe(run.runName);
      return { name: run.runName, base: tags[TAGS.runBaseName], number: tags[TAGS.runNumber] };
    };
    expect(await start("a.ipynb", "logreg")).toEqual({ name: "logreg", base: "logreg", number: "1" });
    expect(await start("a.ipynb", "logreg")).toEqual({ name: "logreg #2", base: "logreg", number: "2" });
    // Another name, another notebook: counted apart.
    expect((await start("a.ipynb", "svm")).name).toBe("svm");
    expect((await start("b.ipynb", "logreg")).name).toBe("logreg");
    // A deleted run still holds its number: numbers are never given twice.
    const third = await start("a.ipynb", "logreg");
    expect(third.name).toBe("logreg #3");
    const { runs } = await client.searchRuns([experimentId], { filter: "attributes.run_name = 'logreg #3'" });
    await client.deleteRun(runs[0]?.info.run_id as string);
    expect((await start("a.ipynb", "logreg")).name).toBe("logreg #4");
    // This client guesses #5 now (it numbered the name before); another process took #5 meanwhile:
    // the guess is checked as the run is created, and corrected.
    const elsewhere = await CellRun.start(new RestClient({ trackingUri: server.url }), {
      experimentId,
      runName: "logreg",
      notebookPath: "a.ipynb",
    });
    elsewhere.stopHeartbeat();
    expect(elsewhere.runName).toBe("logreg #5");
    expect(await start("a.ipynb", "logreg")).toEqual({ name: "logreg #6", base: "logreg", number: "6" });
    expect(await start("a.ipynb", "logreg")).toEqual({ name: "logreg #7", base: "logreg", number: "7" });
    // Two runs of one name started together get two numbers.
    const both = await Promise.all([
      CellRun.start(client, { experimentId, runName: "logreg", notebookPath: "a.ipynb" }),
      CellRun.start(client, { experimentId, runName: "logreg", notebookPath: "a.ipynb" }),
    ]);
    for (const r of both) r.stopHeartbeat();
    expect(both.map((r) => r.runName).sort()).toEqual(["logreg #8", "logreg #9"]);
    // Quotes in names and paths.
    expect((await start("it's.ipynb", "Ana's")).name).toBe("Ana's");
    expect((await start("it's.ipynb", "Ana's")).name).toBe("Ana's #2");
    // Runs the user did not name keep the server's name and carry no numbering tags.
    const unnamed = await start("a.ipynb");
    expect(unnamed.base).toBeUndefined();
    expect(unnamed.name).not.toMatch(/#/);
  });

  it("runs whose heartbeat stopped are declared KILLED; live and foreign runs are left alone", async () => {
    const now = Date.now();
    const stale = await client.createRun({
      experimentId: "0",
      tags: { [TAGS.heartbeat]: heartbeatValue(now - HEARTBEAT_EXPIRE_MS - 1000) },
    });
    const live = await client.createRun({
      experimentId: "0",
      tags: { [TAGS.heartbeat]: heartbeatValue(now) },
    });
    const foreign = await client.createRun({ experimentId: "0" });
    const killed = await expireAbandonedRuns(client, now);
    expect(killed).toContain(stale.info.run_id);
    expect(killed).not.toContain(live.info.run_id);
    expect(killed).not.toContain(foreign.info.run_id);
    expect((await client.getRun(stale.info.run_id)).info.status).toBe("KILLED");
    expect((await client.getRun(live.info.run_id)).info.status).toBe("RUNNING");
    expect((await client.getRun(foreign.info.run_id)).info.status).toBe("RUNNING");
  });
});
