// Run details of a headless execution (`labtrack run`): the executed notebook, logged as an artifact of
// the parent run and named by its `labtrack.executed_notebook` tag, read for the preview against a
// real server; the reader of nbformat outputs on its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import { RunDetailsModel, TAG } from "../../src/lab/run-details/model.js";
import { readNotebookPreview } from "../../src/lab/run-details/notebook-preview.js";
import { type RunningServer, startServer } from "../helpers/server.js";

let server: RunningServer;
let client: RestClient;

beforeAll(async () => {
  server = await startServer();
  client = new RestClient({ trackingUri: server.url });
});
afterAll(async () => server?.dispose());

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: "python3", language: "python" }, language_info: { name: "python" } },
  cells: [
    { cell_type: "markdown", id: "m", metadata: {}, source: ["# Train\n", "with *lr*"] },
    {
      cell_type: "code",
      id: "a",
      metadata: {},
      execution_count: 1,
      source: "print('hi')\n1 + 1",
      outputs: [
        { output_type: "stream", name: "stdout", text: ["hi\n"] },
        { output_type: "stream", name: "stderr", text: "careful\n" },
        { output_type: "execute_result", execution_count: 1, data: { "text/plain": "2" }, metadata: {} },
      ],
    },
    {
      cell_type: "code",
      id: "b",
      metadata: {},
      execution_count: 2,
      source: "plot()",
      outputs: [
        {
          output_type: "display_data",
          data: { "image/png": "iVBORw0KGgo=\n", "text/plain": "<Figure>" },
          metadata: {},
        },
        { output_type: "display_data", data: { "text/html": "<b>x</b>" }, metadata: {} },
        // An "image" that is not base64 is not shown as one.
        {
          output_type: "display_data",
          data: { "image/png": '"><script>', "text/plain": "fig" },
          metadata: {},
        },
      ],
    },
    {
      cell_type: "code",
      id: "c",
      metadata: {},
      execution_count: 3,
      source: "1/0",
      outputs: [
        {
          output_type: "error",
          ename: "ZeroDivisionError",
          evalue: "division by zero",
          traceback: ["\u001b[0;31mZeroDivisionError\u001b[0m", "division by zero"],
        },
      ],
    },
    { cell_type: "code", id: "d", metadata: {}, execution_count: null, source: "not run", outputs: [] },
  ],
};

describe("readNotebookPreview", () => {
  it("reads cells, execution counts and outputs as text, images as base64, the rest by name", () => {
    const preview = readNotebookPreview(NOTEBOOK);
    expect(preview.ok).toBe(true);
    if (!preview.ok) return;
    expect(preview.language).toBe("python");
    expect(preview.cells.map((c) => [c.type, c.executionCount])).toEqual([
      ["markdown", null],
      ["code", 1],
      ["code", 2],
      ["code", 3],
      ["code", null],
    ]);
    expect(preview.cells[0]?.source).toBe("# Train\nwith *lr*");
    expect(preview.cells[1]?.outputs).toEqual([
      { kind: "text", text: "hi\n", stream: "stdout" },
      { kind: "text", text: "careful\n", stream: "stderr" },
      { kind: "text", text: "2", stream: "result" },
    ]);
    expect(preview.cells[2]?.outputs).toEqual([
      { kind: "image", mime: "image/png", base64: "iVBORw0KGgo=" },
      { kind: "other", mime: "text/html" },
      { kind: "text", text: "fig", stream: "result" },
    ]);
    expect(preview.cells[3]?.outputs).toEqual([
      { kind: "error", text: "ZeroDivisionError\ndivision by zero" },
    ]);
  });

  it("says what is wrong with a file that is not a notebook", () => {
    expect(readNotebookPreview({ hello: 1 })).toEqual({
      ok: false,
      reason: "the file is not a Jupyter notebook (no list of cells)",
    });
    expect(readNotebookPreview(null).ok).toBe(false);
  });
});

describe("the executed notebook in run details", () => {
  it("reads the artifact the parent run's tag names; runs without the tag have none", async () => {
    const experimentId = await client.createExperiment("headless-details");
    const parent = await client.createRun({
      experimentId,
      runName: "train",
      tags: { [TAG.executedNotebook]: "train.ipynb", "labtrack.execution": "headless" },
    });
    const uri = parent.info.artifact_uri ?? "";
    await client.uploadArtifact(RestClient.proxyPath(uri, "train.ipynb") as string, JSON.stringify(NOTEBOOK));
    await client.updateRun(parent.info.run_id, { status: "FINISHED", endTime: Date.now() });
    const model = new RunDetailsModel({ client, uri: server.url }, parent.info.run_id);
    await model.start();
    expect(model.executedNotebook?.path).toBe("train.ipynb");
    expect(model.executedNotebook?.problem).toBeNull();
    const preview = model.executedNotebook?.preview;
    expect(preview?.ok && preview.cells.length).toBe(5);
    model.dispose();

    // A tag naming a file that is not there: the problem, not an exception.
    const broken = await client.createRun({
      experimentId,
      runName: "broken",
      tags: { [TAG.executedNotebook]: "missing.ipynb" },
    });
    const brokenModel = new RunDetailsModel({ client, uri: server.url }, broken.info.run_id);
    await brokenModel.start();
    expect(brokenModel.executedNotebook?.problem?.detail).toBeTruthy();
    brokenModel.dispose();

    const plain = await client.createRun({ experimentId, runName: "plain" });
    const plainModel = new RunDetailsModel({ client, uri: server.url }, plain.info.run_id);
    await plainModel.start();
    expect(plainModel.executedNotebook).toBeNull();
    plainModel.dispose();
  });
});
