// Compare's cell-source diff: the line diff (a shortest edit script that rebuilds both texts, checked
// against a longest-common-subsequence count on random texts), its collapsed form, and the model
// reading the pair's `cell/source.*` from a real tracking server (runs without one, the pair choice).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import { collapse, type DiffLine, diffStats, lineDiff, splitLines } from "../../src/lab/compare/line-diff.js";
import { CompareModel } from "../../src/lab/compare/model.js";
import { type RunningServer, startServer } from "../helpers/server.js";

const sides = (lines: DiffLine[]) => ({
  old: lines.filter((l) => l.op !== "added").map((l) => l.text),
  new: lines.filter((l) => l.op !== "removed").map((l) => l.text),
});

function lcsLength(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] as number;
      row[j] = a[i - 1] === b[j - 1] ? diagonal + 1 : Math.max(up, row[j - 1] as number);
      diagonal = up;
    }
  }
  return row[b.length] as number;
}

describe("line diff", () => {
  it("marks the lines a cell changed, with both sides' line numbers", () => {
    const before = splitLines("import numpy as np\nlr = 0.1\nfor e in range(3):\n    train(lr)\n");
    const after = splitLines(
      "import numpy as np\nlr = 0.01\nmomentum = 0.9\nfor e in range(3):\n    train(lr)\n",
    );
    const diff = lineDiff(before, after);
    expect(diff.map((l) => [l.op, l.text, l.oldNo, l.newNo])).toEqual([
      ["same", "import numpy as np", 1, 1],
      ["removed", "lr = 0.1", 2, undefined],
      ["added", "lr = 0.01", undefined, 2],
      ["added", "momentum = 0.9", undefined, 3],
      ["same", "for e in range(3):", 3, 4],
      ["same", "    train(lr)", 4, 5],
    ]);
    expect(diffStats(diff)).toEqual({ added: 2, removed: 1 });
  });

  it("reads CRLF like LF and ignores the final newline; empty texts diff to nothing or all", () => {
    expect(splitLines("a\r\nb\r\n")).toEqual(["a", "b"]);
    expect(splitLines("")).toEqual([]);
    expect(lineDiff([], [])).toEqual([]);
    expect(lineDiff([], ["x"]).map((l) => l.op)).toEqual(["added"]);
    expect(lineDiff(["x"], []).map((l) => l.op)).toEqual(["removed"]);
  });

  it("is a shortest edit script that rebuilds both texts (random texts)", () => {
    const text = fc.array(fc.constantFrom("a", "b", "c", "d", ""), { maxLength: 30 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        const diff = lineDiff(a, b);
        expect(sides(diff)).toEqual({ old: a, new: b });
        const same = diff.filter((l) => l.op === "same").length;
        expect(same).toBe(lcsLength(a, b));
        // Line numbers count each side's lines in order.
        expect(diff.filter((l) => l.oldNo !== undefined).map((l) => l.oldNo)).toEqual(a.map((_, i) => i + 1));
        expect(diff.filter((l) => l.newNo !== undefined).map((l) => l.newNo)).toEqual(b.map((_, i) => i + 1));
      }),
      { numRuns: 300 },
    );
  });

  it("shows texts past the edit limit as wholly replaced, still rebuilding both", () => {
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 50 }, (_, i) => `b${i}`);
    const diff = lineDiff(a, b, 10);
    expect(sides(diff)).toEqual({ old: a, new: b });
    expect(diffStats(diff)).toEqual({ added: 50, removed: 50 });
  });

  it("keeps three lines of context around changes and collapses longer unchanged stretches", () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const b = a.slice();
    b[10] = "changed";
    const rows = collapse(lineDiff(a, b));
    expect(rows.map((r) => (r.op === "skipped" ? `…${r.count}` : r.op))).toEqual([
      "…7",
      "same",
      "same",
      "same",
      "removed",
      "added",
      "same",
      "same",
      "same",
      "…6",
    ]);
    // Two unchanged lines are shown rather than hidden.
    const near = a.slice(0, 6);
    const changed = near.slice();
    changed[0] = "x";
    expect(collapse(lineDiff(near, changed), 3).some((r) => r.op === "skipped")).toBe(false);
  });
});

let server: RunningServer;
let client: RestClient;
const runIds: string[] = [];

let experimentId: string;

async function runWithSource(name: string, source: string | null): Promise<string> {
  const run = await client.createRun({ experimentId, runName: name });
  if (source !== null) {
    const path = RestClient.proxyPath(run.info.artifact_uri ?? "", "cell/source.py") as string;
    await client.uploadArtifact(path, source);
  }
  await client.updateRun(run.info.run_id, { status: "FINISHED", endTime: Date.now() });
  return run.info.run_id;
}

beforeAll(async () => {
  server = await startServer();
  client = new RestClient({ trackingUri: server.url });
  experimentId = await client.createExperiment("compare-source");
  runIds.push(await runWithSource("base", "lr = 0.1\ntrain(lr)\n"));
  runIds.push(await runWithSource("tuned", "lr = 0.01\ntrain(lr)\n"));
  runIds.push(await runWithSource("script", null));
});

afterAll(async () => {
  await server?.dispose();
});

describe("CompareModel's cell sources", () => {
  it("reads the first two runs' sources, then the pair chosen; a run without one reads as none", async () => {
    const model = new CompareModel({ client, uri: server.url }, runIds);
    await model.load();
    expect(model.sourcePair).toEqual({ base: runIds[0], other: runIds[1] });
    expect(model.sources.get(runIds[0] as string)).toEqual({
      kind: "found",
      path: "cell/source.py",
      text: "lr = 0.1\ntrain(lr)\n",
    });
    expect(model.sources.get(runIds[1] as string)).toMatchObject({
      kind: "found",
      text: "lr = 0.01\ntrain(lr)\n",
    });
    // Only the pair is read.
    expect(model.sources.has(runIds[2] as string)).toBe(false);
    await model.setSourcePair(runIds[0] as string, runIds[2] as string);
    expect(model.sourcePair).toEqual({ base: runIds[0], other: runIds[2] });
    expect(model.sources.get(runIds[2] as string)).toEqual({ kind: "none" });
    // A run that is not compared, or the baseline against itself, is not a pair.
    await model.setSourcePair(runIds[0] as string, "f".repeat(32));
    await model.setSourcePair(runIds[1] as string, runIds[1] as string);
    expect(model.sourcePair).toEqual({ base: runIds[0], other: runIds[2] });
    // Reading the runs again reads their sources again, and keeps the chosen pair.
    await model.load();
    expect(model.sourcePair).toEqual({ base: runIds[0], other: runIds[2] });
    expect(model.sources.get(runIds[2] as string)).toEqual({ kind: "none" });
    model.dispose();
  });
});
