// Reading a trace's data into a span tree. The first input is what MLflow 2.17.2's client wrote for
// `@mlflow.trace` functions and a `start_span` block (traces.json, recorded, trimmed to the fields read).
import { describe, expect, it } from "vitest";
import { parseTraceData, spanDurationMs, valueText } from "../../src/client/trace-data.js";

const recorded = {
  spans: [
    {
      name: "pipeline",
      context: { span_id: "0x9abf2235ab212089", trace_id: "0x49bd" },
      parent_id: null,
      start_time: 1796556103650726000,
      end_time: 1796556103675475200,
      status_code: "OK",
      status_message: "",
      attributes: {
        "mlflow.traceRequestId": '"a4f326b46e894cc599d26e46cc95a277"',
        "mlflow.spanType": '"CHAIN"',
        "mlflow.spanFunctionName": '"pipeline"',
        "mlflow.spanInputs": '{"x": 3}',
        "mlflow.spanOutputs": "4",
      },
      events: [],
    },
    {
      name: "add",
      context: { span_id: "0x83aebf05feafd6f8", trace_id: "0x49bd" },
      parent_id: "0x9abf2235ab212089",
      start_time: 1796556103672984800,
      end_time: 1796556103675402000,
      status_code: "OK",
      status_message: "",
      attributes: { "mlflow.spanType": '"TOOL"', "mlflow.spanInputs": '{"a": 3, "b": 1}', "custom.k": '"v"' },
      events: [],
    },
    {
      name: "fail",
      context: { span_id: "0x2cd95d7578a9778e", trace_id: "0x49bd" },
      parent_id: "0x9abf2235ab212089",
      start_time: 1796556103651579600,
      end_time: 1796556103672664000,
      status_code: "ERROR",
      status_message: "ValueError: boom",
      attributes: { "mlflow.spanType": '"UNKNOWN"', "mlflow.spanInputs": "{}" },
      events: [
        {
          name: "exception",
          timestamp: 1796556103668940300,
          attributes: {
            "exception.type": "ValueError",
            "exception.stacktrace": "Traceback …\nValueError: boom\n",
          },
        },
      ],
    },
  ],
  request: '{"x": 3}',
  response: "4",
};

describe("parseTraceData", () => {
  it("nests MLflow's spans under their parents, children by start time, values decoded", () => {
    const tree = parseTraceData(recorded);
    expect(tree.count).toBe(3);
    expect(tree.roots.map((s) => s.name)).toEqual(["pipeline"]);
    const root = tree.roots[0];
    expect(root?.spanType).toBe("CHAIN");
    expect(root?.inputs).toEqual({ x: 3 });
    expect(root?.outputs).toBe(4);
    // MLflow's bookkeeping attributes are not shown as the span's own.
    expect(root?.attributes).toEqual({});
    expect(root?.children.map((s) => s.name)).toEqual(["fail", "add"]);
    const [fail, add] = root?.children ?? [];
    expect(fail?.status).toBe("ERROR");
    expect(fail?.statusMessage).toBe("ValueError: boom");
    expect(fail?.events[0]?.name).toBe("exception");
    expect(add?.attributes).toEqual({ "custom.k": "v" });
    expect(spanDurationMs(root ?? fail!)).toBeCloseTo(24.75, 1);
  });

  it("reads OpenTelemetry's JSON shape too", () => {
    const tree = parseTraceData({
      spans: [
        {
          trace_id: "t",
          span_id: "b",
          parent_span_id: "a",
          name: "child",
          start_time_unix_nano: "2000000",
          end_time_unix_nano: "5000000",
          status: { code: "STATUS_CODE_ERROR", message: "bad" },
          attributes: [{ key: "mlflow.spanInputs", value: { stringValue: '"q"' } }],
        },
        { trace_id: "t", span_id: "a", name: "root", start_time_unix_nano: "1000000", status: { code: 1 } },
      ],
    });
    expect(tree.roots.map((s) => s.name)).toEqual(["root"]);
    const child = tree.roots[0]?.children[0];
    expect(child && [child.name, child.status, child.statusMessage, child.inputs]).toEqual([
      "child",
      "ERROR",
      "bad",
      "q",
    ]);
    expect(child && spanDurationMs(child)).toBe(3);
    expect(tree.roots[0] && spanDurationMs(tree.roots[0])).toBeNull();
  });

  it("never loses a span: unknown parents and loops end up at the top, junk is skipped", () => {
    const span = (id: string, parent: string | null, start: number) => ({
      name: id,
      context: { span_id: id },
      parent_id: parent,
      start_time: start,
    });
    const tree = parseTraceData({
      spans: [span("a", "b", 1), span("b", "a", 2), span("c", "missing", 3), "junk", { name: "no id" }],
    });
    expect(tree.count).toBe(3);
    const names = (s: { name: string; children: { name: string }[] }) => [
      s.name,
      s.children.map((c) => c.name),
    ];
    expect(tree.roots.map(names)).toEqual([
      ["a", ["b"]],
      ["c", []],
    ]);
    expect(parseTraceData(null)).toEqual({ roots: [], count: 0 });
    expect(parseTraceData({ spans: "nope" })).toEqual({ roots: [], count: 0 });
  });

  it("shows values as text: strings as they are, the rest as indented JSON", () => {
    expect(valueText("hello")).toBe("hello");
    expect(valueText({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(valueText(null)).toBe("");
  });
});
