// MLflow's tracing API against a real `labtrack server`: the requests MLflow 2.17's client makes when
// `@mlflow.trace` / `mlflow.start_span` record a trace (start, spans uploaded as traces.json through
// the artifact proxy, end), read it back (info, search with MLflow's trace filter grammar, the data
// file) and manage it (tags, delete). Shapes and messages as recorded from the real MLflow 2.17.2
// server; where MLflow answers a 5xx or accepts nonsense, Labtrack's 4xx says why.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, checkers, type RunningServer, startServer } from "../helpers/server.js";

type Body = Record<string, any>;

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

let server: RunningServer;
let call: ReturnType<typeof api>;
let experimentId: string;
let runId: string;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.dispose());

const { ok, fails } = checkers(() => call, expect);

/** What MLflow's client sends to start a trace; `extra` overrides. */
async function start(extra: Body = {}, experiment = experimentId): Promise<Body> {
  return (
    await ok("POST", "/traces", {
      experiment_id: experiment,
      timestamp_ms: 1_000,
      request_metadata: [{ key: "mlflow.trace_schema.version", value: "2" }],
      tags: [{ key: "mlflow.traceName", value: "predict" }],
      ...extra,
    })
  ).trace_info;
}

const end = (id: string, payload: Body) => ok("PATCH", `/traces/${id}`, payload);
const info = async (id: string): Promise<Body> => (await ok("GET", `/traces/${id}/info`)).trace_info;
const asMap = (pairs: { key: string; value: string }[] | undefined) =>
  Object.fromEntries((pairs ?? []).map((p) => [p.key, p.value]));

/** Request ids a search answers, in order. */
async function search(payload: Body, experiments: string[] = [experimentId]): Promise<string[]> {
  const body = await ok("GET", "/traces", { experiment_ids: experiments, ...payload });
  return ((body.traces ?? []) as Body[]).map((t) => t.request_id as string);
}

function spans(traceId = "0xabc"): Body {
  return {
    spans: [
      {
        name: "predict",
        context: { span_id: "0x01", trace_id: traceId },
        parent_id: null,
        start_time: 1_000_000_000,
        end_time: 1_500_000_000,
        status_code: "OK",
        status_message: "",
        attributes: { "mlflow.spanInputs": '{"x": 1}', "mlflow.spanOutputs": "2" },
        events: [],
      },
      {
        name: "inner",
        context: { span_id: "0x02", trace_id: traceId },
        parent_id: "0x01",
        start_time: 1_100_000_000,
        end_time: null,
        status_code: "UNSET",
        attributes: {},
        events: [],
      },
    ],
    request: '{"x": 1}',
    response: "2",
  };
}

/** Where the server stores proxied artifacts, as its start-up summary says. */
const artifactsDestination = (): string =>
  (/stored in (\S+)/.exec(server.startupOutput) as RegExpExecArray)[1] as string;

const putData = (experiment: string, id: string, body: string) =>
  fetch(`${server.url}${ARTIFACTS}/${experiment}/traces/${id}/artifacts/traces.json`, {
    method: "PUT",
    body,
  });
const getData = (experiment: string, id: string) =>
  fetch(`${server.url}${ARTIFACTS}/${experiment}/traces/${id}/artifacts/traces.json`);

describe("traces", () => {
  beforeAll(async () => {
    call = api(server.url);
    experimentId = (await call<Body>("POST", "/experiments/create", { name: "traces" })).body.experiment_id;
    runId = (await call<Body>("POST", "/runs/create", { experiment_id: experimentId })).body.run.info.run_id;
  });

  describe("start, end, get", () => {
    it("starts a trace in progress with its tags, metadata and the server's artifact location", async () => {
      const t = await start({
        request_metadata: [
          { key: "mlflow.sourceRun", value: runId },
          { key: "dup", value: "1" },
          { key: "dup", value: "2" },
        ],
        tags: [
          { key: "mlflow.traceName", value: "predict" },
          { key: "mlflow.artifactLocation", value: "s3://elsewhere" },
          { key: "empty" },
        ],
      });
      expect(t.request_id).toMatch(/^[0-9a-f]{32}$/);
      expect(t).toMatchObject({
        experiment_id: experimentId,
        timestamp_ms: 1_000,
        execution_time_ms: 0,
        status: "IN_PROGRESS",
      });
      expect(asMap(t.request_metadata)).toEqual({ "mlflow.sourceRun": runId, dup: "2" });
      expect(asMap(t.tags)).toEqual({
        "mlflow.traceName": "predict",
        empty: "",
        "mlflow.artifactLocation": `mlflow-artifacts:/${experimentId}/traces/${t.request_id}/artifacts`,
      });
      expect(await info(t.request_id)).toEqual(t);
      // Both API prefixes, and an experiment id given as a number, as MLflow takes it.
      const again = (
        await ok("POST", "/traces", { experiment_id: Number(experimentId) }, "/ajax-api/2.0/mlflow")
      ).trace_info;
      expect(again).toMatchObject({ experiment_id: experimentId, timestamp_ms: 0, status: "IN_PROGRESS" });
    });

    it("ends a trace: execution time from its start, status, metadata and tags merged", async () => {
      const t = await start({ request_metadata: [{ key: "a", value: "1" }] });
      const ended = (
        await end(t.request_id, {
          request_id: t.request_id,
          timestamp_ms: 1_500,
          status: "OK",
          request_metadata: [
            { key: "a", value: "2" },
            { key: "mlflow.traceInputs", value: '{"x": 1}' },
          ],
          tags: [{ key: "mlflow.traceSpans", value: "[]" }],
        })
      ).trace_info;
      expect(ended).toMatchObject({
        request_id: t.request_id,
        timestamp_ms: 1_000,
        execution_time_ms: 500,
        status: "OK",
      });
      expect(asMap(ended.request_metadata)).toEqual({ a: "2", "mlflow.traceInputs": '{"x": 1}' });
      expect(asMap(ended.tags)).toMatchObject({ "mlflow.traceName": "predict", "mlflow.traceSpans": "[]" });
      expect(await info(t.request_id)).toEqual(ended);
      // The enum's number works as its name does (ERROR = 2).
      expect((await end(t.request_id, { timestamp_ms: 1_700, status: 2 })).trace_info).toMatchObject({
        status: "ERROR",
        execution_time_ms: 700,
      });
    });

    it("answers MLflow's errors, and writes nothing for a refused request", async () => {
      const before = (await search({ max_results: 500 })).length;
      expect(
        await fails(
          "POST",
          "/traces",
          { experiment_id: "999999", timestamp_ms: 1 },
          404,
          "RESOURCE_DOES_NOT_EXIST",
        ),
      ).toBe("No Experiment with id=999999 exists");
      await fails(
        "POST",
        "/traces",
        { experiment_id: "nope", timestamp_ms: 1 },
        404,
        "RESOURCE_DOES_NOT_EXIST",
      );
      expect(await fails("POST", "/traces", { timestamp_ms: 1 }, 400, "INVALID_PARAMETER_VALUE")).toContain(
        "Missing value for required parameter 'experiment_id'",
      );
      expect(
        await fails(
          "POST",
          "/traces",
          { experiment_id: experimentId, timestamp_ms: "abc" },
          400,
          "INVALID_PARAMETER_VALUE",
        ),
      ).toContain("Invalid value \"abc\" for parameter 'timestamp_ms' supplied");
      expect(
        await fails(
          "POST",
          "/traces",
          { experiment_id: experimentId, tags: [{ key: "ok", value: "1" }, { value: "x" }] },
          400,
          "INVALID_PARAMETER_VALUE",
        ),
      ).toContain("'tags[1].key'");
      await fails(
        "POST",
        "/traces",
        { experiment_id: experimentId, request_metadata: [{ key: "k".repeat(251), value: "v" }] },
        400,
        "INVALID_PARAMETER_VALUE",
      );
      await fails(
        "POST",
        "/traces",
        { experiment_id: experimentId, tags: "x" },
        400,
        "INVALID_PARAMETER_VALUE",
      );
      expect((await search({ max_results: 500 })).length).toBe(before);

      const deleted = (await call<Body>("POST", "/experiments/create", { name: "traces-deleted" })).body
        .experiment_id;
      await ok("POST", "/experiments/delete", { experiment_id: deleted });
      expect(
        await fails(
          "POST",
          "/traces",
          { experiment_id: deleted, timestamp_ms: 1 },
          400,
          "INVALID_PARAMETER_VALUE",
        ),
      ).toBe(`The experiment ${deleted} must be in the 'active' state. Current state is deleted.`);

      expect(await fails("GET", "/traces/nope/info", undefined, 404, "RESOURCE_DOES_NOT_EXIST")).toBe(
        "Trace with request_id 'nope' not found.",
      );
      await fails("PATCH", "/traces/nope", { timestamp_ms: 2, status: "OK" }, 404, "RESOURCE_DOES_NOT_EXIST");
      const t = await start();
      // MLflow stores TRACE_STATUS_UNSPECIFIED for an unknown status, or a negative time without an
      // end time: Labtrack refuses both, and the trace stays as it was.
      expect(
        await fails(
          "PATCH",
          `/traces/${t.request_id}`,
          { timestamp_ms: 2_000, status: "BOGUS" },
          400,
          "INVALID_PARAMETER_VALUE",
        ),
      ).toContain("'status'");
      await fails(
        "PATCH",
        `/traces/${t.request_id}`,
        { timestamp_ms: 2_000 },
        400,
        "INVALID_PARAMETER_VALUE",
      );
      await fails("PATCH", `/traces/${t.request_id}`, { status: "OK" }, 400, "INVALID_PARAMETER_VALUE");
      await fails(
        "PATCH",
        `/traces/${t.request_id}`,
        { timestamp_ms: 2_000, status: "OK", tags: [{ value: "no key" }] },
        400,
        "INVALID_PARAMETER_VALUE",
      );
      expect(await info(t.request_id)).toEqual(t);
    });
  });

  describe("tags", () => {
    it("sets, overwrites and deletes a tag; long values are stored whole up to 8000 and answered cut to 250", async () => {
      const t = await start();
      const id = t.request_id as string;
      await ok("PATCH", `/traces/${id}/tags`, { key: "a/b", value: "v" });
      await ok("PATCH", `/traces/${id}/tags`, { key: "a/b", value: "w" });
      await ok("PATCH", `/traces/${id}/tags`, { key: "k" });
      await ok("PATCH", `/traces/${id}/tags`, { key: "long", value: "é".repeat(9000) });
      const tags = asMap((await info(id)).tags);
      expect(tags).toMatchObject({ "a/b": "w", k: "" });
      expect(tags.long).toBe("é".repeat(250));
      // The stored value is longer than the answer: a filter on 300 characters of it matches.
      expect(await search({ filter: `tags.long = '${"é".repeat(8000)}'` })).toEqual([id]);
      // PostgreSQL indexes the first 256 characters: a value sharing them is not the same value.
      await ok("PATCH", `/traces/${id}/tags`, { key: "prefix", value: `${"é".repeat(300)}x` });
      expect(await search({ filter: `tags.prefix = '${"é".repeat(300)}'` })).toEqual([]);
      expect(await search({ filter: `tags.prefix = '${"é".repeat(300)}x'` })).toEqual([id]);
      expect(await search({ filter: `tags.k = ''` })).toEqual([id]);
      await ok("DELETE", `/traces/${id}/tags`, { key: "a/b" });
      expect(asMap((await info(id)).tags)["a/b"]).toBeUndefined();
    });

    it("answers MLflow's errors", async () => {
      const t = await start();
      const id = t.request_id as string;
      expect(
        await fails("DELETE", `/traces/${id}/tags`, { key: "nokey" }, 404, "RESOURCE_DOES_NOT_EXIST"),
      ).toBe(`No trace tag with key 'nokey' for trace with request_id '${id}'`);
      expect(await fails("DELETE", `/traces/${id}/tags`, {}, 400, "INVALID_PARAMETER_VALUE")).toContain(
        "Missing value for required parameter 'key'",
      );
      expect(
        await fails("PATCH", `/traces/${id}/tags`, { value: "v" }, 400, "INVALID_PARAMETER_VALUE"),
      ).toContain("Missing value for required parameter 'key'");
      await fails("PATCH", `/traces/${id}/tags`, { key: "../x", value: "v" }, 400, "INVALID_PARAMETER_VALUE");
      await fails(
        "PATCH",
        `/traces/${id}/tags`,
        { key: "k".repeat(251), value: "v" },
        400,
        "INVALID_PARAMETER_VALUE",
      );
      // MLflow answers a foreign-key 400 here; an unknown trace is a 404.
      await fails("PATCH", "/traces/nope/tags", { key: "a", value: "b" }, 404, "RESOURCE_DOES_NOT_EXIST");
      await fails("DELETE", "/traces/nope/tags", { key: "a" }, 404, "RESOURCE_DOES_NOT_EXIST");
      expect(await info(id)).toEqual(t);
    });
  });

  describe("search", () => {
    let exp: string;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      exp = (await call<Body>("POST", "/experiments/create", { name: "traces-search" })).body.experiment_id;
      const make = async (
        name: string,
        ts: number,
        endTs: number | null,
        status: string,
        extra: Body = {},
      ) => {
        const t = await start(
          {
            ...extra,
            timestamp_ms: ts,
            tags: [{ key: "mlflow.traceName", value: name }, ...(extra.tags ?? [])],
          },
          exp,
        );
        if (endTs !== null) await end(t.request_id, { timestamp_ms: endTs, status, ...extra });
        ids[name] = t.request_id;
      };
      await make("a", 100, 150, "OK", { request_metadata: [{ key: "mlflow.sourceRun", value: runId }] });
      await make("b", 200, 400, "ERROR", { tags: [{ key: "team", value: "x" }] });
      await make("c", 300, null, "", { tags: [{ key: "team", value: "y" }] });
      await make("d", 400, 410, "OK", { request_metadata: [{ key: "env", value: "prod" }] });
    });
    const names = (list: string[]) => list.map((id) => Object.keys(ids).find((k) => ids[k] === id));

    it("orders newest first by default, pages with MLflow's tokens", async () => {
      expect(names(await search({}, [exp]))).toEqual(["d", "c", "b", "a"]);
      const first = await ok("GET", "/traces", { experiment_ids: [exp], max_results: 3 });
      expect(first.traces.map((t: Body) => t.request_id)).toEqual([ids.d, ids.c, ids.b]);
      expect(first.next_page_token).toBe("eyJvZmZzZXQiOiAzfQ==");
      const second = await ok("GET", "/traces", {
        experiment_ids: [exp],
        max_results: 3,
        page_token: first.next_page_token,
      });
      expect(second.traces.map((t: Body) => t.request_id)).toEqual([ids.a]);
      expect(second.next_page_token).toBeUndefined();
      // Exactly a page: no token to an empty page.
      expect(
        (await ok("GET", "/traces", { experiment_ids: [exp], max_results: 4 })).next_page_token,
      ).toBeUndefined();
      expect(await ok("GET", "/traces", { experiment_ids: ["999999"] })).toEqual({});
      expect(names(await search({}, [exp, "999999", "x"]))).toEqual(["d", "c", "b", "a"]);
    });

    it.each([
      ["status = 'OK'", ["d", "a"]],
      ["trace.status = 'ERROR'", ["b"]],
      ["attributes.status != 'OK'", ["c", "b"]],
      ["status IN ('ERROR', 'IN_PROGRESS')", ["c", "b"]],
      ["status NOT IN ('OK')", ["c", "b"]],
      ["status = 'ok'", []],
      ["timestamp_ms > 200", ["d", "c"]],
      ["timestamp >= 200 AND timestamp_ms < 400", ["c", "b"]],
      ["execution_time_ms > 40", ["b", "a"]],
      ["execution_time > 10.5", ["b", "a"]],
      ["name = 'b'", ["b"]],
      ["name != 'b'", ["d", "c", "a"]],
      ["tags.team = 'x'", ["b"]],
      ["tags.team != 'x'", ["c"]],
      ["tags.`team` = 'y'", ["c"]],
      ["request_metadata.env = 'prod'", ["d"]],
      ["metadata.env != 'dev'", ["d"]],
      ["tags.nothing = 'x'", []],
      ["status = 'OK' AND tags.mlflow.traceName = 'a'", ["a"]],
      // Labtrack's superset of the grammar: OR and parentheses.
      ["(name = 'a' OR name = 'c') AND timestamp > 0", ["c", "a"]],
    ])("filters on %s", async (filter, expected) => {
      expect(names(await search({ filter }, [exp]))).toEqual(expected);
    });

    it("finds a run's traces (run_id is the mlflow.sourceRun metadata) and request ids", async () => {
      expect(names(await search({ filter: `run_id = '${runId}'` }, [exp]))).toEqual(["a"]);
      expect(names(await search({ filter: `request_id IN ('${ids.b}', '${ids.d}')` }, [exp]))).toEqual([
        "d",
        "b",
      ]);
      expect(names(await search({ filter: `request_id = '${ids.c}'` }, [exp]))).toEqual(["c"]);
    });

    it.each([
      [["timestamp ASC"], ["a", "b", "c", "d"]],
      [["timestamp_ms DESC"], ["d", "c", "b", "a"]],
      // In progress (no execution time) last, in both directions.
      [["execution_time_ms"], ["d", "a", "b", "c"]],
      [["execution_time DESC"], ["b", "a", "d", "c"]],
      [["name DESC"], ["d", "c", "b", "a"]],
      [["tags.team DESC"], ["c", "b", "d", "a"]],
      [["tags.team"], ["b", "c", "d", "a"]],
      [
        ["status", "timestamp_ms"],
        ["b", "c", "a", "d"],
      ],
      [["request_metadata.env"], ["d", "c", "b", "a"]],
    ])("orders by %j", async (orderBy, expected) => {
      expect(names(await search({ order_by: orderBy }, [exp]))).toEqual(expected);
    });

    it.each([
      ["tags.x LIKE 'a'", "Invalid comparator 'LIKE'"],
      ["name IN ('a')", "IN is not supported"],
      ["run_id IN ('a')", "IN is not supported"],
      ["status ILIKE 'o%'", "Invalid comparator 'ILIKE'"],
      ["params.x = 'a'", "Invalid entity type 'params'"],
      ["foo = 'a'", "Invalid attribute key 'foo'"],
      ["status = 1", "Expected a quoted string value"],
      ["timestamp_ms = '1'", "Expected numeric value"],
      ["timestamp IN ('1')", "IN is not supported"],
      ["status = 'OK' AND", "comparison is missing"],
    ])("refuses the filter %s", async (filter, message) => {
      const r = await call<Body>("GET", "/traces", { experiment_ids: [exp], filter });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      expect(r.body.message).toContain(message);
    });

    it("refuses bad order_by, max_results, page tokens and a missing experiment list", async () => {
      for (const [payload, message] of [
        [{ order_by: ["foo"] }, "Invalid attribute key 'foo'"],
        [{ order_by: ["params.x"] }, "Invalid entity type 'params'"],
        // MLflow answers a 500 here.
        [{ order_by: ["timestamp_ms", "timestamp"] }, "duplicate"],
        [{ max_results: 0 }, "Invalid value 0 for parameter 'max_results' supplied"],
        [{ max_results: 501 }, "Invalid value 501 for parameter 'max_results' supplied"],
        [{ max_results: "x" }, "'max_results'"],
        [{ page_token: "zzz" }, "Invalid page token"],
      ] as [Body, string][]) {
        const r = await call<Body>("GET", "/traces", { experiment_ids: [exp], ...payload });
        expect(r.status, JSON.stringify(payload)).toBe(400);
        expect(r.body.error_code).toBe("INVALID_PARAMETER_VALUE");
        expect(r.body.message).toContain(message);
      }
      expect(await fails("GET", "/traces", undefined, 400, "INVALID_PARAMETER_VALUE")).toBe(
        "Missing value for required parameter 'experiment_ids'. See the API docs for more information about request parameters.",
      );
    });
  });

  describe("trace data (traces.json through the artifact proxy)", () => {
    it("stores well-formed spans and reads them back through the proxy and get-trace-artifact", async () => {
      const id = (await start()).request_id as string;
      // Nanosecond times beyond 2^53 travel as written.
      const text = JSON.stringify(spans()).replace("1500000000", "1796554976755178294");
      expect((await putData(experimentId, id, text)).status).toBe(200);
      expect(await (await getData(experimentId, id)).text()).toBe(text);
      for (const prefix of ["/ajax-api/2.0", "/api/2.0"]) {
        const r = await fetch(`${server.url}${prefix}/mlflow/get-trace-artifact?request_id=${id}`);
        expect(r.status).toBe(200);
        expect(r.headers.get("content-disposition")).toBe("attachment; filename=traces.json");
        expect(await r.text()).toBe(text);
      }
    });

    it.each([
      ["not JSON", "{"],
      ["no spans list", JSON.stringify({ spans: {} })],
      ["a span without a name", JSON.stringify({ spans: [{ ...spans().spans[0], name: 3 }] })],
      ["a span without context", JSON.stringify({ spans: [{ ...spans().spans[0], context: undefined }] })],
      ["a span with a bad start", JSON.stringify({ spans: [{ ...spans().spans[0], start_time: "x" }] })],
      ["a span with a bad parent", JSON.stringify({ spans: [{ ...spans().spans[0], parent_id: 5 }] })],
      ["a repeated span id", JSON.stringify({ spans: [spans().spans[0], spans().spans[0]] })],
      ["attributes that are a list", JSON.stringify({ spans: [{ ...spans().spans[0], attributes: [] }] })],
    ])("refuses trace data with %s, writing nothing", async (_what, body) => {
      const id = (await start()).request_id as string;
      const r = await putData(experimentId, id, body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as Body).error_code).toBe("INVALID_PARAMETER_VALUE");
      expect((await getData(experimentId, id)).status).toBe(404);
      const artifact = await call<Body>("GET", "/get-trace-artifact", { request_id: id });
      expect(artifact.status).toBe(404);
      expect(artifact.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    });

    it("refuses trace data of an unknown trace or under another experiment", async () => {
      const other = (await call<Body>("POST", "/experiments/create", { name: "traces-other" })).body
        .experiment_id;
      const id = (await start()).request_id as string;
      expect((await putData(experimentId, "f".repeat(32), JSON.stringify(spans()))).status).toBe(404);
      expect((await putData(other, id, JSON.stringify(spans()))).status).toBe(404);
      expect((await getData(other, id)).status).toBe(404);
      const unknown = await call<Body>("GET", "/get-trace-artifact", { request_id: "nope" });
      expect(unknown.status).toBe(404);
    });
  });

  describe("delete-traces", () => {
    it("deletes by request ids of the experiment only, with their data files", async () => {
      const exp = (await call<Body>("POST", "/experiments/create", { name: "traces-del" })).body
        .experiment_id;
      const a = (await start({}, exp)).request_id as string;
      const b = (await start({}, exp)).request_id as string;
      const elsewhere = (await start()).request_id as string;
      expect((await putData(exp, a, JSON.stringify(spans()))).status).toBe(200);
      const r = await ok("POST", "/traces/delete-traces", {
        experiment_id: exp,
        request_ids: [a, elsewhere, "nope"],
      });
      expect(r).toEqual({ traces_deleted: 1 });
      await fails("GET", `/traces/${a}/info`, undefined, 404, "RESOURCE_DOES_NOT_EXIST");
      expect((await getData(exp, a)).status).toBe(404);
      expect((await info(b)).request_id).toBe(b);
      expect((await info(elsewhere)).request_id).toBe(elsewhere);
      expect(await ok("POST", "/traces/delete-traces", { experiment_id: exp, request_ids: [a] })).toEqual({
        traces_deleted: 0,
      });
    });

    it("deletes the oldest traces up to a time, at most max_traces of them", async () => {
      const exp = (await call<Body>("POST", "/experiments/create", { name: "traces-old" })).body
        .experiment_id;
      const at = async (ts: number) => (await start({ timestamp_ms: ts }, exp)).request_id as string;
      const [t1, t2, t3, t4] = [await at(10), await at(20), await at(30), await at(40)];
      expect(
        await ok("POST", "/traces/delete-traces", {
          experiment_id: exp,
          max_timestamp_millis: 30,
          max_traces: 2,
        }),
      ).toEqual({ traces_deleted: 2 });
      expect(await search({}, [exp])).toEqual([t4, t3]);
      expect(
        await ok("POST", "/traces/delete-traces", { experiment_id: exp, max_timestamp_millis: 35 }),
      ).toEqual({
        traces_deleted: 1,
      });
      expect(await search({}, [exp])).toEqual([t4]);
      expect([t1, t2]).toHaveLength(2);
    });

    it("answers MLflow's errors", async () => {
      for (const [payload, message] of [
        [
          { experiment_id: experimentId },
          "Either `max_timestamp_millis` or `request_ids` must be specified.",
        ],
        [
          { experiment_id: experimentId, max_traces: 1 },
          "Either `max_timestamp_millis` or `request_ids` must be specified.",
        ],
        [
          { experiment_id: experimentId, max_timestamp_millis: 1, request_ids: ["x"] },
          "Only one of `max_timestamp_millis` and `request_ids` can be specified.",
        ],
        [
          { experiment_id: experimentId, request_ids: ["x"], max_traces: 1 },
          "`max_traces` can't be specified if `request_ids` is specified.",
        ],
        [
          { experiment_id: experimentId, max_timestamp_millis: 1, max_traces: 0 },
          "`max_traces` must be a positive integer, received 0.",
        ],
        [
          { request_ids: ["a"] },
          "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters.",
        ],
      ] as [Body, string][]) {
        expect(await fails("POST", "/traces/delete-traces", payload, 400, "INVALID_PARAMETER_VALUE")).toBe(
          message,
        );
      }
    });
  });

  describe("MLflow 3 clients", () => {
    it("are told ENDPOINT_NOT_FOUND on the v3 trace endpoints, so that they fall back to these", async () => {
      for (const [method, path] of [
        ["POST", "/api/3.0/mlflow/traces"],
        ["GET", "/api/3.0/mlflow/traces/abc"],
        ["POST", "/api/3.0/mlflow/traces/search"],
        ["POST", "/v1/traces"],
      ]) {
        const r = await fetch(`${server.url}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: method === "GET" ? undefined : "{}",
        });
        expect(r.status, path).toBe(404);
        expect(((await r.json()) as Body).error_code).toBe("ENDPOINT_NOT_FOUND");
      }
    });
  });
});

describe("labtrack gc", () => {
  it("purges a deleted experiment's traces with their data files", async () => {
    const exp = (await call<Body>("POST", "/experiments/create", { name: "traces-gc" })).body.experiment_id;
    const kept = (await call<Body>("POST", "/experiments/create", { name: "traces-gc-kept" })).body
      .experiment_id;
    const id = (await start({}, exp)).request_id as string;
    const other = (await start({}, kept)).request_id as string;
    expect((await putData(exp, id, JSON.stringify(spans()))).status).toBe(200);
    expect((await putData(kept, other, JSON.stringify(spans()))).status).toBe(200);
    await ok("POST", "/experiments/delete", { experiment_id: exp });
    // Traces of a deleted experiment stay readable until gc, as in MLflow.
    expect((await info(id)).request_id).toBe(id);
    const result = await new Promise<{ status: number | null; output: string }>((done, fail) => {
      const child = spawn(process.execPath, [
        BIN,
        "gc",
        "--backend-store-uri",
        server.backendStoreUri,
        "--artifacts-destination",
        artifactsDestination(),
        "--experiment-ids",
        exp,
      ]);
      let output = "";
      child.stdout.on("data", (c: Buffer) => {
        output += c.toString();
      });
      child.stderr.on("data", (c: Buffer) => {
        output += c.toString();
      });
      child.on("error", fail);
      child.on("close", (status) => done({ status, output }));
    });
    expect(result.status, result.output).toBe(0);
    await fails("GET", `/traces/${id}/info`, undefined, 404, "RESOURCE_DOES_NOT_EXIST");
    expect((await getData(exp, id)).status).toBe(404);
    expect((await getData(kept, other)).status).toBe(200);
    expect((await info(other)).request_id).toBe(other);
  });
});
