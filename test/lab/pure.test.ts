// The Lab's pure logic: settings, error descriptions, the status bar's words, formatting, run rows.
import { describe, expect, it } from "vitest";
import { MlflowApiError, TrackingUnreachableError } from "../../src/client/errors.js";
import { describeError } from "../../src/lab/describe-error.js";
import { toRunRow } from "../../src/lab/experiments/model.js";
import { formatDuration, formatMetric, formatTime } from "../../src/lab/format.js";
import { inactivePlugins } from "../../src/lab/self-check.js";
import { DEFAULT_SETTINGS, readSettings, trackingUriProblem } from "../../src/lab/settings.js";
import { statusText } from "../../src/lab/status-text.js";

describe("settings", () => {
  it.each([
    ["", null],
    ["http://127.0.0.1:5000", null],
    ["https://mlflow.example.com/prefix", null],
    ["127.0.0.1:5000", /not a URL/],
    ["localhost:5000", /no scheme: write it as http:\/\/localhost:5000/],
    ["not a uri", /not a URL/],
    ["file:///tmp/mlruns", /uses file/],
    ["sqlite:///db.sqlite", /uses sqlite/],
    ["mailto:someone@example.com", /no scheme/],
    ["http://user:pw@host:5000", /Credentials do not belong/],
    ["http://host:5000/?x=1", /query or fragment/],
  ])("trackingUriProblem(%j)", (uri, expected) => {
    const problem = trackingUriProblem(uri);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it("reads valid values and trims a trailing slash", () => {
    const { settings, problems } = readSettings({
      trackingUri: " http://h:1/ ",
      defaultExperiment: " exp ",
      refreshInterval: 0,
      requestTimeout: 10,
    });
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      trackingUri: "http://h:1",
      defaultExperiment: "exp",
      refreshIntervalS: 0,
      requestTimeoutS: 10,
    });
  });

  it("falls back to defaults for bad values and says which", () => {
    const { settings, problems } = readSettings({
      trackingUri: "ftp://x",
      refreshInterval: -1,
      requestTimeout: "9",
    });
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/Tracking URI.*Refresh interval.*Request timeout/s);
  });
});

describe("describeError", () => {
  const uri = "http://tracking:5000";
  it.each([
    [
      new MlflowApiError("UNAUTHENTICATED", 401, "who?"),
      "needs credentials (401)",
      /MLFLOW_TRACKING_USERNAME/,
    ],
    [new MlflowApiError("PERMISSION_DENIED", 403, "no"), "permission denied (403)", /READ permission/],
    [new MlflowApiError("ENDPOINT_NOT_FOUND", 404, "x"), "no MLflow API (404)", /\/api\/2\.0\/mlflow/],
    [
      new MlflowApiError(
        "MALFORMED_RESPONSE",
        200,
        "GET /x: the server answered HTTP 200 with a non-JSON body: <html>",
      ),
      "not a tracking server (HTTP 200)",
      /HTML/,
    ],
    [
      new MlflowApiError("TEMPORARILY_UNAVAILABLE", 502, "Labtrack could not reach"),
      "unreachable",
      /could not reach/,
    ],
    [new MlflowApiError("TEMPORARILY_UNAVAILABLE", 504, "timed out"), "timed out", /timed out/],
    [
      new MlflowApiError("RESOURCE_DOES_NOT_EXIST", 404, "No run"),
      "RESOURCE_DOES_NOT_EXIST (HTTP 404)",
      /No run/,
    ],
    [new TrackingUnreachableError("fetch failed"), "unreachable", /Jupyter server/],
    [Object.assign(new Error("t"), { name: "TimeoutError" }), "timed out", /did not answer in time/],
    ["weird", "error", /weird/],
  ])("%s", (error, summary, detail) => {
    const problem = describeError(error, uri);
    expect(problem.summary).toBe(summary);
    expect(problem.detail).toMatch(detail);
  });
});

describe("statusText", () => {
  it("names the host and the state", () => {
    expect(statusText({ state: "checking", uri: "http://h:5000", settingsProblems: [] }).text).toBe(
      "Labtrack: h:5000…",
    );
    expect(statusText({ state: "connected", uri: "http://h:5000/mlflow", settingsProblems: [] }).text).toBe(
      "Labtrack: h:5000/mlflow",
    );
    const error = statusText({
      state: "error",
      uri: "http://h:5000",
      problem: { summary: "unreachable", detail: "Connection refused" },
      settingsProblems: ["Tracking URI setting ignored: bad"],
    });
    expect(error.text).toBe("Labtrack: h:5000 — unreachable");
    expect(error.title).toContain("Connection refused");
    expect(error.title).toContain("Tracking URI setting ignored");
  });
});

describe("format", () => {
  it.each([
    [undefined, ""],
    [-5, ""],
    [250, "250 ms"],
    [1500, "1.5 s"],
    [42_000, "42 s"],
    [125_000, "2 min 5 s"],
    [959_700, "16 min 0 s"],
    [59_700, "1 min 0 s"],
    [3 * 3600_000 + 60_000, "3 h 1 min"],
    [50 * 3600_000, "2 d 2 h"],
  ])("formatDuration(%s)", (ms, text) => expect(formatDuration(ms)).toBe(text));

  it.each([
    [0, "0"],
    [0.123456, "0.1235"],
    [1234.5, "1235"],
    [1e7, "1.000e+7"],
    [0.00001, "1.000e-5"],
    [Number.NaN, "NaN"],
    [Infinity, "∞"],
    [-Infinity, "-∞"],
  ])("formatMetric(%s)", (v, text) => expect(formatMetric(v)).toBe(text));

  it("formatTime shows the time today and the date otherwise", () => {
    const now = new Date(2026, 11, 2, 15, 30).getTime();
    expect(formatTime(new Date(2026, 11, 2, 9, 5).getTime(), now)).toBe("09:05");
    expect(formatTime(new Date(2026, 10, 30, 9, 5).getTime(), now)).toBe("2026-11-30 09:05");
    expect(formatTime(undefined, now)).toBe("");
  });
});

describe("toRunRow", () => {
  const base = { run_id: "r1", experiment_id: "0", lifecycle_stage: "active" as const };
  it("prefers run_name, then the mlflow.runName tag, then the id", () => {
    expect(toRunRow({ info: { ...base, status: "FINISHED", run_name: "a" }, data: {} }).name).toBe("a");
    expect(
      toRunRow({
        info: { ...base, status: "FINISHED" },
        data: { tags: [{ key: "mlflow.runName", value: "t" }] },
      }).name,
    ).toBe("t");
    expect(toRunRow({ info: { ...base, status: "FINISHED" }, data: {} }).name).toBe("r1");
  });

  it("measures running runs up to now, and decodes NaN/Infinity metrics", () => {
    const row = toRunRow(
      {
        info: { ...base, status: "RUNNING", start_time: 1000 },
        data: {
          metrics: [
            { key: "z", value: "NaN", timestamp: 1, step: 0 },
            { key: "a", value: "Infinity", timestamp: 1, step: 0 },
          ],
        },
      },
      4000,
    );
    expect(row.durationMs).toBe(3000);
    expect(row.metrics.map((m) => m.key)).toEqual(["a", "z"]);
    expect(row.metrics[0]?.value).toBe(Infinity);
    expect(Number.isNaN(row.metrics[1]?.value)).toBe(true);
  });
});

describe("inactivePlugins (the self-check)", () => {
  const plugins = [
    { id: "labtrack:a", autoStart: true },
    { id: "labtrack:b", autoStart: true },
    { id: "labtrack:lazy", autoStart: false },
    { id: "labtrack:off", autoStart: true },
  ];
  it("names the auto-started plugins that did not activate, except those turned off", () => {
    const active = new Set(["labtrack:a"]);
    const missing = inactivePlugins(
      { isPluginActivated: (id) => active.has(id) },
      plugins,
      (id) => id === "labtrack:off",
    );
    expect(missing).toEqual(["labtrack:b"]);
  });
  it("is empty when everything runs", () => {
    expect(inactivePlugins({ isPluginActivated: () => true }, plugins, () => false)).toEqual([]);
  });
});
