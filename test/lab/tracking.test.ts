// The pure parts of cell tracking, and the run lifecycle against a real tracking server.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import {
  CellRun,
  expireAbandonedRuns,
  HEARTBEAT_EXPIRE_MS,
  heartbeatValue,
  TAGS,
} from "../../src/lab/tracking/cell-run.js";
import {
  flushClientCode,
  fromJsonValue,
  kernelFamily,
  PYTHON_FLUSH_EXPRESSION,
  parseDisplayedValue,
  readVariablesCode,
  setEnvCode,
  variablesFromOutput,
} from "../../src/lab/tracking/kernel-language.js";
import { textTable } from "../../src/lab/tracking/outputs.js";
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

  it("JSON values: numbers stay numbers, the rest becomes text", () => {
    expect(fromJsonValue(3)).toBe(3);
    expect(fromJsonValue("x")).toBe("x");
    expect(fromJsonValue(true)).toBe("true");
    expect(fromJsonValue({ a: 1 })).toBe('{"a":1}');
    expect(fromJsonValue(null)).toBeNull();
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
