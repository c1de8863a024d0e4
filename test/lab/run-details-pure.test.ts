// The run details view's pure parts: the CSV reader, sparkline paths, preview kinds, the params filter.
import { describe, expect, it } from "vitest";
import { parseCsv, separatorFor } from "../../src/lab/run-details/csv.js";
import {
  formatBytes,
  imageType,
  isVegaLiteSpec,
  looksLikeText,
  previewKind,
} from "../../src/lab/run-details/kinds.js";
import { isSystemTag, RunDetailsModel } from "../../src/lab/run-details/model.js";
import { matches } from "../../src/lab/run-details/params.js";
import { sparklinePath } from "../../src/lab/run-details/sparkline.js";

describe("parseCsv", () => {
  it("reads plain rows", () => {
    expect(parseCsv("a,b\n1,2\n")).toEqual({
      rows: [
        ["a", "b"],
        ["1", "2"],
      ],
      truncated: false,
    });
  });
  it("keeps separators, doubled quotes and line breaks inside quotes", () => {
    const text = 'name,note\n"Smith, J","said ""hi""\nthen left"\nx,""\n';
    expect(parseCsv(text).rows).toEqual([
      ["name", "note"],
      ["Smith, J", 'said "hi"\nthen left'],
      ["x", ""],
    ]);
  });
  it("takes CRLF, a BOM, empty fields and a last line without newline", () => {
    expect(parseCsv("\uFEFFa,,c\r\n1,2,\r\n3").rows).toEqual([["a", "", "c"], ["1", "2", ""], ["3"]]);
  });
  it("keeps an empty line inside the data as a row of one empty field", () => {
    expect(parseCsv("a\n\nb").rows).toEqual([["a"], [""], ["b"]]);
  });
  it("stops after maxRows and says more followed", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `${i},x`).join("\n");
    const t = parseCsv(text, { maxRows: 10 });
    expect(t.rows).toHaveLength(10);
    expect(t.rows[9]).toEqual(["9", "x"]);
    expect(t.truncated).toBe(true);
    expect(parseCsv("a\nb\n", { maxRows: 2 }).truncated).toBe(false);
  });
  it("reads tab-separated files", () => {
    expect(separatorFor("data/x.TSV")).toBe("\t");
    expect(separatorFor("x.csv")).toBe(",");
    expect(parseCsv('a\t"b\tc"\n', { separator: "\t" }).rows).toEqual([["a", "b\tc"]]);
  });
  it("treats a quote inside an unquoted field as text", () => {
    expect(parseCsv('5" disk,ok').rows).toEqual([['5" disk', "ok"]]);
  });
});

describe("sparklinePath", () => {
  it("scales points into the box, sorted by step, y downwards", () => {
    const d = sparklinePath(
      [
        { step: 10, value: 0 },
        { step: 0, value: 1 },
      ],
      102,
      22,
    );
    expect(d).toBe("M1,1L101,21");
  });
  it("draws a flat series through the middle, skips non-finite values", () => {
    expect(
      sparklinePath(
        [
          { step: 0, value: 5 },
          { step: 1, value: Number.NaN },
          { step: 2, value: 5 },
        ],
        102,
        22,
      ),
    ).toBe("M1,11L101,11");
  });
  it("gives a tick for one point and nothing for none", () => {
    expect(sparklinePath([{ step: 3, value: 1 }], 102, 22)).toBe("M49,11L53,11");
    expect(sparklinePath([])).toBe("");
  });
});

describe("preview kinds", () => {
  it.each([
    ["plots/loss.PNG", "image"],
    ["a.svg", "image"],
    ["report.html", "html"],
    ["m.json", "json"],
    ["conf.yml", "yaml"],
    ["data.csv", "csv"],
    ["data.tsv", "csv"],
    ["train.log", "text"],
    ["model/MLmodel", "text"],
    ["weights.bin", "other"],
    ["noext", "other"],
  ])("%s → %s", (path, kind) => {
    expect(previewKind(path)).toBe(kind);
  });
  it("gives images their MIME type (an SVG must be one to draw in <img>)", () => {
    expect(imageType("x.svg")).toBe("image/svg+xml");
    expect(imageType("x.jpg")).toBe("image/jpeg");
  });
  it("recognises Vega-Lite specs by their $schema", () => {
    expect(isVegaLiteSpec({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: "bar" })).toBe(
      true,
    );
    expect(isVegaLiteSpec({ $schema: "https://vega.github.io/schema/vega/v5.json" })).toBe(false);
    expect(isVegaLiteSpec([1])).toBe(false);
    expect(isVegaLiteSpec(null)).toBe(false);
  });
  it("tells text from binary bytes", () => {
    expect(looksLikeText(new TextEncoder().encode("héllo"))).toBe(true);
    expect(looksLikeText(new Uint8Array([1, 0, 2]))).toBe(false);
  });
  it("writes sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MB");
    expect(formatBytes(undefined)).toBe("");
  });
});

describe("tags and params", () => {
  it("tells system tags from the user's", () => {
    expect(isSystemTag("mlflow.user")).toBe(true);
    expect(isSystemTag("labtrack.cell.id")).toBe(true);
    expect(isSystemTag("team")).toBe(false);
  });
  it("refuses reserved or empty tag names", () => {
    expect(RunDetailsModel.tagKeyProblem("")).toMatch(/needs a name/);
    expect(RunDetailsModel.tagKeyProblem("mlflow.note.content")).toMatch(/reserved/);
    expect(RunDetailsModel.tagKeyProblem(" x")).toMatch(/spaces/);
    expect(RunDetailsModel.tagKeyProblem("team")).toBeNull();
  });
  it("filters params by name or value, ignoring case", () => {
    expect(matches({ key: "learning_rate", value: "0.1" }, "RATE")).toBe(true);
    expect(matches({ key: "opt", value: "Adam" }, "adam")).toBe(true);
    expect(matches({ key: "opt", value: "sgd" }, "adam")).toBe(false);
    expect(matches({ key: "opt", value: "sgd" }, "  ")).toBe(true);
  });
});
