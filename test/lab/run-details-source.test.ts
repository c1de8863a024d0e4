// What run details shows of a tracked cell's run, against a real tracking server: the error a failed
// or killed cell left (tags written by CellRun as the magic cell writes them), whether its traceback
// artifact is there, and the cell's source read through the client's artifact download.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import { CELL_SOURCE_MAX_BYTES, readCellSource, sourceExtension } from "../../src/lab/cell-source.js";
import { RunDetailsModel } from "../../src/lab/run-details/model.js";
import { CellRun, TAGS } from "../../src/tracking/cell-run.js";
import { type RunningServer, startServer } from "../helpers/server.js";

let server: RunningServer;
let client: RestClient;
let experimentId: string;

const source = () => ({ client, uri: server.url, settings: { refreshIntervalS: 0 } });

async function cellRun(name: string): Promise<CellRun> {
  return CellRun.start(client, { experimentId, runName: name, notebookPath: "train.ipynb", cellId: "c1" });
}

beforeAll(async () => {
  server = await startServer();
  client = new RestClient({ trackingUri: server.url });
  experimentId = await client.createExperiment("run-details-source");
});

afterAll(async () => {
  await server?.dispose();
});

describe("run details of a tracked cell's run", () => {
  it("has a failed cell's error, its traceback and its source", async () => {
    const run = await cellRun("fails");
    const code = "lr = 0.1\nfor epoch in range(3):\n    loss = 1 / (epoch - 1)\n";
    await run.uploadText("cell/source.py", code);
    await run.uploadText("error/traceback.txt", "Traceback (most recent call last):\nZeroDivisionError");
    await run.end("FAILED", {
      [TAGS.errorName]: "ZeroDivisionError",
      [TAGS.errorMessage]: "division by zero",
    });
    const m = new RunDetailsModel(source(), run.runId);
    await m.start();
    expect(m.status).toBe("FAILED");
    expect(m.failure).toEqual({ name: "ZeroDivisionError", message: "division by zero", killedReason: "" });
    expect(m.traceback).toBe(true);
    expect(m.cellSource).toEqual({ kind: "found", path: "cell/source.py", text: code });
    m.dispose();
  });

  it("has a killed run's reason, and no traceback nor source when the run kept none", async () => {
    const run = await cellRun("killed");
    await run.end("KILLED", { [TAGS.killedReason]: "the kernel died" });
    const m = new RunDetailsModel(source(), run.runId);
    await m.start();
    expect(m.failure).toEqual({ name: "", message: "", killedReason: "the kernel died" });
    expect(m.traceback).toBe(false);
    expect(m.cellSource).toEqual({ kind: "none" });
    m.dispose();
  });

  it("has no error for a finished run, and reads a TypeScript cell's source", async () => {
    const run = await cellRun("ok");
    await run.uploadText("cell/source.ts", "const lr: number = 0.1;\n");
    await run.end("FINISHED");
    const m = new RunDetailsModel(source(), run.runId);
    await m.start();
    expect(m.failure).toBeNull();
    expect(m.traceback).toBe(false);
    expect(m.cellSource).toMatchObject({ kind: "found", path: "cell/source.ts" });
    m.dispose();
  });

  it("reads the source again when a running run gets it, and the traceback when it fails", async () => {
    const run = await cellRun("live");
    const m = new RunDetailsModel(source(), run.runId);
    await m.start();
    expect(m.cellSource).toEqual({ kind: "none" });
    await run.uploadText("cell/source.py", "x = 1\n");
    await m.reload();
    expect(m.cellSource).toMatchObject({ kind: "found", text: "x = 1\n" });
    await run.uploadText("error/traceback.txt", "Traceback\nKeyError: 'x'");
    await run.end("FAILED", { [TAGS.errorName]: "KeyError", [TAGS.errorMessage]: "'x'" });
    await m.reload();
    expect(m.traceback).toBe(true);
    expect(m.failure?.name).toBe("KeyError");
    m.dispose();
  });

  it("says why a source cannot be read: too big, or not served by the tracking server", async () => {
    const run = await cellRun("big");
    await run.uploadText("cell/source.txt", "x".repeat(CELL_SOURCE_MAX_BYTES + 1));
    await run.end("FINISHED");
    const big = await readCellSource(client, { runId: run.runId, artifactUri: run.artifactUri ?? "" }, "");
    expect(big).toMatchObject({ kind: "error", problem: { summary: "too big" } });
    const elsewhere = await readCellSource(
      client,
      { runId: (await cellRun("small")).runId, artifactUri: "s3://bucket/somewhere" },
      server.url,
    );
    // The listing of a run without the folder is empty: nothing to read.
    expect(elsewhere).toEqual({ kind: "none" });
    const other = await cellRun("elsewhere");
    await other.uploadText("cell/source.py", "y = 2\n");
    await other.end("FINISHED");
    const notServed = await readCellSource(
      client,
      { runId: other.runId, artifactUri: "s3://bucket/somewhere" },
      server.url,
    );
    expect(notServed).toMatchObject({ kind: "error", problem: { summary: "not served" } });
  });

  it("turns an unreachable server into a problem, not a rejection", async () => {
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((done) => probe.close(() => done()));
    const gone = new RestClient({ trackingUri: url });
    const read = await readCellSource(
      gone,
      { runId: "r", artifactUri: "mlflow-artifacts:/1/r/artifacts" },
      "x",
    );
    expect(read.kind).toBe("error");
  });

  it("takes the language from the file name's extension", () => {
    expect(sourceExtension("cell/source.py")).toBe("py");
    expect(sourceExtension("cell/source.TS")).toBe("ts");
    expect(sourceExtension("cell/source")).toBe("");
    expect(sourceExtension("a.b/source")).toBe("");
  });
});
