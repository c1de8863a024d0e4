// MLflow 3's run outputs in the Lab, with data recorded through the REST API exactly as an MLflow 3
// client sends it: a logged model (params, metrics per dataset, files, registered as a version) and a
// trace of nested spans under the run. Run details lists both (the trace as a span tree with inputs,
// outputs and the exception), the Models view reaches the version's logged model, the runs table has a
// Models column and Compare a logged-models table. User data stays text.
import { RestClient } from "../../lib/client/index.js";
import { expect, type Lab, TRACKING, test } from "../fixtures.js";

const XSS = `<img src=x onerror="window.__xss=1">`;

type Body = Record<string, any>;

async function rest(method: string, path: string, body: Body = {}): Promise<Body> {
  const r = await fetch(`${TRACKING()}/api/2.0/mlflow/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await r.json()) as Body;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** A span as MLflow's client writes it into traces.json (attribute values JSON-encoded). */
function span(
  id: string,
  parent: string | null,
  name: string,
  startMs: number,
  endMs: number,
  extra: Body = {},
) {
  return {
    name,
    context: { span_id: id, trace_id: "0x49bd1e06f0546de69bf0510800e4580f" },
    parent_id: parent,
    start_time: startMs * 1_000_000,
    end_time: endMs * 1_000_000,
    status_code: extra.error ? "ERROR" : "OK",
    status_message: extra.error ?? "",
    attributes: {
      "mlflow.spanType": JSON.stringify(extra.type ?? "UNKNOWN"),
      "mlflow.spanInputs": JSON.stringify(extra.inputs ?? {}),
      ...(extra.outputs === undefined ? {} : { "mlflow.spanOutputs": JSON.stringify(extra.outputs) }),
    },
    events: extra.error
      ? [
          {
            name: "exception",
            timestamp: endMs * 1_000_000,
            attributes: {
              "exception.type": "ValueError",
              "exception.message": "no such document",
              "exception.stacktrace":
                'Traceback (most recent call last):\n  File "rag.py", line 12, in lookup\nValueError: no such document\n',
            },
          },
        ]
      : [],
  };
}

interface Seeded {
  experimentId: string;
  runId: string;
  otherId: string;
  modelId: string;
  modelName: string;
}

async function seed(): Promise<Seeded> {
  const client = new RestClient({ trackingUri: TRACKING() });
  const stamp = Date.now();
  const experimentId = await client.createExperiment(`ui-mlflow3-${stamp}`);
  const run = await client.createRun({ experimentId, runName: "train-rag" });
  const runId = run.info.run_id;
  const other = await client.createRun({ experimentId, runName: "baseline" });
  await client.logBatch(runId, { params: [{ key: "lr", value: "0.1" }] });
  await client.logBatch(other.info.run_id, { params: [{ key: "lr", value: "0.3" }] });

  // The model, as `mlflow.sklearn.log_model` does it: create, upload, finalize, declare as output.
  const model = (
    await rest("POST", "logged-models", {
      experiment_id: experimentId,
      name: "classifier",
      model_type: "sklearn",
      source_run_id: runId,
      params: [
        { key: "C", value: "1.0" },
        { key: "note", value: XSS },
      ],
    })
  ).model;
  const modelId = model.info.model_id as string;
  const uri = model.info.artifact_uri as string;
  for (const [path, body] of Object.entries({
    MLmodel: "flavors:\n  sklearn: {}\n",
    "model.pkl": "pickle bytes",
    "requirements.txt": "scikit-learn\n",
  }))
    await client.uploadArtifact(RestClient.proxyPath(uri, path) as string, body);
  await rest("PATCH", `logged-models/${modelId}`, { model_id: modelId, status: "LOGGED_MODEL_READY" });
  await rest("POST", "runs/outputs", { run_id: runId, models: [{ model_id: modelId, step: 0 }] });
  await rest("POST", "runs/log-batch", {
    run_id: runId,
    metrics: [
      { key: "accuracy", value: 0.93, timestamp: stamp, step: 0, model_id: modelId, dataset_name: "test" },
      { key: "accuracy", value: 0.95, timestamp: stamp, step: 0, model_id: modelId, dataset_name: "train" },
    ],
  });
  const modelName = `ui-mlflow3-clf-${stamp}`;
  await rest("POST", "registered-models/create", { name: modelName });
  await rest("POST", "model-versions/create", {
    name: modelName,
    source: `models:/${modelId}`,
    model_id: modelId,
    run_id: runId,
  });
  // The other run logs a model too, so Compare has two columns of them.
  const second = (
    await rest("POST", "logged-models", {
      experiment_id: experimentId,
      name: "baseline-clf",
      source_run_id: other.info.run_id,
    })
  ).model.info.model_id;
  await rest("POST", "runs/outputs", { run_id: other.info.run_id, models: [{ model_id: second, step: 0 }] });
  await rest("POST", "runs/log-batch", {
    run_id: other.info.run_id,
    metrics: [
      { key: "accuracy", value: 0.81, timestamp: stamp, step: 0, model_id: second, dataset_name: "test" },
    ],
  });

  // A trace under the run, as `@mlflow.trace` records it: start, spans uploaded, end.
  const t0 = stamp - 5_000;
  const trace = (
    await rest("POST", "traces", {
      experiment_id: experimentId,
      timestamp_ms: t0,
      request_metadata: [{ key: "mlflow.sourceRun", value: runId }],
      tags: [{ key: "mlflow.traceName", value: "answer" }],
    })
  ).trace_info;
  const location = trace.tags.find((t: Body) => t.key === "mlflow.artifactLocation").value as string;
  const spans = [
    span("0x01", null, "answer", t0, t0 + 1200, {
      type: "CHAIN",
      inputs: { question: "What is MLflow?" },
      outputs: "An open source platform.",
    }),
    span("0x02", "0x01", "retrieve", t0 + 10, t0 + 400, {
      type: "RETRIEVER",
      inputs: { k: 3 },
      outputs: ["doc1", "doc2"],
    }),
    span("0x03", "0x02", "lookup", t0 + 20, t0 + 120, {
      type: "TOOL",
      error: "ValueError: no such document",
    }),
    span("0x04", "0x01", "generate", t0 + 420, t0 + 1180, {
      type: "LLM",
      inputs: { prompt: XSS },
      outputs: XSS,
    }),
  ];
  await client.uploadArtifact(
    RestClient.proxyPath(location, "traces.json") as string,
    JSON.stringify({
      spans,
      request: '{"question": "What is MLflow?"}',
      response: '"An open source platform."',
    }),
    "application/json",
  );
  await rest("PATCH", `traces/${trace.request_id}`, {
    request_id: trace.request_id,
    timestamp_ms: t0 + 1200,
    status: "OK",
  });
  await client.updateRun(runId, { status: "FINISHED", endTime: Date.now() });
  await client.updateRun(other.info.run_id, { status: "FINISHED", endTime: Date.now() });
  return { experimentId, runId, otherId: other.info.run_id, modelId, modelName };
}

const details = (lab: Lab) => lab.page.locator(".lt-RunDetails:visible");
const section = (lab: Lab, name: string) => details(lab).locator(`[data-section="${name}"]`);

test("MLflow 3 outputs: logged models and traces in run details, the Models view, the runs table and Compare", async ({
  lab,
}) => {
  test.setTimeout(180_000);
  const s = await seed();
  await lab.open();

  // Run details: the logged model's card.
  await lab.command("labtrack:open-run", { runId: s.runId });
  const models = section(lab, "logged-models");
  const card = models.locator(`.lt-RunDetails-model[data-model-id="${s.modelId}"]`);
  await expect(card).toBeVisible();
  await expect(card.locator(".lt-RunDetails-modelName")).toHaveText("classifier");
  await expect(card.locator(".lt-RunDetails-modelStatus")).toHaveText("ready");
  await expect(card).toContainText(`${s.modelName} version 1`);
  await expect(card.locator("tr", { hasText: "accuracy (test)" })).toContainText("0.93");
  await expect(card.locator("tr", { hasText: "accuracy (train)" })).toContainText("0.95");
  // A param that looks like HTML is text.
  await expect(card.locator("tr", { hasText: "note" }).locator("td")).toHaveText(XSS);
  await card.locator("summary", { hasText: "Files" }).click();
  await expect(card.locator(".lt-RunDetails-modelFiles li")).toHaveText([
    /MLmodel/,
    /model\.pkl/,
    /requirements\.txt/,
  ]);

  // The trace, opened: its spans as a tree, an error span with its exception, inputs/outputs as text.
  const traces = section(lab, "traces");
  const trace = traces.locator(".lt-Trace");
  await expect(trace).toHaveCount(1);
  await expect(trace.locator(".lt-Trace-name")).toHaveText("answer");
  await expect(trace.locator(".lt-Trace-status")).toHaveText("OK");
  await trace.locator(".lt-Trace-summary").click();
  const spans = trace.locator(".lt-Span");
  await expect(spans).toHaveCount(4);
  await expect(trace.locator(".lt-Span-name")).toHaveText(["answer", "retrieve", "lookup", "generate"]);
  // lookup is nested under retrieve, which is under answer.
  await expect(
    trace.locator('.lt-Span[data-span-id="0x02"] ~ .lt-Span-list .lt-Span[data-span-id="0x03"]'),
  ).toHaveCount(1);
  const lookup = trace.locator('.lt-Span[data-span-id="0x03"]');
  await expect(lookup).toHaveAttribute("data-status", "ERROR");
  await lookup.locator(":scope > summary").click();
  await expect(lookup.locator(".lt-Span-error")).toHaveText("ValueError: no such document");
  await expect(lookup.locator(".lt-Span-io", { hasText: "Exception" })).toContainText("line 12, in lookup");
  const generate = trace.locator('.lt-Span[data-span-id="0x04"]');
  await generate.locator(":scope > summary").click();
  await expect(generate.locator(".lt-Span-io", { hasText: "Outputs" }).locator("pre")).toHaveText(XSS);
  const answer = trace.locator('.lt-Span[data-span-id="0x01"]');
  await answer.locator(":scope > summary").click();
  await expect(answer.locator(":scope > .lt-Span-body .lt-Span-io", { hasText: "Inputs" })).toContainText(
    '"question": "What is MLflow?"',
  );
  // The bars place each span within the trace: generate starts after a third of it.
  const left = await generate
    .locator(":scope > summary .lt-Span-bar")
    .evaluate((bar) => Number.parseFloat((bar as HTMLElement).style.marginLeft));
  expect(left).toBeGreaterThan(30);
  expect(left).toBeLessThan(40);
  await traces.scrollIntoViewIfNeeded();
  await lab.screenshot("mlflow3-run-details-trace");
  await models.scrollIntoViewIfNeeded();
  await lab.screenshot("mlflow3-run-details-models");
  expect(await lab.page.evaluate(() => (window as any).__xss)).toBeUndefined();
  await expect(details(lab).locator("img")).toHaveCount(0);

  // The Models view: the version reaches its logged model, shown in its run's details.
  await lab.command("labtrack:open-models", { name: s.modelName });
  const version = lab.page.locator('.lt-Models-versions tr[data-version="1"]');
  await expect(version).toBeVisible();
  await lab.command("labtrack:open-run", { runId: s.otherId });
  await lab.command("labtrack:open-models", { name: s.modelName });
  await version.getByRole("button", { name: "logged model" }).click();
  await expect(
    details(lab).locator(`.lt-RunDetails-model.lt-mod-revealed[data-model-id="${s.modelId}"]`),
  ).toBeVisible();
  await expect(details(lab)).toHaveAttribute("id", `labtrack-run-${s.runId}`);

  // The runs table: a Models column, since its runs made logged models.
  await lab.fire("labtrack:open-runs-table", { experimentId: s.experimentId });
  const header = lab.page.locator(
    '.lt-RunsTable:visible .lt-RunsTable-headerCell[data-column-id="attributes.models"]',
  );
  await expect(header).toBeVisible();

  // Compare: the models side by side, with the metrics logged against them.
  await lab.fire("labtrack:compare-runs", { runIds: [s.runId, s.otherId] });
  const table = lab.page.locator(".lt-Compare:visible .lt-Compare-modelsTable");
  await expect(table.locator('tr[data-key="Models"] td')).toHaveText(["classifier", "baseline-clf"]);
  await expect(table.locator('tr[data-key="accuracy (test)"] td')).toHaveText(["0.93", "0.81"]);
  await expect(table.locator('tr[data-key="accuracy (train)"] td')).toHaveText(["0.95", "—"]);
  await table.scrollIntoViewIfNeeded();
  await lab.screenshot("mlflow3-compare-models");
});
