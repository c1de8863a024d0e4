// Random and mutated filters and request bodies thrown at the real server: only 200 or 4xx with an
// MLflow error body, never a 5xx, and the server stays up.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../helpers/server.js";

let server: RunningServer;
let runId: string;
let experimentId: string;

const post = async (path: string, body: string, contentType = "application/json") =>
  fetch(`${server.url}/api/2.0/mlflow${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });

beforeAll(async () => {
  server = await startServer();
  experimentId = (await (await post("/experiments/create", JSON.stringify({ name: "fuzz" }))).json())
    .experiment_id;
  const run = await (await post("/runs/create", JSON.stringify({ experiment_id: experimentId }))).json();
  runId = run.run.info.run_id;
  await post(
    "/runs/log-batch",
    JSON.stringify({
      run_id: runId,
      metrics: [{ key: "acc", value: 0.5, timestamp: 1 }],
      params: [{ key: "lr", value: "0.1" }],
      tags: [{ key: "t", value: "x" }],
    }),
  );
});
afterAll(async () => server?.dispose());

async function expectHandled(response: Response): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBeLessThan(500);
  if (response.status !== 200) {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    expect(typeof body.error_code).toBe("string");
    expect(typeof body.message).toBe("string");
  }
}

const SEEDS = [
  "metrics.acc > 0.1",
  "params.lr = '0.1' and tags.t LIKE 'x%'",
  "attributes.run_id IN ('a', 'b')",
  "metrics.`val loss` <= -1e-3 OR (params.`a b` ILIKE '%Ü%' and run_name != \"x\")",
  "dataset.context NOT IN ('training')",
  "created >= 0 AND attributes.status = 'FINISHED'",
];
const PIECES = [
  "(",
  ")",
  "'",
  '"',
  "`",
  " AND ",
  " OR ",
  " NOT ",
  "=",
  "!=",
  "<=",
  ">",
  " LIKE ",
  " IN ",
  ",",
  ".",
  ";",
  "--",
  "\\",
  "\u0000",
  "é",
  "😀",
  "1e309",
  "-",
  "%",
  "_",
  "metrics.",
  "params.",
  "tags.",
];

const mutated = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(fc.tuple(fc.nat(200), fc.nat(6), fc.constantFrom(...PIECES)), { maxLength: 4 }),
  )
  .map(([seed, edits]) => {
    let s = seed;
    for (const [at, op, piece] of edits) {
      const i = at % (s.length + 1);
      if (op === 0) s = s.slice(0, i) + s.slice(i + 1);
      else if (op === 1 && s.length > 2) s = s.slice(0, i) + s.slice(i + 2);
      else s = s.slice(0, i) + piece + s.slice(i);
    }
    return s;
  });

const jsonValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "",
    "0",
    "-1",
    "9007199254740993",
    runIdPlaceholder(),
  ),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.object()), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

function runIdPlaceholder(): string {
  return "__RUN__";
}

const ENDPOINTS: Record<string, string[]> = {
  "/experiments/create": ["name", "artifact_location", "tags"],
  "/experiments/update": ["experiment_id", "new_name"],
  "/experiments/delete": ["experiment_id"],
  "/experiments/restore": ["experiment_id"],
  "/experiments/search": ["filter", "order_by", "max_results", "page_token", "view_type"],
  "/experiments/set-experiment-tag": ["experiment_id", "key", "value"],
  "/runs/create": ["experiment_id", "run_name", "start_time", "tags", "user_id"],
  "/runs/update": ["run_id", "status", "end_time", "run_name"],
  "/runs/log-metric": ["run_id", "key", "value", "timestamp", "step"],
  "/runs/log-parameter": ["run_id", "key", "value"],
  "/runs/set-tag": ["run_id", "key", "value"],
  "/runs/delete-tag": ["run_id", "key"],
  "/runs/log-batch": ["run_id", "metrics", "params", "tags"],
  "/runs/log-inputs": ["run_id", "datasets"],
  "/runs/log-model": ["run_id", "model_json"],
  "/runs/search": ["experiment_ids", "filter", "order_by", "max_results", "page_token", "run_view_type"],
  "/registered-models/create": ["name", "tags", "description"],
  "/registered-models/rename": ["name", "new_name"],
  "/registered-models/set-tag": ["name", "key", "value"],
  "/registered-models/alias": ["name", "alias", "version"],
  "/model-versions/create": ["name", "source", "run_id", "tags"],
  "/model-versions/transition-stage": ["name", "version", "stage", "archive_existing_versions"],
  "/logged-models": ["experiment_id", "name", "model_type", "source_run_id", "params", "tags"],
  "/logged-models/search": ["experiment_ids", "filter", "datasets", "order_by", "max_results", "page_token"],
  "/runs/outputs": ["run_id", "models"],
};

describe("fuzz", () => {
  it("answers mutated filters with 200 or a 400 error body", async () => {
    await fc.assert(
      fc.asyncProperty(
        mutated,
        fc.array(fc.oneof(mutated, fc.string()), { maxLength: 2 }),
        async (filter, orderBy) => {
          await expectHandled(
            await post(
              "/runs/search",
              JSON.stringify({ experiment_ids: [experimentId], filter, order_by: orderBy }),
            ),
          );
          await expectHandled(await post("/experiments/search", JSON.stringify({ filter, max_results: 5 })));
          await expectHandled(
            await post(
              "/logged-models/search",
              JSON.stringify({
                experiment_ids: [experimentId],
                filter,
                order_by: [{ field_name: orderBy[0] }],
              }),
            ),
          );
          const q = new URLSearchParams({ filter });
          await expectHandled(await fetch(`${server.url}/api/2.0/mlflow/model-versions/search?${q}`));
        },
      ),
      { numRuns: 250, interruptAfterTimeLimit: 25_000 },
    );
  }, 60_000);

  it("answers random request bodies with 200 or 4xx", async () => {
    const body = fc
      .constantFrom(...Object.keys(ENDPOINTS))
      .chain((path) =>
        fc.tuple(
          fc.constant(path),
          fc.dictionary(fc.constantFrom(...(ENDPOINTS[path] as string[]), "junk"), jsonValue, { maxKeys: 6 }),
        ),
      );
    await fc.assert(
      fc.asyncProperty(body, async ([path, fields]) => {
        const text = JSON.stringify(fields).replaceAll("__RUN__", runId);
        await expectHandled(await post(path, text));
      }),
      { numRuns: 400, interruptAfterTimeLimit: 25_000 },
    );
  }, 60_000);

  it("answers garbage bodies, content types and query strings with 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(ENDPOINTS)),
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString("latin1")),
        ),
        fc.constantFrom(
          "application/json",
          "text/plain",
          "application/x-www-form-urlencoded",
          "",
          "application/json; charset=latin1",
        ),
        fc.string({ maxLength: 40 }),
        async (path, text, type, query) => {
          await expectHandled(await post(path, text, type || "application/octet-stream"));
          const url = `${server.url}/api/2.0/mlflow/runs/get?${encodeURIComponent(query)}=${encodeURIComponent(text.slice(0, 30))}`;
          await expectHandled(await fetch(url));
        },
      ),
      { numRuns: 300, interruptAfterTimeLimit: 20_000 },
    );
  }, 60_000);

  it("is still up and consistent afterwards", async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
    const run = await (await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json();
    expect(run.run.data.params).toContainEqual({ key: "lr", value: "0.1" });
  });
});
